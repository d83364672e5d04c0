/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stand-in Linux kernel for the kvm suite: a bzImage (boot protocol 2.15,
 * one setup sector) whose startup_64 checks the 64-bit boot state the
 * loader built, prints what it was given on COM1 (and what a PCI probe
 * finds: conf1's address register read back after writing 0x80000000, the
 * ID dword of 00:00.0, PCI0 in the DSDT; the TSC-deadline bit of CPUID),
 * then does what "stub=X" on its command line asks:
 *	stub=poweroff	ACPI S5 through RSDP -> XSDT -> FADT's PM1a_CNT (default)
 *	stub=init	print "Run /init as init process", then power off
 *	stub=bootport	write ZAPVM_BOOT_DONE_PORT, then power off
 *	stub=echo	echo COM1 input until 'q', then power off
 *	stub=reboot	i8042 reset (0xfe to port 0x64)
 *	stub=panic	print a kernel panic line and halt
 *	stub=triple	ud2 with no IDT: a triple fault
 *	stub=hang	cli; hlt forever
 * Every instruction runs at ring 0 (emulated on some hosts), so it is short.
 * Built with: cc -nostdlib -static -Wl,--oformat=binary -Wl,-Ttext=0.
 */
#define COM1 0x3f8
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_CMD_LINE_PTR 0x228
#define BP_HEADER 0x202
#define BOOT_DONE_PORT 0x5a08
#define MPTABLE 0xf0000
#define PCI_CONF1_ADDR 0xcf8
#define PCI_CONF1_DATA 0xcfc

	.text
	.code64
	.globl _start
_start:
	/* ---- boot sector and setup header --------------------------- */
	.org 0x1f1
	.byte 1				/* setup_sects */
	.word 0				/* root_flags */
	.long (kend - kstart) / 16	/* syssize */
	.word 0				/* ram_size */
	.word 0xffff			/* vid_mode */
	.word 0				/* root_dev */
	.word 0xaa55			/* boot_flag */
	.org 0x200
	.byte 0xeb, 0x6a		/* jump: the header ends at 0x26c */
	.ascii "HdrS"
	.word 0x020f			/* version 2.15 */
	.org 0x211
	.byte 0x01			/* loadflags: LOADED_HIGH */
	.org 0x214
	.long 0x100000			/* code32_start */
	.org 0x22c
	.long 0x7fffffff		/* initrd_addr_max */
	.long 0x200000			/* kernel_alignment */
	.byte 1				/* relocatable_kernel */
	.byte 21			/* min_alignment */
	.word 0x0001			/* xloadflags: XLF_KERNEL_64 */
	.long 255			/* cmdline_size */
	.org 0x258
	.quad 0x1000000			/* pref_address */
	.long 0x100000			/* init_size */
	.org 0x400

	/* ---- the protected-mode kernel ------------------------------ */
kstart:
startup_32:
	ud2				/* only the 64-bit entry is used */
	.org kstart + 0x200
startup_64:
	movq %rsi, %r15			/* boot_params */
	leaq hello(%rip), %rdi
	call puts

	/* The segments boot.rst asks for: __BOOT_CS 0x10, __BOOT_DS 0x18. */
	leaq m_cs(%rip), %rdi
	call puts
	movw %cs, %ax
	movzwq %ax, %rdi
	call puthex
	leaq m_ds(%rip), %rdi
	call puts
	movw %ds, %ax
	movzwq %ax, %rdi
	call puthex
	leaq m_ss(%rip), %rdi
	call puts
	movw %ss, %ax
	movzwq %ax, %rdi
	call puthex
	leaq m_if(%rip), %rdi
	call puts
	pushfq
	popq %rdi
	shrq $9, %rdi
	andq $1, %rdi
	call puthex
	call newline

	/* The zero page: header magic, e820, RSDP, command line, initrd. */
	leaq m_hdr(%rip), %rdi
	call puts
	movl BP_HEADER(%r15), %edi
	call puthex
	leaq m_e820(%rip), %rdi
	call puts
	movzbq BP_E820_ENTRIES(%r15), %rdi
	call puthex
	leaq m_rsdp(%rip), %rdi
	call puts
	movq BP_ACPI_RSDP(%r15), %rdi
	call puthex
	call newline

	/* The MP table: processor entries and PCI buses (in %rsi). */
	leaq m_mp(%rip), %rdi
	call puts
	xorl %edi, %edi
	xorl %esi, %esi
	cmpl $0x5f504d5f, MPTABLE	/* "_MP_" */
	jne 14f
	movl MPTABLE + 4, %ebx		/* the configuration table */
	movzwl 34(%rbx), %ecx		/* entry count */
	addq $44, %rbx
