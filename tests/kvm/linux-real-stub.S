/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stand-in bzImage for the kvm suite's real-mode tests: boot protocol
 * 2.15 with three setup sectors and no 64-bit entry (xloadflags 0), whose
 * setup code checks the state boot.rst's "Running the kernel" asks for
 * and what zapvm's BIOS answers, printing through int 0x10 teletype (which
 * the BIOS sends to COM1), then powers off through ACPI, finding the RSDP
 * by scanning 0xe0000-0xfffff as Linux does without a zero page:
 *	segments, %sp and IF at entry; the setup header the loader filled in
 *	the e820 map from int 0x15 AX=0xe820, AH=0x88, int 0x13 EDD absent
 *	the command line at cmd_line_ptr
 * With "stub=pm" on the command line it then switches to protected mode as
 * the real setup code does and jumps to code32_start, where the
 * protected-mode kernel checks it was loaded there and powers off.
 * Every instruction runs at ring 0 (emulated on some hosts), so it is short.
 * Built with: cc -nostdlib -static -Wl,--oformat=binary -Wl,-Ttext=0.
 * %ds = the start of this file, %cs = 0x200 bytes further.
 */
#define SMAP 0x534d4150

	.text
	.code16
	.globl _start
_start:
	/* ---- boot sector and setup header --------------------------- */
	.org 0x1f1
	.byte 3				/* setup_sects */
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
	.word 0x0000			/* xloadflags: a 32-bit kernel */
	.long 255			/* cmdline_size */
	.org 0x258
	.quad 0x1000000			/* pref_address */
	.long 0x100000			/* init_size */
	.org 0x26c

	/* ---- the setup code: entered at %cs:0 = file offset 0x200 ---- */
setup:
	pushfw
	popw saved_flags
	movw %sp, saved_sp
	movw %cs, saved_cs
	movw %ss, saved_ss
	movw %es, saved_es
	movw %fs, saved_fs
	movw %gs, saved_gs
	movw %ds, saved_ds
	movw $hello, %si
	call puts

	/* Segments and stack as boot.rst asks: ds=es=fs=gs=ss, cs=ds+0x20. */
	movw $m_cs, %si
	movw saved_cs, %ax
	call putword
	movw $m_ds, %si
	movw saved_ds, %ax
	call putword
	movw $m_es, %si
	movw saved_es, %ax
	call putword
	movw $m_fs, %si
	movw saved_fs, %ax
	call putword
	movw $m_gs, %si
	movw saved_gs, %ax
	call putword
	movw $m_ss, %si
	movw saved_ss, %ax
	call putword
	movw $m_sp, %si
	movw saved_sp, %ax
	call putword
	movw $m_if, %si
	movw saved_flags, %ax
	shrw $9, %ax
	andw $1, %ax
	call putword
	call newline

	/* The loader's fields of the setup header. */
	movw $m_loader, %si
	movzbl 0x210, %eax
	call putfield
	movw $m_loadflags, %si
	movzbl 0x211, %eax
	call putfield
	movw $m_heap, %si
	movzwl 0x224, %eax
	call putfield
	movw $m_vid, %si
	movzwl 0x1fa, %eax
	call putfield
	call newline
	movw $m_cmdptr, %si
	movl 0x228, %eax
	call putfield
	movw $m_code32, %si
	movl 0x214, %eax
	call putfield
	movw $m_ramdisk, %si
	movl 0x218, %eax
	call putfield
	movw $m_ramsize, %si
	movl 0x21c, %eax
	call putfield
	call newline

	/* int 0x15 AX=0xe820, until EBX comes back 0 or CF is set. */
	xorl %ebx, %ebx
	xorw %bp, %bp			/* entries */
1:	movl $0xe820, %eax
	movl $SMAP, %edx
	movl $20, %ecx
	pushw %ds
	popw %es
	movw $e820_buf, %di
	int $0x15
	jc 2f
	cmpl $SMAP, %eax
	jne e820_bad
	cmpl $20, %ecx
	jne e820_bad
	incw %bp
	pushl %ebx
	movw $m_e820, %si
	movl e820_buf, %eax
	call putfield
	movw $m_size, %si
	movl e820_buf + 8, %eax
	call putfield
	movw $m_type, %si
	movl e820_buf + 16, %eax
	call putfield
	call newline
	popl %ebx
	testl %ebx, %ebx
	jz 2f
	cmpw $64, %bp
	jb 1b
