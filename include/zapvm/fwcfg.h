/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's firmware configuration interface (docs/specs/fw_cfg.rst), x86
 * port I/O flavour (src/devices/fwcfg.c): a 16-bit selector at 0x510, a
 * byte-wide data port at 0x511, and DMA at 0x514 (high 32 bits of the
 * descriptor's address) / 0x518 (low 32 bits; the write starts the
 * transfer), both written big-endian. Items are byte strings under a
 * 16-bit key; named files get keys from FWCFG_FILE_FIRST up, in name
 * order, and are listed in the FWCFG_FILE_DIR item.
 *
 * The item store and the DMA walker are plain code over a guest-memory
 * translation callback, so that unit tests and the fuzzer drive them
 * without a VM.
 */
#ifndef ZAPVM_FWCFG_H
#define ZAPVM_FWCFG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWCFG_PORT_SEL 0x510
#define FWCFG_PORT_DATA 0x511
#define FWCFG_PORT_DMA 0x514 /* 8 ports: high, then low */

#define FWCFG_SIGNATURE 0x00
#define FWCFG_ID 0x01
#define FWCFG_RAM_SIZE 0x03
#define FWCFG_NOGRAPHIC 0x04
#define FWCFG_NB_CPUS 0x05
#define FWCFG_KERNEL_ADDR 0x07
#define FWCFG_KERNEL_SIZE 0x08
#define FWCFG_KERNEL_CMDLINE 0x09
#define FWCFG_INITRD_ADDR 0x0a
#define FWCFG_INITRD_SIZE 0x0b
#define FWCFG_BOOT_MENU 0x0e
#define FWCFG_MAX_CPUS 0x0f
#define FWCFG_KERNEL_ENTRY 0x10
#define FWCFG_KERNEL_DATA 0x11
#define FWCFG_KERNEL_ENTRY_PHASE "kernel-entry" /* fwcfg__kernel_loaded() */
#define FWCFG_INITRD_DATA 0x12
#define FWCFG_CMDLINE_ADDR 0x13
#define FWCFG_CMDLINE_SIZE 0x14
#define FWCFG_CMDLINE_DATA 0x15
#define FWCFG_SETUP_ADDR 0x16
#define FWCFG_SETUP_SIZE 0x17
#define FWCFG_SETUP_DATA 0x18
#define FWCFG_FILE_DIR 0x19
#define FWCFG_FILE_FIRST 0x20
#define FWCFG_MAX_FILES 64
#define FWCFG_MAX_ITEMS (FWCFG_FILE_FIRST + FWCFG_MAX_FILES)
#define FWCFG_NAME_LEN 56

#define FWCFG_ID_TRADITIONAL 0x1
#define FWCFG_ID_DMA 0x2

/* FWCfgDmaAccess.control */
#define FWCFG_DMA_ERROR 0x01
#define FWCFG_DMA_READ 0x02
#define FWCFG_DMA_SKIP 0x04
#define FWCFG_DMA_SELECT 0x08
#define FWCFG_DMA_WRITE 0x10
#define FWCFG_DMA_DESC_SIZE 16
/* "QEMU CFG", what a read of the DMA ports returns (big-endian). */
#define FWCFG_DMA_SIGNATURE 0x51454d5520434647ULL

/*
 * The host address of [@gpa, @gpa + @len) of guest RAM, writable, or NULL
 * (outside RAM, overflowing): vm__guest_mem() in the VM.
 */
typedef void *(*fwcfg_mem_fn)(void *opaque, uint64_t gpa, uint64_t len);

struct fwcfg_item {
	uint8_t *data; /* owned */
	uint32_t len;
};

struct fwcfg_file {
	char name[FWCFG_NAME_LEN];
	struct fwcfg_item item;
};

struct fwcfg {
	pthread_mutex_t lock;
	struct fwcfg_item items[FWCFG_MAX_ITEMS];
	struct fwcfg_file files[FWCFG_MAX_FILES];
	unsigned int nfiles;
	bool finished; /* files have keys, FILE_DIR exists */
	uint16_t cur; /* selected key */
	uint32_t offset; /* into it */
	uint32_t dma_high;
	fwcfg_mem_fn mem;
	void *mem_opaque;
	uint64_t dma_errors; /* transfers that ended with the error bit */
	bool kernel_loaded; /* fwcfg__kernel_loaded() said so */
};

