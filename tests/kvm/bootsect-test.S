/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 512-byte boot sector for firmware-disk.sh: SeaBIOS loads it at 0x7c00
 * from the --disk (virtio-blk) and jumps to it with the drive in DL. It
 * prints "zapvm-bootsect: ran" through the BIOS teletype (int 0x10, which
 * SeaBIOS sends to COM1 without VGA) and the debug port 0x402, reads LBA 1
 * to 0x7e00 through int 0x13 AH=0x42 and prints the NUL-terminated string
 * it finds there the same way (firmware-disk.sh writes it into the image,
 * so only a real disk read shows it), marks boot-done, waits four timer
 * ticks (SeaBIOS's serial console flushes on them) and resets through
 * 0xcf9 (zapvm's firmware path has no poweroff port; the run ends 102).
 * A failed read prints "zapvm-bootsect: read failed" and halts.
 * Built with: cc -nostdlib -static -Wl,--oformat=binary -Wl,-Ttext=0x7c00.
 */
	.text
	.code16
	.globl _start
_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x7c00, %sp
	sti
	movb %dl, drive
	movw $ran, %si
	call print
	movw $dap, %si
	movb drive, %dl
	movb $0x42, %ah
	int $0x13
	jc failed
	movw $0x7e00, %si
	call print
	movw $newline, %si
	call print
	movw $0x5a08, %dx		/* ZAPVM_BOOT_DONE_PORT */
	outb %al, %dx
	/* SeaBIOS's serial console flushes int 0x10 text on timer ticks. */
	movw $4, %cx
1:	sti
	hlt
	loop 1b
	movb $6, %al			/* hard reset */
	movw $0xcf9, %dx
	outb %al, %dx
	jmp halt
failed:
	movw $bad, %si
	call print
halt:
	cli
	hlt
	jmp halt

/* print: the NUL-terminated string at DS:SI to port 0x402 and int 0x10. */
print:
	lodsb
	testb %al, %al
	jz 1f
	movw $0x402, %dx
	outb %al, %dx
	movb $0x0e, %ah
	movw $0x0007, %bx
	int $0x10
	jmp print
1:	ret

drive:	.byte 0
	.balign 4
dap:	.byte 16, 0			/* size, reserved */
	.word 1				/* one sector */
	.word 0x7e00, 0			/* to 0000:7e00 */
	.quad 1				/* LBA 1 */
ran:	.asciz "zapvm-bootsect: ran\n"
bad:	.asciz "zapvm-bootsect: read failed\n"
newline: .asciz "\n"

	.org 510
	.byte 0x55, 0xaa