2:	movw $m_e820n, %si
	movzwl %bp, %eax
	call putfield

	/* int 0x15 AH=0x88: KiB above 1 MiB. */
	movw $m_ext, %si
	movb $0x88, %ah
	stc
	int $0x15
	movzwl %ax, %eax
	call putfield

	/* int 0x13 AH=0x41: EDD must be absent (CF set). */
	movw $m_edd, %si
	movb $0x41, %ah
	movw $0x55aa, %bx
	movb $0x80, %dl
	clc
	int $0x13
	sbbl %eax, %eax
	negl %eax
	call putfield
	call newline

	/* The command line at cmd_line_ptr (below 1 MiB). */
	movw $m_cmdline, %si
	call puts
	movl 0x228, %ebx
	call linear
3:	movb %es:(%bx), %al
	testb %al, %al
	jz 4f
	call putc
	incw %bx
	jmp 3b
4:	call newline

	/* ACPI S5: scan for the RSDP, then XSDT -> FADT -> PM1a_CNT_BLK. */
	movw $m_off, %si
	call puts
	movw $0xe000, %cx
7:	movw %cx, %es
	cmpl $0x20445352, %es:0		/* "RSD " */
	jne 8f
	cmpl $0x20525450, %es:4		/* "PTR " */
	je 9f
8:	incw %cx
	jnz 7b
	jmp acpi_bad
9:	movw $m_rsdp, %si
	movzwl %cx, %eax
	shll $4, %eax
	call putfield
	call newline
	movl %es:24, %ebx		/* XSDT, below 1 MiB here */
	call linear
	cmpl $0x54445358, %es:(%bx)	/* "XSDT" */
	jne acpi_bad
	movl %es:36(%bx), %ebx		/* entry 0 */
	call linear
	cmpl $0x50434146, %es:(%bx)	/* "FACP" */
	jne acpi_bad
	movl %es:64(%bx), %edx		/* PM1a_CNT_BLK */
	call want_pm
	je to_pm
	movw $(5 << 10) | (1 << 13), %ax	/* SLP_TYP 5 | SLP_EN */
	outw %ax, %dx
	jmp hang

/* ZF set if the command line holds "stub=pm". */
want_pm:
	pushl %ebx
	pushw %es
	movl 0x228, %ebx
	call linear
16:	cmpb $0, %es:(%bx)
	je 17f
	cmpl $0x62757473, %es:(%bx)	/* "stub" */
	jne 18f
	cmpw $0x703d, %es:4(%bx)	/* "=p" */
	jne 18f
	cmpb $'m', %es:6(%bx)
	jmp 19f
18:	incw %bx
	jmp 16b
17:	cmpb $1, %es:(%bx)		/* clears ZF */
19:	popw %es
	popl %ebx
	ret

/* As arch/x86/boot/pm.c: flat GDT, CR0.PE, a far jump, then code32_start. */
to_pm:
	cli
	xorl %eax, %eax
	movw %ds, %ax
	shll $4, %eax
	movl %eax, %ebx
	addl $gdt, %eax
	movl %eax, gdt_desc + 2
	leal pm32(%ebx), %eax
	movl %eax, pm32_ptr
	lgdtl gdt_desc
	movl 0x214, %ecx		/* code32_start */
	movl %cr0, %eax
	orb $1, %al
	movl %eax, %cr0
	ljmpl *pm32_ptr
	.code32
pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	jmp *%ecx
	.code16
e820_bad:
	movw $m_e820_bad, %si
	call puts
	jmp hang
acpi_bad:
	movw $m_acpi_bad, %si
	call puts
hang:
	cli
10:	hlt
	jmp 10b

/* %es:%bx = the linear address in %ebx (below 1 MiB). */
linear:
	pushl %eax
	movl %ebx, %eax
	shrl $4, %eax
	movw %ax, %es
	andw $0xf, %bx
	popl %eax
	ret

/* Output through the BIOS: int 0x10 AH=0x0e. */
putc:
	pushw %ax
	pushw %bx
	movb $0x0e, %ah
	xorw %bx, %bx
	int $0x10
	popw %bx
	popw %ax
	ret