/* fwcfg__init - an empty store whose DMA reaches guest RAM through @mem. */
void fwcfg__init(struct fwcfg *f, fwcfg_mem_fn mem, void *opaque);
void fwcfg__exit(struct fwcfg *f);

/*
 * fwcfg__add - item @key (< FWCFG_FILE_FIRST) holds a copy of @len bytes
 * of @data, replacing what it held. fwcfg__add_u16/u32/u64 store a
 * little-endian number, as QEMU's fw_cfg_add_i16/i32/i64. 0, -EINVAL for
 * a file key or FILE_DIR, -ENOMEM.
 */
int fwcfg__add(struct fwcfg *f, uint16_t key, const void *data, uint32_t len);
int fwcfg__add_u16(struct fwcfg *f, uint16_t key, uint16_t v);
int fwcfg__add_u32(struct fwcfg *f, uint16_t key, uint32_t v);
int fwcfg__add_u64(struct fwcfg *f, uint16_t key, uint64_t v);

/*
 * fwcfg__add_file - a named item (at most 55 bytes of name) with a copy of
 * @data. 0, -EINVAL for a bad or duplicate name or after fwcfg__finish,
 * -ENOSPC beyond FWCFG_MAX_FILES, -ENOMEM.
 */
int fwcfg__add_file(struct fwcfg *f, const char *name, const void *data,
		    uint32_t len);

/*
 * fwcfg__finish - give the files their keys in name order and build
 * FWCFG_FILE_DIR (a big-endian count, then per file a big-endian size and
 * key, two reserved bytes and the NUL-padded name). 0 or -ENOMEM.
 */
int fwcfg__finish(struct fwcfg *f);

/* fwcfg__select - select @key (bit 14, "write", and bit 15 are dropped). */
void fwcfg__select(struct fwcfg *f, uint16_t key);

/* fwcfg__read - the next byte of the selected item, 0 past its end. */
uint8_t fwcfg__read(struct fwcfg *f);

/*
 * fwcfg__dma - run the FWCfgDmaAccess at @gpa (big-endian control, length,
 * address): select, read, skip; writes are refused (no item is writable).
 * Every guest byte goes through the translation; a descriptor or a range
 * outside guest RAM, or a write, sets the error bit, which is stored with
 * the control word (0 on success) back into the descriptor when that lies
 * in RAM. Returns 0 or -EFAULT / -EPERM / -EINVAL (error bit set).
 */
int fwcfg__dma(struct fwcfg *f, uint64_t gpa);

/*
 * fwcfg__io - the port I/O handler body for ports @port (0x510-0x51b):
 * selector, data, DMA address (a write of the low half at 0x518 starts
 * the transfer). Always 0: the guest gets all ones for what has no meaning.
 */
int fwcfg__io(struct fwcfg *f, uint64_t port, uint8_t *data, uint32_t len,
	      bool is_write);

/*
 * fwcfg__kernel_loaded - true once, the first time the selected item is
 * FWCFG_KERNEL_DATA read to its end: linuxboot(_dma).bin reads the kernel
 * last and jumps to it, so this is the firmware's hand-over to the kernel
 * (the device marks the phase "kernel-entry" then).
 */
bool fwcfg__kernel_loaded(struct fwcfg *f);

/*
 * fwcfg__bootorder - the "bootorder" file as QEMU's get_boot_devices_list()
 * writes it, into @buf of @size bytes: with @linux_rom the kernel's
 * option ROM (FIRMWARE_BOOT_LINUX) first, then a virtio-blk disk in each
 * of PCI slots @slots[0..@n) (FIRMWARE_BOOT_DISK), one path a line, no
 * newline after the last, NUL-terminated. Returns the file's length with
 * its NUL, 0 when it would be empty (no file), -ENOSPC when @size is short.
 */
int fwcfg__bootorder(char *buf, size_t size, bool linux_rom,
		     const unsigned int *slots, unsigned int n);

#endif /* ZAPVM_FWCFG_H */
