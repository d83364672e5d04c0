// SPDX-License-Identifier: GPL-2.0-only
/*
 * rig-exit VALUE: end the L1 QEMU through its isa-debug-exit device
 * (iobase 0xf4): QEMU exits with status (VALUE << 1) | 1.  Busybox has no
 * port-I/O applet; the write goes through /dev/port (CONFIG_DEVPORT) so
 * that L1 needs no ioperm() (CONFIG_X86_IOPL_IOPERM, see rig.config).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned char v = argc > 1 ? (unsigned char)strtoul(argv[1], NULL, 0) :
				     0;
	int fd = open("/dev/port", O_WRONLY);

	if (fd < 0) {
		perror("rig-exit: /dev/port");
		return 1;
	}
	if (pwrite(fd, &v, 1, 0xf4) != 1) {
		perror("rig-exit: write to port 0xf4");
		return 1;
	}
	/* Only reached without an isa-debug-exit device. */
	fprintf(stderr, "rig-exit: no isa-debug-exit device at 0xf4\n");
	return 1;
}
