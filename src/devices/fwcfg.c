// SPDX-License-Identifier: GPL-2.0-only
/*
 * fw_cfg (include/zapvm/fwcfg.h): the item store, the port I/O interface
 * and the DMA walker. The device glue (ports, the store the firmware boot
 * path built) is at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/firmware.h"
#include "zapvm/fwcfg.h"
#include "zapvm/log.h"

#define PAGE_4K 4096ULL

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void fwcfg__init(struct fwcfg *f, fwcfg_mem_fn mem, void *opaque)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->mem = mem;
	f->mem_opaque = opaque;
}

void fwcfg__exit(struct fwcfg *f)
{
	for (unsigned int i = 0; i < FWCFG_MAX_ITEMS; i++)
		free(f->items[i].data);
	/* Before finish the files own their data; after it the items do. */
	for (unsigned int i = 0; !f->finished && i < f->nfiles; i++)
		free(f->files[i].item.data);
	pthread_mutex_destroy(&f->lock);
	memset(f->items, 0, sizeof(f->items));
}

static int item_set(struct fwcfg_item *it, const void *data, uint32_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	free(it->data);
	it->data = copy;
	it->len = len;
	return 0;
}

int fwcfg__add(struct fwcfg *f, uint16_t key, const void *data, uint32_t len)
{
	if (key >= FWCFG_FILE_FIRST || key == FWCFG_FILE_DIR)
		return -EINVAL;
	return item_set(&f->items[key], data, len);
}

int fwcfg__add_u16(struct fwcfg *f, uint16_t key, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return fwcfg__add(f, key, b, sizeof(b));
}

int fwcfg__add_u32(struct fwcfg *f, uint16_t key, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fwcfg__add(f, key, b, sizeof(b));
}

int fwcfg__add_u64(struct fwcfg *f, uint16_t key, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return fwcfg__add(f, key, b, sizeof(b));
}

int fwcfg__add_file(struct fwcfg *f, const char *name, const void *data,
		    uint32_t len)
{
	size_t n = strlen(name);
	struct fwcfg_file *file;
	int ret;

	if (f->finished || !n || n >= FWCFG_NAME_LEN)
		return -EINVAL;
	for (unsigned int i = 0; i < f->nfiles; i++)
		if (!strcmp(f->files[i].name, name))
			return -EINVAL;
	if (f->nfiles == FWCFG_MAX_FILES)
		return -ENOSPC;
	file = &f->files[f->nfiles];
	memset(file, 0, sizeof(*file));
	ret = item_set(&file->item, data, len);
	if (ret)
		return ret;
	memcpy(file->name, name, n);
	f->nfiles++;
	return 0;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fwcfg_file *)a)->name,
		      ((const struct fwcfg_file *)b)->name);
}

int fwcfg__finish(struct fwcfg *f)
{
	uint32_t len = 4 + f->nfiles * (8 + FWCFG_NAME_LEN);
	uint8_t *dir = calloc(1, len);

	if (!dir)
		return -ENOMEM;
	qsort(f->files, f->nfiles, sizeof(f->files[0]), file_cmp);
	put_be32(dir, f->nfiles);
	for (unsigned int i = 0; i < f->nfiles; i++) {
		uint8_t *e = dir + 4 + i * (8 + FWCFG_NAME_LEN);
		uint16_t key = (uint16_t)(FWCFG_FILE_FIRST + i);

		put_be32(e, f->files[i].item.len);
		e[4] = (uint8_t)(key >> 8);
		e[5] = (uint8_t)key;
		memcpy(e + 8, f->files[i].name, FWCFG_NAME_LEN);
		/* The item takes the data over. */
		f->items[key] = f->files[i].item;
	}
	free(f->items[FWCFG_FILE_DIR].data);
	f->items[FWCFG_FILE_DIR] = (struct fwcfg_item){ dir, len };
	f->finished = true;
	return 0;
}

static const struct fwcfg_item *cur_item(const struct fwcfg *f)
{
	return f->cur < FWCFG_MAX_ITEMS && f->items[f->cur].data ?
		       &f->items[f->cur] :
		       NULL;
}

