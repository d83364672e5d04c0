// SPDX-License-Identifier: GPL-2.0-only
/*
 * rig-exit VALUE: end the L1 QEMU through its isa-debug-exit device
 * (iobase 0xf4, iosize 4).  QEMU exits with status (VALUE << 1) | 1.
 * Busybox has no port-I/O applet and /dev/port needs CONFIG_DEVPORT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	unsigned long v = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;

	if (ioperm(0xf4, 4, 1)) {
		perror("rig-exit: ioperm(0xf4)");
		return 1;
	}
	outl((unsigned int)v, 0xf4);
	/* Only reached without an isa-debug-exit device. */
	fprintf(stderr, "rig-exit: no isa-debug-exit device at 0xf4\n");
	return 1;
}
