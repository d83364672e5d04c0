/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zapvm's real-mode BIOS: the few services Linux's setup code
 * (arch/x86/boot) calls, copied by realmode__bios() to LINUX_BIOS_BASE and
 * run with %cs = 0xff00. Assembled into zapvm as data: only offsets from
 * bios_start are used, so the code runs wherever its segment starts. The
 * header layout is struct bios_header (include/zapvm/realmode.h); the
 * services are listed there.
 */
#define SMAP 0x534d4150
#define E820_MAX 32
#define COM1 0x3f8
#define OFF(x) ((x) - zapvm_bios_start)

	.section .rodata.zapvm_bios, "a"
	.code16
	.globl zapvm_bios_start, zapvm_bios_end
zapvm_bios_start:
	.ascii "ZBIO"
	.word OFF(iret_only), OFF(int10), OFF(int13), OFF(int15)
	.word OFF(int16), OFF(int1a)
e820_count:	.word 0
ext_mem_k:	.word 0
e801_low:	.word 0
e801_high:	.word 0
e820_table:	.fill E820_MAX * 20, 1, 0

/* Return with CF set / clear / ZF set in the caller's FLAGS image. */
fail_ret:
	pushw %bp
	movw %sp, %bp
	orw $1, 6(%bp)
	popw %bp
iret_only:
	iret
ok_ret:
	pushw %bp
	movw %sp, %bp
	andw $0xfffe, 6(%bp)
	popw %bp
	iret
zf_ret:
	pushw %bp
	movw %sp, %bp
	orw $0x40, 6(%bp)
	popw %bp
	iret

/* Video: teletype goes to COM1; an 80x25 text mode that never changes. */
int10:
	cmpb $0x0e, %ah
	je 1f
	cmpb $0x0f, %ah
	je 2f
	cmpb $0x03, %ah
	je 3f
	iret
1:	pushw %dx
	movw $COM1, %dx
	outb %al, %dx
	popw %dx
	iret
2:	movw $0x5003, %ax		/* 80 columns, mode 3 */
	xorb %bh, %bh
	iret
3:	movw $0x0607, %cx
	xorw %dx, %dx
	iret

/* Disks: none, and no EDD. */
int13:
	movb $0x01, %ah
	jmp fail_ret

int15:
	cmpl $0xe820, %eax
	je e820
	cmpw $0xe801, %ax
	je e801
	cmpb $0x88, %ah
	je ext88
	cmpw $0x2401, %ax
	je a20_ok
	cmpw $0x2403, %ax
	je a20_ok
	cmpw $0x2402, %ax
	je a20_status
	cmpw $0xec00, %ax
	je a20_ok
unsupported:
	movb $0x86, %ah
	jmp fail_ret
a20_status:
	movb $1, %al
a20_ok:
	xorb %ah, %ah
	xorw %bx, %bx
	jmp ok_ret
ext88:
	movw %cs:OFF(ext_mem_k), %ax
	jmp ok_ret
e801:
	movw %cs:OFF(e801_low), %ax
	movw %ax, %cx
	movw %cs:OFF(e801_high), %bx
	movw %bx, %dx
	jmp ok_ret

/* EBX is the index of the next entry; 0 after the last one. */
e820:
	cmpl $SMAP, %edx
	jne unsupported
	cmpl $20, %ecx
	jb unsupported
	cmpl $E820_MAX, %ebx
	jae unsupported
	cmpw %cs:OFF(e820_count), %bx
	jae unsupported
	pushw %ds
	pushw %si
	pushw %di
	movw %bx, %si
	imulw $20, %si, %si
	addw $OFF(e820_table), %si
	pushw %cs
	popw %ds
	movw $20, %cx
	cld
	rep movsb
	popw %di
	popw %si
	popw %ds
	incl %ebx
	cmpw %cs:OFF(e820_count), %bx
	jb 1f
	xorl %ebx, %ebx
1:	movl $SMAP, %eax
	movl $20, %ecx
	jmp ok_ret

/* Keyboard: never a key, no shift state. */
int16:
	cmpb $0x01, %ah
	je zf_ret
	cmpb $0x11, %ah
	je zf_ret
	cmpb $0x02, %ah
	je 1f
	cmpb $0x12, %ah
	je 1f
	cmpb $0x00, %ah
	je 2f
	cmpb $0x10, %ah
	je 2f
	iret
1:	xorb %al, %al
	iret
2:	xorw %ax, %ax
	iret

/* Clock: tick count 0; no RTC services. */
int1a:
	cmpb $0x00, %ah
	jne fail_ret
	xorw %cx, %cx
	xorw %dx, %dx
	xorb %al, %al
	iret
zapvm_bios_end:
	.code64
	.section .note.GNU-stack, "", @progbits