13:	testl %ecx, %ecx
	jz 14f
	cmpb $0, (%rbx)
	jne 16f
	incq %rdi
	addq $12, %rbx			/* processor entries are 20 bytes */
	jmp 15f
16:	cmpb $1, (%rbx)			/* a bus */
	jne 15f
	cmpl $0x20494350, 2(%rbx)	/* "PCI " */
	jne 15f
	incq %rsi
15:	addq $8, %rbx
	decl %ecx
	jmp 13b
14:	call puthex
	leaq m_mppci(%rip), %rdi
	call puts
	movq %rsi, %rdi
	call puthex
	call newline

	/*
	 * PCI as Linux's pci_check_type1() probes it: 0x80000000 into the
	 * conf1 address register must read back; then 00:00.0's IDs.
	 */
	leaq m_cf8(%rip), %rdi
	call puts
	movw $PCI_CONF1_ADDR, %dx
	movl $0x80000000, %eax
	outl %eax, %dx
	inl %dx, %eax
	movl %eax, %edi
	call puthex
	leaq m_pciid(%rip), %rdi
	call puts
	movw $PCI_CONF1_DATA, %dx
	inl %dx, %eax
	movl %eax, %edi
	call puthex
	/* The DSDT (RSDP -> XSDT -> FADT -> DSDT): its length, "PCI0"s. */
	leaq m_dsdt(%rip), %rdi
	call puts
	xorl %edi, %edi
	xorl %esi, %esi
	movq BP_ACPI_RSDP(%r15), %rbx
	testq %rbx, %rbx
	jz 18f
	movq 24(%rbx), %rbx		/* XSDT */
	cmpl $0x54445358, (%rbx)	/* "XSDT" */
	jne 18f
	movq 36(%rbx), %rbx		/* FADT */
	cmpl $0x50434146, (%rbx)	/* "FACP" */
	jne 18f
	movl 40(%rbx), %ebx		/* DSDT */
	cmpl $0x54445344, (%rbx)	/* "DSDT" */
	jne 18f
	movl 4(%rbx), %edi		/* length */
	leaq -3(%rbx,%rdi), %rcx	/* the last place a dword starts */
17:	cmpq %rcx, %rbx
	jae 18f
	cmpl $0x30494350, (%rbx)	/* "PCI0" */
	jne 19f
	incq %rsi
19:	incq %rbx
	jmp 17b
18:	call puthex
	leaq m_pci0(%rip), %rdi
	call puts
	movq %rsi, %rdi
	call puthex
	call newline

	/* CPUID.1:ECX[24]: the TSC-deadline timer. */
	leaq m_tscdl(%rip), %rdi
	call puts
	movl $1, %eax
	xorl %ecx, %ecx
	cpuid
	movl %ecx, %edi
	shrl $24, %edi
	andl $1, %edi
	call puthex
	call newline

	leaq m_cmdline(%rip), %rdi
	call puts
	movl BP_CMD_LINE_PTR(%r15), %edi
	movq %rdi, %r14			/* the command line */
	call puts
	call newline

	movl BP_RAMDISK_SIZE(%r15), %ecx
	testl %ecx, %ecx
	jz 2f
	leaq m_initrd(%rip), %rdi
	call puts
	movl BP_RAMDISK_SIZE(%r15), %edi
	call puthex
	leaq m_at(%rip), %rdi
	call puts
	movl BP_RAMDISK_IMAGE(%r15), %edi
	call puthex
	leaq m_first(%rip), %rdi
	call puts
	/* Its first bytes, up to 16 or a newline. */
	movl BP_RAMDISK_IMAGE(%r15), %ebx
	movl BP_RAMDISK_SIZE(%r15), %ecx
	cmpl $16, %ecx
	jbe 1f
	movl $16, %ecx
1:	movb (%rbx), %al
	cmpb $'\n', %al
	je 3f
	call putc
	incq %rbx
	decl %ecx
	jnz 1b
3:	call newline
2:
	/* The mode: the byte after "stub=" in the command line. */
	movq %r14, %rbx
4:	movb (%rbx), %al
	testb %al, %al
	jz do_poweroff
	cmpl $0x62757473, (%rbx)	/* "stub" */
	jne 5f
	cmpb $'=', 4(%rbx)
	jne 5f
	movb 5(%rbx), %al
	cmpw $0x6170, 5(%rbx)		/* "pa" */
	je do_panic
	cmpb $'p', %al
	je do_poweroff
	cmpb $'i', %al
	je do_init
	cmpb $'b', %al
	je do_bootport
	cmpb $'e', %al
	je do_echo
	cmpb $'r', %al
	je do_reboot
	cmpb $'t', %al
	je do_triple
	cmpb $'h', %al
	je do_hang
	jmp do_poweroff
