/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stand-in vmlinux for the kvm suite's PVH tests: an ELF64 x86-64 file
 * linked like a vmlinux (virtual 0xffffffff81000000, physical 16 MiB, see
 * linux-pvh-stub.ld) whose only entry is a XEN_ELFNOTE_PHYS32_ENTRY note.
 * The 32-bit entry checks the state start_info.h promises - protected mode,
 * paging off, interrupts off, %ebx pointing at hvm_start_info - prints what
 * it was given on COM1 and powers off through ACPI from rsdp_paddr. With
 * paging off every address is physical: PA() turns a link address into one.
 * Every instruction runs at ring 0 (emulated on some hosts), so it is short.
 */
#define COM1 0x3f8
#define VBASE 0xffffffff81000000
#define PBASE 0x1000000
#define PA(x) ((x) - kstart + PBASE)
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.text
	.code32
kstart:
	.globl pvh_start
pvh_start:
	movl $PA(stack_top), %esp
	movl %ebx, %ebp			/* hvm_start_info */
	movl $PA(hello), %esi
	call puts

	/* cs, ds, ss selectors; CR0.PE and CR0.PG; EFLAGS.IF */
	movl $PA(m_cs), %esi
	call puts
	movw %cs, %ax
	movzwl %ax, %eax
	call puthex
	movl $PA(m_ds), %esi
	call puts
	movw %ds, %ax
	movzwl %ax, %eax
	call puthex
	movl $PA(m_ss), %esi
	call puts
	movw %ss, %ax
	movzwl %ax, %eax
	call puthex
	movl $PA(m_cr0), %esi
	call puts
	movl %cr0, %eax
	andl $0x80000001, %eax
	call puthex
	movl $PA(m_if), %esi
	call puts
	pushfl
	popl %eax
	shrl $9, %eax
	andl $1, %eax
	call puthex
	call newline

	/* hvm_start_info: magic and version first. */
	movl $PA(m_magic), %esi
	call puts
	movl 0(%ebp), %eax
	call puthex
	movl $PA(m_version), %esi
	call puts
	movl 4(%ebp), %eax
	call puthex
	call newline
	cmpl $0x336ec578, 0(%ebp)
	jne bad_magic

	/* The memory map: count, then every entry. */
	movl $PA(m_memmap), %esi
	call puts
	movl 48(%ebp), %eax
	call puthex
	call newline
	movl 48(%ebp), %ecx
	movl 40(%ebp), %ebx
1:	testl %ecx, %ecx
	jz 2f
	movl $PA(m_entry), %esi
	call puts
	movl 0(%ebx), %eax
	call puthex
	movl $PA(m_size), %esi
	call puts
	movl 8(%ebx), %eax
	call puthex
	movl $PA(m_type), %esi
	call puts
	movl 16(%ebx), %eax
	call puthex
	call newline
	addl $24, %ebx
	decl %ecx
	jmp 1b
2:
	movl $PA(m_rsdp), %esi
	call puts
	movl 32(%ebp), %eax
	call puthex
	call newline

	movl $PA(m_cmdline), %esi
	call puts
	movl 24(%ebp), %esi
	call puts
	call newline

	/* The first module is the initrd. */
	movl 12(%ebp), %eax
	testl %eax, %eax
	jz 3f
	movl $PA(m_mods), %esi
	call puts
	call puthex
	movl 16(%ebp), %ebx		/* modlist */
	movl $PA(m_size), %esi
	call puts
	movl 8(%ebx), %eax
	call puthex
	movl $PA(m_at), %esi
	call puts
	movl 0(%ebx), %eax
	call puthex
	movl $PA(m_first), %esi
	call puts
	movl 0(%ebx), %esi
	movl $16, %ecx
4:	movb (%esi), %al
	cmpb $'\n', %al
	je 5f
	call putc
	incl %esi
	decl %ecx
	jnz 4b
5:	call newline
3:
	/* ACPI S5: RSDP -> XSDT -> first entry, the FADT -> PM1a_CNT_BLK. */
	movl $PA(m_off), %esi
	call puts
	movl 32(%ebp), %ebx
	testl %ebx, %ebx
	jz acpi_bad
	cmpl $0x20445352, (%ebx)	/* "RSD " */
	jne acpi_bad
	movl 24(%ebx), %ebx		/* XSDT, below 4 GiB */
	cmpl $0x54445358, (%ebx)	/* "XSDT" */
	jne acpi_bad
	movl 36(%ebx), %ebx		/* entry 0 */
	cmpl $0x50434146, (%ebx)	/* "FACP" */
	jne acpi_bad
	movl 64(%ebx), %edx		/* PM1a_CNT_BLK */
	movw $(5 << 10) | (1 << 13), %ax	/* SLP_TYP 5 | SLP_EN */
	outw %ax, %dx
	jmp hang
acpi_bad:
	movl $PA(m_acpi_bad), %esi
	call puts
	jmp hang
bad_magic:
	movl $PA(m_bad_magic), %esi
	call puts
hang:
	cli
6:	hlt
	jmp 6b

/* COM1 output: %al, the NUL-terminated string at %esi, hex of %eax */
putc:
	pushl %edx
	movw $COM1, %dx
	outb %al, %dx
	popl %edx
	ret

puts:
	pushl %eax
	pushl %esi
7:	movb (%esi), %al
	testb %al, %al
	jz 8f
	call putc
	incl %esi
	jmp 7b
8:	popl %esi
	popl %eax
	ret

newline:
	pushl %eax
	movb $'\n', %al
	call putc
	popl %eax
	ret

puthex:
	pushl %eax
	pushl %ecx
	pushl %edx
	movl %eax, %edx
	movb $'0', %al
	call putc
	movb $'x', %al
	call putc
	movl $8, %ecx
9:	roll $4, %edx
	movb %dl, %al
	andb $0xf, %al
	addb $'0', %al
	cmpb $'9', %al
	jbe 10f
	addb $'a' - '0' - 10, %al
10:	call putc
	decl %ecx
	jnz 9b
	popl %edx
	popl %ecx
	popl %eax
	ret

hello:		.asciz "zapvm-pvh-stub: 32-bit PVH entry reached\n"
m_cs:		.asciz "cs="
m_ds:		.asciz " ds="
m_ss:		.asciz " ss="
m_cr0:		.asciz " cr0.pg|pe="
m_if:		.asciz " if="
m_magic:	.asciz "magic="
m_version:	.asciz " version="
m_memmap:	.asciz "memmap entries="
m_entry:	.asciz "memmap addr="
m_size:		.asciz " size="
m_type:		.asciz " type="
m_rsdp:		.asciz "rsdp="
m_cmdline:	.asciz "cmdline="
m_mods:		.asciz "modules="
m_at:		.asciz " at="
m_first:	.asciz " first="
m_off:		.asciz "zapvm-pvh-stub: powering off\n"
m_acpi_bad:	.asciz "zapvm-pvh-stub: no ACPI PM1a_CNT found\n"
m_bad_magic:	.asciz "zapvm-pvh-stub: bad start_info magic\n"

	/* Linux's ELFNOTE(Xen, XEN_ELFNOTE_PHYS32_ENTRY, ...) */
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f
	.long 4f - 3f
	.long XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz "Xen"
2:	.balign 4
3:	.quad PA(pvh_start)
4:	.balign 4
	.popsection

	.bss
	.balign 16
	.fill 1024, 1, 0
stack_top:
	.section .note.GNU-stack, "", @progbits
