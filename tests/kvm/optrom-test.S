/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 2 KiB PCI option ROM for the option-ROM device (1b36:5a50) that
 * SeaBIOS runs during POST: the 0x55AA header, a PCI data structure with
 * the device's ids, and a $PnP header (SeaBIOS calls a PnP ROM's init
 * vector at once; a legacy ROM only at boot, as a BCV). The init code
 * writes "zapvm-optrom: ran" to the debug port 0x402 and returns. The
 * checksum byte at the end is left 0: firmware-rom.sh sets it.
 * Built with: cc -nostdlib -static -Wl,--oformat=binary -Wl,-Ttext=0.
 */
	.text
	.code16
	.globl _start
_start:
	.byte 0x55, 0xaa
	.byte 2048 / 512		/* size in 512-byte blocks */
	jmp init			/* offset 3: the init vector */
	.org 0x18
	.word pcir
	.word pnp

init:
	pushw %ax
	pushw %dx
	pushw %si
	movw $0x402, %dx
	movw $msg, %si
1:	movb %cs:(%si), %al
	testb %al, %al
	jz 2f
	outb %al, %dx
	incw %si
	jmp 1b
2:	popw %si
	popw %dx
	popw %ax
	lret

msg:	.asciz "zapvm-optrom: ran\n"

	.balign 4
pcir:	.ascii "PCIR"
	.word 0x1b36			/* vendor: the option-ROM device's */
	.word 0x5a50			/* device */
	.word 0				/* device list */
	.word 0x18			/* structure length */
	.byte 0				/* structure revision */
	.byte 0, 0, 0xff		/* class code: prog-if, sub, base */
	.word 2048 / 512		/* image length */
	.word 0				/* code revision */
	.byte 0				/* code type: x86 */
	.byte 0x80			/* last image */
	.word 0

	.balign 16
pnp:	.ascii "$PnP"
	.byte 1				/* revision */
	.byte 2				/* length in 16-byte units */
	.word 0				/* next header */
	.byte 0				/* reserved */
	.byte 0				/* checksum (not checked by SeaBIOS) */
	.long 0				/* device id */
	.word 0, 0			/* manufacturer, product strings */
	.byte 0xff, 0, 0		/* device type */
	.byte 0				/* indicators */
	.word 0, 0			/* BCV, disconnect vector */
	.word 0, 0			/* BEV, reserved */
	.word 0				/* static resource information */

	.org 2047
	.byte 0				/* checksum: set by the test */