/* QEMU keeps bit 15 (arch-local) in the key; zapvm has no such items. */
static void select_locked(struct fwcfg *f, uint16_t key)
{
	f->cur = key & 0x3fff;
	if (key & 0x8000)
		f->cur = 0xffff;
	f->offset = 0;
}

void fwcfg__select(struct fwcfg *f, uint16_t key)
{
	pthread_mutex_lock(&f->lock);
	select_locked(f, key);
	pthread_mutex_unlock(&f->lock);
}

static uint8_t read_locked(struct fwcfg *f)
{
	const struct fwcfg_item *it = cur_item(f);

	if (!it || f->offset >= it->len)
		return 0;
	return it->data[f->offset++];
}

uint8_t fwcfg__read(struct fwcfg *f)
{
	uint8_t v;

	pthread_mutex_lock(&f->lock);
	v = read_locked(f);
	pthread_mutex_unlock(&f->lock);
	return v;
}

/*
 * Copy @len bytes of @src (NULL: zeros) to guest RAM at @gpa a 4 KiB page
 * at a time, so a transfer may cross memslots but no byte outside RAM is
 * touched: -EFAULT at the first page outside it.
 */
static int dma_copy(struct fwcfg *f, uint64_t gpa, const uint8_t *src,
		    uint64_t len)
{
	while (len) {
		uint64_t chunk = PAGE_4K - (gpa & (PAGE_4K - 1));
		uint8_t *dst;

		if (chunk > len)
			chunk = len;
		dst = f->mem(f->mem_opaque, gpa, chunk);
		if (!dst)
			return -EFAULT;
		if (src) {
			memcpy(dst, src, chunk);
			src += chunk;
		} else {
			memset(dst, 0, chunk);
		}
		if (__builtin_add_overflow(gpa, chunk, &gpa) && len > chunk)
			return -EFAULT;
		len -= chunk;
	}
	return 0;
}

/* The transfer itself, lock held; the error is the descriptor's bit. */
static int dma_transfer(struct fwcfg *f, uint32_t control, uint32_t length,
			uint64_t addr)
{
	bool read = control & FWCFG_DMA_READ;
	int ret = 0;

	if (control & FWCFG_DMA_SELECT)
		select_locked(f, (uint16_t)(control >> 16));
	if (!read && (control & FWCFG_DMA_WRITE))
		return length ? -EPERM : 0; /* no item is writable */
	if (!read && !(control & FWCFG_DMA_SKIP))
		return 0;
	while (length && !ret) {
		const struct fwcfg_item *it = cur_item(f);
		uint32_t len = length;
		const uint8_t *src = NULL;

		if (it && f->offset < it->len) {
			if (len > it->len - f->offset)
				len = it->len - f->offset;
			src = it->data + f->offset;
			f->offset += len;
		}
		if (read)
			ret = dma_copy(f, addr, src, len);
		length -= len;
		if (__builtin_add_overflow(addr, len, &addr) && length)
			ret = -EFAULT;
	}
	return ret;
}

int fwcfg__dma(struct fwcfg *f, uint64_t gpa)
{
	uint8_t desc[FWCFG_DMA_DESC_SIZE], *d;
	uint32_t control, length;
	uint64_t addr;
	int ret;

	pthread_mutex_lock(&f->lock);
	d = f->mem(f->mem_opaque, gpa, FWCFG_DMA_DESC_SIZE);
	if (!d) {
		f->dma_errors++;
		pthread_mutex_unlock(&f->lock);
		return -EFAULT; /* nowhere to put the error bit */
	}
	/* A private copy: the transfer may overwrite the descriptor. */
	memcpy(desc, d, sizeof(desc));
	control = get_be32(desc);
	length = get_be32(desc + 4);
	addr = (uint64_t)get_be32(desc + 8) << 32 | get_be32(desc + 12);
	ret = dma_transfer(f, control, length, addr);
	if (ret)
		f->dma_errors++;
	/* Translate again: nothing may keep a pointer across the copy. */
	d = f->mem(f->mem_opaque, gpa, FWCFG_DMA_DESC_SIZE);
	if (d)
		put_be32(d, ret ? FWCFG_DMA_ERROR : 0);
	pthread_mutex_unlock(&f->lock);
	return ret;
}