5:	incq %rbx
	jmp 4b

do_init:
	leaq m_init(%rip), %rdi
	call puts
	jmp do_poweroff

do_bootport:
	movw $BOOT_DONE_PORT, %dx
	movb $1, %al
	outb %al, %dx
	jmp do_poweroff

do_echo:
	leaq m_echo(%rip), %rdi
	call puts
6:	movw $COM1 + 5, %dx		/* LSR */
	inb %dx, %al
	testb $1, %al			/* data ready */
	jz 6b
	movw $COM1, %dx
	inb %dx, %al
	cmpb $'q', %al
	je 7f
	call putc
	jmp 6b
7:	call newline
	jmp do_poweroff

do_reboot:
	movb $0xfe, %al
	outb %al, $0x64
	jmp do_hang

do_panic:
	leaq m_panic(%rip), %rdi
	call puts
	jmp do_hang

do_triple:
	ud2

do_hang:
	cli
8:	hlt
	jmp 8b

/* ACPI S5: RSDP -> XSDT -> first entry, the FADT -> PM1a_CNT_BLK. */
do_poweroff:
	leaq m_off(%rip), %rdi
	call puts
	movq BP_ACPI_RSDP(%r15), %rbx
	testq %rbx, %rbx
	jz acpi_bad
	movabsq $0x2052545020445352, %rax	/* "RSD PTR " */
	cmpq %rax, (%rbx)
	jne acpi_bad
	movq 24(%rbx), %rbx		/* XSDT */
	cmpl $0x54445358, (%rbx)	/* "XSDT" */
	jne acpi_bad
	movq 36(%rbx), %rbx		/* entry 0 */
	cmpl $0x50434146, (%rbx)	/* "FACP" */
	jne acpi_bad
	movl 64(%rbx), %edx		/* PM1a_CNT_BLK */
	movw $(5 << 10) | (1 << 13), %ax	/* SLP_TYP 5 | SLP_EN */
	outw %ax, %dx
	jmp do_hang
acpi_bad:
	leaq m_acpi_bad(%rip), %rdi
	call puts
	jmp do_hang

/* ---- COM1 output: %al, a NUL-terminated string at %rdi, hex of %rdi */
putc:
	pushq %rdx
	movw $COM1, %dx
	outb %al, %dx
	popq %rdx
	ret

puts:
	pushq %rax
9:	movb (%rdi), %al
	testb %al, %al
	jz 10f
	call putc
	incq %rdi
	jmp 9b
10:	popq %rax
	ret

newline:
	pushq %rax
	movb $'\n', %al
	call putc
	popq %rax
	ret

puthex:
	pushq %rax
	pushq %rcx
	movl $16, %ecx
	movb $'0', %al
	call putc
	movb $'x', %al
	call putc
11:	rolq $4, %rdi
	movl %edi, %eax
	andb $0xf, %al
	addb $'0', %al
	cmpb $'9', %al
	jbe 12f
	addb $'a' - '0' - 10, %al
12:	call putc
	decl %ecx
	jnz 11b
	popq %rcx
	popq %rax
	ret

hello:		.asciz "zapvm-stub: 64-bit entry reached\n"
m_cs:		.asciz "cs="
m_ds:		.asciz " ds="
m_ss:		.asciz " ss="
m_if:		.asciz " if="
m_hdr:		.asciz "header="
m_e820:		.asciz " e820="
m_rsdp:		.asciz " rsdp="
m_mp:		.asciz "mpcpus="
m_mppci:	.asciz " mppcibuses="
m_cf8:		.asciz "pci: cf8="
m_pciid:	.asciz " id00="
m_dsdt:		.asciz " dsdt="
m_pci0:		.asciz " pci0="
m_tscdl:	.asciz "cpuid: tsc-deadline="
m_cmdline:	.asciz "cmdline="
m_initrd:	.asciz "initrd size="
m_at:		.asciz " at="
m_first:	.asciz " first="
m_init:		.asciz "[    0.100000] Run /init as init process\n"
m_echo:		.asciz "echo: type, q ends\n"
m_panic:	.asciz "[    0.100000] Kernel panic - not syncing: zapvm stub\n"
m_off:		.asciz "zapvm-stub: powering off\n"
m_acpi_bad:	.asciz "zapvm-stub: no ACPI PM1a_CNT found\n"
	.balign 16
kend:
