/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The firmware boot path (src/boot/firmware.c, zapvm run --firmware): a PC
 * BIOS image (SeaBIOS as Debian ships it) at the top of the 32-bit space,
 * fw_cfg, the PAM shadow area, CMOS and the debug port. What the boot path
 * shares with its devices: vm->boot_priv points at a struct firmware.
 */
#ifndef ZAPVM_FIRMWARE_H
#define ZAPVM_FIRMWARE_H

#include <stdint.h>

#include "zapvm/pam.h"

#define FIRMWARE_SEABIOS "/usr/share/seabios/bios-256k.bin"
#define FIRMWARE_SEABIOS_PKG "seabios"
#define FIRMWARE_LINUXBOOT "/usr/share/qemu/linuxboot_dma.bin"
#define FIRMWARE_LINUXBOOT_PKG "qemu-system-data"
#define FIRMWARE_MAX_SIZE (16ULL << 20)
#define FIRMWARE_ALIGN (64ULL << 10)
#define FIRMWARE_DEBUG_PORT 0x402
/* bootorder entries, as QEMU names linuxboot_dma.bin and virtio-blk-pci. */
#define FIRMWARE_BOOT_LINUX "/rom@genroms/linuxboot_dma.bin"
#define FIRMWARE_BOOT_DISK "/pci@i0cf8/scsi@%x/disk@0,0"

struct fwcfg;

struct firmware {
	uint8_t *bios; /* the image, mapped read-only below 4 GiB */
	uint64_t bios_size;
	uint64_t low_end; /* RAM below 4 GiB ends here */
	uint64_t high_size; /* RAM at 4 GiB */
	enum slot_layout layout;
	struct fwcfg *fwcfg; /* built by load(), served by the fw_cfg device */
};

/*
 * firmware__check_image - whether @len bytes can be a BIOS image: not
 * empty, a multiple of 64 KiB, at most 16 MiB. 0 or -EINVAL / -EFBIG.
 */
int firmware__check_image(uint64_t len);

/*
 * firmware__cmos - the CMOS bytes a PC BIOS reads (SeaBIOS, QEMU's
 * pc_cmos_init): memory sizes below and above 16 MiB and 4 GiB, the CPU
 * count, boot order (no floppy, disk first), century, into @ram (128 bytes).
 */
void firmware__cmos(uint8_t ram[128], uint64_t low_end, uint64_t high_size,
		    unsigned int ncpus);

struct vm;

/*
 * firmware__linux - with --kernel: the Linux keys of fw_cfg as QEMU's
 * x86_load_linux() fills them and genroms/linuxboot_dma.bin
 * (src/boot/firmware-linux.c); firmware.c puts the ROM first in bootorder. 0 or -errno after one line.
 */
int firmware__linux(struct vm *vm, struct firmware *fw);

#endif /* ZAPVM_FIRMWARE_H */
