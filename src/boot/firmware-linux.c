// SPDX-License-Identifier: GPL-2.0-only
/*
 * --firmware with --kernel: the kernel, initrd and command line go into
 * fw_cfg the way QEMU's x86_load_linux() puts them there (setup code for
 * 0x10000, the command line at 0x20000, the protected-mode kernel for
 * 1 MiB, the initrd as high as the header allows), and QEMU's
 * linuxboot_dma.bin option ROM, offered as genroms/linuxboot_dma.bin and
 * first in bootorder, reads them through fw_cfg DMA and enters the setup
 * code at 1020:0000.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zapvm/firmware.h"
#include "zapvm/fwcfg.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/vmcore.h"

#define REAL_ADDR 0x10000U
#define CMDLINE_ADDR 0x20000U
#define PROT_ADDR 0x100000U
#define MAX_KERNEL_FILE (1ULL << 30)
#define MAX_CMDLINE 4096
/* What QEMU keeps free below the end of low RAM for its ACPI tables. */
#define ACPI_DATA_SIZE 0x28000ULL

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Parse the bzImage header in @k and patch it; the setup size or -errno. */
static int64_t patch_header(const char *path, uint8_t *k, uint64_t len,
			    uint32_t *initrd_max)
{
	uint16_t proto;
	uint64_t setup;

	if (len < 0x264 || memcmp(k + 0x202, "HdrS", 4)) {
		log_err("%s: not a bzImage (no HdrS header)", path);
		return -ENOEXEC;
	}
	proto = (uint16_t)(k[0x206] | k[0x207] << 8);
	if (proto < 0x202 || !(k[0x211] & 1)) {
		log_err("%s: boot protocol %u.%02u without LOADED_HIGH; "
			"--firmware needs 2.02 or later",
			path, proto >> 8, proto & 0xff);
		return -ENOEXEC;
	}
	setup = (uint64_t)(k[0x1f1] ? k[0x1f1] : 4) * 512 + 512;
	if (setup >= len) {
		log_err("%s: setup code (%llu bytes) is the whole file", path,
			(unsigned long long)setup);
		return -ENOEXEC;
	}
	*initrd_max = proto >= 0x203 ? le32(k + 0x22c) : 0x37ffffff;
	k[0x210] = 0xb0; /* type_of_loader: as QEMU */
	k[0x211] |= 0x80; /* CAN_USE_HEAP */
	k[0x224] = (uint8_t)(CMDLINE_ADDR - REAL_ADDR - 0x200);
	k[0x225] = (uint8_t)((CMDLINE_ADDR - REAL_ADDR - 0x200) >> 8);
	put_le32(k + 0x228, CMDLINE_ADDR);
	return (int64_t)setup;
}

static int add_initrd(struct vm *vm, struct firmware *fw, uint8_t *k,
		      uint32_t initrd_max)
{
	uint8_t *initrd;
	uint64_t len, max = initrd_max, addr;
	int ret = 0;

	if (max >= fw->low_end - ACPI_DATA_SIZE)
		max = fw->low_end - ACPI_DATA_SIZE - 1;
	ret = read_file(vm->cfg->initrd, vm->cfg->mem_size, &initrd, &len);
	if (ret)
		return ret;
	if (len > max - PROT_ADDR) {
		log_err("--initrd %s: %llu bytes do not fit below 0x%llx",
			vm->cfg->initrd, (unsigned long long)len,
			(unsigned long long)max);
		free(initrd);
		return -EFBIG;
	}
	addr = (max - len) & ~4095ULL;
	put_le32(k + 0x218, (uint32_t)addr);
	put_le32(k + 0x21c, (uint32_t)len);
	ret |= fwcfg__add_u32(fw->fwcfg, FWCFG_INITRD_ADDR, (uint32_t)addr);
	ret |= fwcfg__add_u32(fw->fwcfg, FWCFG_INITRD_SIZE, (uint32_t)len);
	ret |= fwcfg__add(fw->fwcfg, FWCFG_INITRD_DATA, initrd, (uint32_t)len);
	free(initrd);
	return ret ? -ENOMEM : 0;
}

static int add_rom(struct firmware *fw)
{
	uint8_t *rom;
	uint64_t len;
	int ret;

	if (access(FIRMWARE_LINUXBOOT, R_OK)) {
		log_err("--firmware --kernel: %s is missing; install Debian's "
			"%s package",
			FIRMWARE_LINUXBOOT, FIRMWARE_LINUXBOOT_PKG);
		return -ENODEV;
	}
	ret = read_file(FIRMWARE_LINUXBOOT, 1 << 20, &rom, &len);
	if (ret)
		return ret;
	ret = fwcfg__add_file(fw->fwcfg, "genroms/linuxboot_dma.bin", rom,
			      (uint32_t)len);
	free(rom);
	return ret;
}

int firmware__linux(struct vm *vm, struct firmware *fw)
{
	const char *cmdline = vm->cfg->cmdline ? vm->cfg->cmdline :
						 "console=ttyS0";
	size_t clen = strlen(cmdline) + 1;
	struct fwcfg *f = fw->fwcfg;
	uint32_t initrd_max;
	uint8_t *k;
	uint64_t len;
	int64_t setup;
	int ret;

	if (clen > MAX_CMDLINE) {
		log_err("--cmdline: %zu bytes, at most %d", clen - 1,
			MAX_CMDLINE - 1);
		return -EINVAL;
	}
	ret = read_file(vm->cfg->kernel, MAX_KERNEL_FILE, &k, &len);
	if (ret)
		return ret;
	setup = patch_header(vm->cfg->kernel, k, len, &initrd_max);
	ret = setup < 0 ? (int)setup : 0;
	if (!ret && vm->cfg->initrd)
		ret = add_initrd(vm, fw, k, initrd_max);
	if (ret)
		goto out;
	ret |= fwcfg__add_u32(f, FWCFG_SETUP_ADDR, REAL_ADDR);
	ret |= fwcfg__add_u32(f, FWCFG_SETUP_SIZE, (uint32_t)setup);
	ret |= fwcfg__add(f, FWCFG_SETUP_DATA, k, (uint32_t)setup);
	ret |= fwcfg__add_u32(f, FWCFG_KERNEL_ADDR, PROT_ADDR);
	ret |= fwcfg__add_u32(f, FWCFG_KERNEL_SIZE, (uint32_t)(len - setup));
	ret |= fwcfg__add(f, FWCFG_KERNEL_DATA, k + setup,
			  (uint32_t)(len - setup));
	ret |= fwcfg__add_u32(f, FWCFG_CMDLINE_ADDR, CMDLINE_ADDR);
	ret |= fwcfg__add_u32(f, FWCFG_CMDLINE_SIZE, (uint32_t)clen);
	ret |= fwcfg__add(f, FWCFG_CMDLINE_DATA, cmdline, (uint32_t)clen);
	ret = ret ? -ENOMEM : add_rom(fw);
out:
	free(k);
	return ret;
}