int fwcfg__io(struct fwcfg *f, uint64_t port, uint8_t *data, uint32_t len,
	      bool is_write)
{
	unsigned int off;

	if (port == FWCFG_PORT_SEL && is_write) {
		fwcfg__select(f, (uint16_t)(data[0] |
					    (len > 1 ? data[1] << 8 : 0)));
		return 0;
	}
	if (port == FWCFG_PORT_DATA && !is_write) {
		pthread_mutex_lock(&f->lock);
		for (uint32_t i = 0; i < len; i++)
			data[i] = read_locked(f);
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	if (port < FWCFG_PORT_DMA || port + len > FWCFG_PORT_DMA + 8) {
		if (!is_write)
			memset(data, 0xff, len);
		return 0;
	}
	off = (unsigned int)(port - FWCFG_PORT_DMA);
	if (!is_write) {
		for (uint32_t i = 0; i < len; i++)
			data[i] = (uint8_t)(FWCFG_DMA_SIGNATURE >>
					    (8 * (7 - off - i)));
		return 0;
	}
	if (len != 4)
		return 0;
	if (off == 0) {
		f->dma_high = get_be32(data);
	} else if (off == 4) {
		uint64_t gpa = (uint64_t)f->dma_high << 32 | get_be32(data);

		f->dma_high = 0;
		fwcfg__dma(f, gpa);
	}
	return 0;
}

bool fwcfg__kernel_loaded(struct fwcfg *f)
{
	const struct fwcfg_item *it;
	bool done = false;

	pthread_mutex_lock(&f->lock);
	it = cur_item(f);
	if (!f->kernel_loaded && f->cur == FWCFG_KERNEL_DATA && it && it->len &&
	    f->offset >= it->len)
		done = f->kernel_loaded = true;
	pthread_mutex_unlock(&f->lock);
	return done;
}

int fwcfg__bootorder(char *buf, size_t size, bool linux_rom,
		     const unsigned int *slots, unsigned int n)
{
	size_t len = 0;
	int r;

	if (linux_rom) {
		r = snprintf(buf, size, FIRMWARE_BOOT_LINUX "\n");
		if (r < 0 || (size_t)r >= size)
			return -ENOSPC;
		len = (size_t)r;
	}
	for (unsigned int i = 0; i < n; i++) {
		r = snprintf(buf + len, size - len, FIRMWARE_BOOT_DISK "\n",
			     slots[i]);
		if (r < 0 || (size_t)r >= size - len)
			return -ENOSPC;
		len += (size_t)r;
	}
	/* QEMU's list: one path a line, no newline after the last, a NUL. */
	if (len)
		buf[len - 1] = '\0';
	return (int)len;
}

/* ---- the device: the store firmware.c built, on ports 0x510-0x51b ---- */

static int fwcfg__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	int ret = fwcfg__io(opaque, port, data, len, is_write), r;

	/* POST ends here: --stats and bench tell it from the kernel's boot. */
	if (fwcfg__kernel_loaded(opaque)) {
		r = vm__mark_phase(v->vm, FWCFG_KERNEL_ENTRY_PHASE);
		if (r < 0 && r != -ENOSPC)
			log_warn("fw_cfg: cannot mark the kernel's entry: %s",
				 strerror(-r));
	}
	return ret;
}

static void fwcfg__dev_exit(struct vm *vm, void *priv)
{
	bus__unregister(&vm->pio, FWCFG_PORT_SEL);
}

static int fwcfg__dev_init(struct vm *vm, void **priv)
{
	const struct firmware *fw = vm->boot_priv;
	int ret;

	ret = bus__register(&vm->pio, FWCFG_PORT_SEL, 12, fwcfg__handle,
			    fw->fwcfg, "fw_cfg");
	if (ret) {
		log_err("fw_cfg: ports 0x510-0x51b: %s", strerror(-ret));
		return ret;
	}
	*priv = fw->fwcfg;
	return 0;
}

const struct device_ops fwcfg_device = {
	.name = "fw_cfg",
	.init = fwcfg__dev_init,
	.exit = fwcfg__dev_exit,
};