puts:
	pushw %ax
	pushw %si
11:	movb (%si), %al
	testb %al, %al
	jz 12f
	call putc
	incw %si
	jmp 11b
12:	popw %si
	popw %ax
	ret

newline:
	pushw %ax
	movb $'\n', %al
	call putc
	popw %ax
	ret

/* The label at %si, then %ax / %eax in hex. */
putword:
	call puts
	pushl %eax
	movzwl %ax, %eax
	shll $16, %eax
	movw $4, %cx
	jmp 13f
putfield:
	call puts
	pushl %eax
	movw $8, %cx
13:	pushl %edx
	movl %eax, %edx
	movb $'0', %al
	call putc
	movb $'x', %al
	call putc
14:	roll $4, %edx
	movb %dl, %al
	andb $0xf, %al
	addb $'0', %al
	cmpb $'9', %al
	jbe 15f
	addb $'a' - '0' - 10, %al
15:	call putc
	decw %cx
	jnz 14b
	popl %edx
	popl %eax
	ret

hello:		.asciz "zapvm-real-stub: real-mode setup entry reached\n"
m_cs:		.asciz "cs="
m_ds:		.asciz " ds="
m_es:		.asciz " es="
m_fs:		.asciz " fs="
m_gs:		.asciz " gs="
m_ss:		.asciz " ss="
m_sp:		.asciz " sp="
m_if:		.asciz " if="
m_loader:	.asciz "type_of_loader="
m_loadflags:	.asciz " loadflags="
m_heap:		.asciz " heap_end_ptr="
m_vid:		.asciz " vid_mode="
m_cmdptr:	.asciz "cmd_line_ptr="
m_code32:	.asciz " code32_start="
m_ramdisk:	.asciz " ramdisk_image="
m_ramsize:	.asciz " ramdisk_size="
m_e820:		.asciz "e820 addr="
m_size:		.asciz " size="
m_type:		.asciz " type="
m_e820n:	.asciz "e820 entries="
m_ext:		.asciz " ext_mem_k="
m_edd:		.asciz " edd_cf="
m_cmdline:	.asciz "cmdline="
m_rsdp:		.asciz "rsdp="
m_off:		.asciz "zapvm-real-stub: powering off\n"
m_e820_bad:	.asciz "zapvm-real-stub: bad e820 answer\n"
m_acpi_bad:	.asciz "zapvm-real-stub: no ACPI PM1a_CNT found\n"
	.balign 4
saved_flags:	.word 0
saved_sp:	.word 0
saved_cs:	.word 0
saved_ds:	.word 0
saved_es:	.word 0
saved_fs:	.word 0
saved_gs:	.word 0
saved_ss:	.word 0
e820_buf:	.fill 20, 1, 0
	.balign 8
gdt:		.quad 0
		.quad 0x00cf9b000000ffff	/* 0x08: 32-bit code */
		.quad 0x00cf93000000ffff	/* 0x10: 32-bit data */
gdt_desc:	.word 3 * 8 - 1
		.long 0
pm32_ptr:	.long 0
		.word 0x08
	.org 0x800

	/* ---- the protected-mode kernel: %ecx = code32_start, %edx = PM1a_CNT */
kstart:
	.code32
	call 20f
20:	popl %ebx
	subl $20b - kstart, %ebx	/* where we run */
	leal (m_pm - kstart)(%ebx), %esi
	call 21f
	leal (m_here - kstart)(%ebx), %esi
	cmpl %ecx, %ebx
	je 22f
	leal (m_elsewhere - kstart)(%ebx), %esi
22:	call 21f
	movw $(5 << 10) | (1 << 13), %ax	/* SLP_TYP 5 | SLP_EN */
	outw %ax, %dx
23:	hlt
	jmp 23b
21:	pushl %edx			/* puts %esi on COM1 */
	movw $0x3f8, %dx
24:	movb (%esi), %al
	testb %al, %al
	jz 25f
	outb %al, %dx
	incl %esi
	jmp 24b
25:	popl %edx
	ret
m_pm:		.asciz "zapvm-real-stub: protected-mode kernel reached, "
m_here:		.asciz "at code32_start\n"
m_elsewhere:	.asciz "NOT at code32_start\n"
	.balign 16
kend:
	.section .note.GNU-stack, "", @progbits
