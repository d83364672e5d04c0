/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest entry point. The VMM already did all the set-up (see
 * guest_abi.h): %rdi = FDT and %rsi = vCPU index are guest_main()'s two
 * arguments, and %rsp is 16-byte aligned, so the call leaves it as the
 * SysV ABI wants at a function's entry.
 */
	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp		/* end of the frame chain for debuggers */
	call guest_main
	movl %eax, %edi
	call zapvm_done		/* does not return */
	ud2
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
