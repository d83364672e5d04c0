// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio: vCPU 0 drives zapvm's virtio-pci devices (modern interface) by
 * polling, without interrupts (the used rings are complete when the notify
 * write returns; VIRTQ_AVAIL_F_NO_INTERRUPT is set).
 *
 * mode=blk (needs --disk A --disk B --disk C,ro): reads sector=S of disk 0
 *   and checks every byte is byte=B and its capacity is sectors=N; writes
 *   sector S of disk 1 with ~B, flushes and reads it back; checks that disk
 *   2 offers RO, refuses a write with IOERR and still reads; reads past the
 *   end (IOERR), sends an unknown request (UNSUPP) and GET_ID.
 * mode=console (needs --console virtio): prints text=WORD through hvc0,
 *   then with rx=N waits for N bytes of input and prints them back.
 * mode=msix (one --disk): the MSI-X table, vector mapping and PBA.
 * Hostile modes (one --disk, writable): each must leave zapvm running and
 *   the device in the stated state, then the guest resets the device and
 *   checks that a good read works again:
 *   oob      a data buffer outside guest RAM: IOERR
 *   huge     a 4 GiB buffer, and 3 x 32 MiB buffers in RAM: IOERR
 *   loop     a descriptor whose next is itself: NEEDS_RESET
 *   qidx     queue_select 5 reads size 0; a head index >= size: NEEDS_RESET
 *   avail    avail idx 100 ahead: NEEDS_RESET
 *   notify   notify of queue 5 and a misaligned notify: ignored, still OK
 *   ring     a descriptor table outside RAM at queue enable: NEEDS_RESET
 *   features FEATURES_OK without VERSION_1: refused
 *
 * zapvm,args: mode=blk|console|oob|... sector=S (1) byte=B (0x5a)
 *             sectors=N (0: do not check) text=WORD rx=N (0)
 */
#include <string.h>

#include "guest.h"
#include "pci.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_BLK_ID 0x1042
#define VIRTIO_CONSOLE_ID 0x1043

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40

#define F_BLK_RO 5
#define F_VERSION_1 32

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_BOGUS 0x1234

#define BLK_OK 0
#define BLK_IOERR 1
#define BLK_UNSUPP 2
#define NO_STATUS 0xee /* what the guest leaves in the status byte */

#define D_NEXT 1
#define D_WRITE 2

#define QSIZE 16

typedef unsigned short vu16;

struct desc {
	zu64 addr;
	zu32 len;
	unsigned short flags, next;
};

struct queue {
	struct desc *desc;
	volatile unsigned short *avail;
	volatile unsigned short *used; /* flags, idx, then {id, len} pairs */
	unsigned short avail_idx;
	volatile vu16 *notify;
};

struct vdev {
	zu32 bdf;
	volatile zu8 *common, *isr, *devcfg, *notify;
	zu32 notify_mult;
	zu64 mem; /* 64 KiB of guest RAM per device for rings and buffers */
	struct queue q[2];
	zu64 features;
};

static volatile zu32 *c32(struct vdev *v, unsigned int off)
{
	return (volatile zu32 *)(v->common + off);
}

static volatile vu16 *c16(struct vdev *v, unsigned int off)
{
	return (volatile vu16 *)(v->common + off);
}

static zu8 status(struct vdev *v)
{
	return v->common[0x14];
}

static void set_status(struct vdev *v, zu8 s)
{
	v->common[0x14] = s;
}

static void barrier(void)
{
	asm volatile("" : : : "memory");
}

/* Find the @nth device @id, map its capabilities. */
static void vdev_find(struct vdev *v, zu32 id, unsigned int nth, zu64 mem)
{
	unsigned int from = 0, ptr;
	long bdf = -1;

	for (unsigned int i = 0; i <= nth; i++) {
		bdf = pci_find(VIRTIO_VENDOR, id, from);
		GUEST_ASSERT(bdf >= 0);
		from = ((bdf >> 11) & 0x1f) + 1;
	}
	v->bdf = (zu32)bdf;
	v->mem = mem;
	GUEST_ASSERT_EQ(pci_read8(v->bdf, PCI_CLASS_REVISION), 1);
	pci_write16(v->bdf, PCI_COMMAND,
		    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	GUEST_ASSERT(pci_read16(v->bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	for (ptr = pci_read8(v->bdf, PCI_CAPABILITY_LIST); ptr;
	     ptr = pci_read8(v->bdf, ptr + 1)) {
		zu32 type, bar, off;
		volatile zu8 *base;

		if (pci_read8(v->bdf, ptr) != 0x09)
			continue;
		type = pci_read8(v->bdf, ptr + 3);
		bar = pci_read8(v->bdf, ptr + 4);
		off = pci_read32(v->bdf, ptr + 8);
		base = gpa_ptr(pci_bar_addr(v->bdf, bar) + off);
		if (type == 1)
			v->common = base;
		else if (type == 2) {
			v->notify = base;
			v->notify_mult = pci_read32(v->bdf, ptr + 16);
		} else if (type == 3)
			v->isr = base;
		else if (type == 4)
			v->devcfg = base;
	}
	GUEST_ASSERT(v->common && v->notify && v->isr && v->devcfg);
}

/* Reset and negotiate @want (VERSION_1 added); FEATURES_OK must stick. */
static void vdev_negotiate(struct vdev *v, zu64 want)
{
	set_status(v, 0);
	GUEST_ASSERT_EQ(status(v), 0);
	set_status(v, S_ACK);
	set_status(v, S_ACK | S_DRIVER);
	*c32(v, 0x00) = 0;
	v->features = *c32(v, 0x04);
	*c32(v, 0x00) = 1;
	v->features |= (zu64)*c32(v, 0x04) << 32;
	GUEST_ASSERT(v->features & (1ULL << F_VERSION_1));
	want = (want | 1ULL << F_VERSION_1) & v->features;
	*c32(v, 0x08) = 0;
	*c32(v, 0x0c) = (zu32)want;
	*c32(v, 0x08) = 1;
	*c32(v, 0x0c) = (zu32)(want >> 32);
	set_status(v, S_ACK | S_DRIVER | S_FEATURES_OK);
	GUEST_ASSERT_EQ(status(v), S_ACK | S_DRIVER | S_FEATURES_OK);
}

/* Set up queue @qi in v->mem + qi * 0x4000 (desc, avail, used pages). */
static void vdev_queue(struct vdev *v, unsigned int qi)
{
	struct queue *q = &v->q[qi];
	zu64 base = v->mem + qi * 0x4000;

	__builtin_memset(gpa_ptr(base), 0, 0x3000);
	q->desc = gpa_ptr(base);
	q->avail = gpa_ptr(base + 0x1000);
	q->used = gpa_ptr(base + 0x2000);
	q->avail_idx = 0;
	q->avail[0] = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT: we poll */
	*c16(v, 0x16) = (vu16)qi;
	GUEST_ASSERT(*c16(v, 0x18) >= QSIZE);
	*c16(v, 0x18) = QSIZE;
	*c32(v, 0x20) = (zu32)base;
	*c32(v, 0x24) = 0;
	*c32(v, 0x28) = (zu32)(base + 0x1000);
	*c32(v, 0x2c) = 0;
	*c32(v, 0x30) = (zu32)(base + 0x2000);
	*c32(v, 0x34) = 0;
	*c16(v, 0x1c) = 1;
	q->notify =
		(volatile vu16 *)(v->notify + *c16(v, 0x1e) * v->notify_mult);
}

/* The length of the last used element of @q. */
static zu32 used_len(const struct queue *q)
{
	const volatile zu8 *u = (const volatile zu8 *)q->used;

	return *(const volatile zu32 *)(u + 4 + 8 * ((q->used[1] - 1) % QSIZE) +
					4);
}

static void vdev_ready(struct vdev *v)
{
	set_status(v, status(v) | S_DRIVER_OK);
	GUEST_ASSERT(status(v) & S_DRIVER_OK);
}

/* Offer head @head on queue @qi and notify; true if it was used. */
static bool vdev_kick(struct vdev *v, unsigned int qi, unsigned short head)
{
	struct queue *q = &v->q[qi];
	unsigned short used = q->used[1];

	q->avail[2 + q->avail_idx % QSIZE] = head;
	barrier();
	q->avail[1] = ++q->avail_idx;
	barrier();
	*q->notify = (vu16)qi;
	barrier();
	return q->used[1] != used;
}

/* A buffer of the request area: v->mem + 0x8000 ... 0x10000. */
#define HDR(v) ((v)->mem + 0x8000)
#define STATUS(v) ((v)->mem + 0x8010)
#define DATA(v) ((v)->mem + 0x9000) /* 4 KiB */

static zu8 *status_byte(struct vdev *v)
{
	return gpa_ptr(STATUS(v));
}

/* A three-descriptor request; returns the status byte (NO_STATUS: none). */
static int blk_req(struct vdev *v, zu32 type, zu64 sector, zu64 data, zu32 len)
{
	struct desc *d = v->q[0].desc;
	zu32 *hdr = gpa_ptr(HDR(v));
	bool in = type == T_IN || type == T_GET_ID;

	hdr[0] = type;
	hdr[1] = 0;
	*(zu64 *)(hdr + 2) = sector;
	*status_byte(v) = NO_STATUS;
	d[0] = (struct desc){ HDR(v), 16, D_NEXT, 1 };
	d[1] = (struct desc){ data, len, D_NEXT | (in ? D_WRITE : 0), 2 };
	d[2] = (struct desc){ STATUS(v), 1, D_WRITE, 0 };
	if (!len)
		d[0].next = 2;
	GUEST_ASSERT(vdev_kick(v, 0, 0));
	return *status_byte(v);
}

static void blk_setup(struct vdev *v, unsigned int nth, zu64 mem)
{
	vdev_find(v, VIRTIO_BLK_ID, nth, mem);
	vdev_negotiate(v, 1ULL << F_BLK_RO);
	vdev_queue(v, 0);
	vdev_ready(v);
}

static zu64 blk_capacity(struct vdev *v)
{
	return *(volatile zu32 *)v->devcfg |
	       (zu64) * (volatile zu32 *)(v->devcfg + 4) << 32;
}

static void check_fill(zu64 gpa, zu8 byte, zu32 len)
{
	const zu8 *p = gpa_ptr(gpa);

	for (zu32 i = 0; i < len; i++)
		GUEST_ASSERT_EQ(p[i], byte);
}

static void mode_blk(struct boot_info *bi, zu64 mem)
{
	zu64 sector = arg_u64(bi, "sector", 1);
	zu8 byte = (zu8)arg_u64(bi, "byte", 0x5a);
	zu64 sectors = arg_u64(bi, "sectors", 0);
	struct vdev d0 = { 0 }, d1 = { 0 }, d2 = { 0 };
	char *id;

	blk_setup(&d0, 0, mem);
	id = gpa_ptr(DATA(&d0));
	blk_setup(&d1, 1, mem + 0x10000);
	blk_setup(&d2, 2, mem + 0x20000);
	if (sectors)
		GUEST_ASSERT_EQ(blk_capacity(&d0), sectors);

	GUEST_ASSERT_EQ(blk_req(&d0, T_IN, sector, DATA(&d0), 512), BLK_OK);
	check_fill(DATA(&d0), byte, 512);
	GUEST_ASSERT_EQ(used_len(&d0.q[0]), 513); /* data + status */
	GUEST_ASSERT_EQ(blk_req(&d0, T_IN, blk_capacity(&d0), DATA(&d0), 512),
			BLK_IOERR);
	GUEST_ASSERT_EQ(blk_req(&d0, T_IN, 0, DATA(&d0), 100), BLK_IOERR);
	GUEST_ASSERT_EQ(blk_req(&d0, T_BOGUS, 0, DATA(&d0), 512), BLK_UNSUPP);
	__builtin_memset(id, 0, 20);
	GUEST_ASSERT_EQ(blk_req(&d0, T_GET_ID, 0, DATA(&d0), 20), BLK_OK);
	GUEST_ASSERT(id[0] != 0);
	gprintf("virtio: disk 0 id '%.*s', %llu sectors, sector %llu ok\n",
		(int)strnlen(id, 20), id, blk_capacity(&d0), sector);

	__builtin_memset(gpa_ptr(DATA(&d1)), (zu8)~byte, 512);
	GUEST_ASSERT_EQ(blk_req(&d1, T_OUT, sector, DATA(&d1), 512), BLK_OK);
	GUEST_ASSERT_EQ(blk_req(&d1, T_FLUSH, 0, 0, 0), BLK_OK);
	__builtin_memset(gpa_ptr(DATA(&d1)), 0, 512);
	GUEST_ASSERT_EQ(blk_req(&d1, T_IN, sector, DATA(&d1), 512), BLK_OK);
	check_fill(DATA(&d1), (zu8)~byte, 512);
	GUEST_ASSERT(!(d1.features & (1ULL << F_BLK_RO)));

	GUEST_ASSERT(d2.features & (1ULL << F_BLK_RO));
	__builtin_memset(gpa_ptr(DATA(&d2)), 0xcc, 512);
	GUEST_ASSERT_EQ(blk_req(&d2, T_OUT, 0, DATA(&d2), 512), BLK_IOERR);
	GUEST_ASSERT_EQ(blk_req(&d2, T_IN, 0, DATA(&d2), 512), BLK_OK);
	GUEST_ASSERT_EQ(blk_req(&d2, T_FLUSH, 0, 0, 0), BLK_OK);
	gprintf("virtio: wrote sector %llu of disk 1, ro disk 2 refused a "
		"write\n",
		sector);
}

static void mode_console(struct boot_info *bi, zu64 mem)
{
	struct vdev v = { 0 };
	size_t tlen, rx = arg_u64(bi, "rx", 0);
	const char *text = arg_str(bi, "text", &tlen);
	char *buf = gpa_ptr(mem + 0x9000);
	struct queue *q = &v.q[0];
	zu32 got = 0;
	vu16 seen;
	zu64 t0;

	vdev_find(&v, VIRTIO_CONSOLE_ID, 0, mem);
	vdev_negotiate(&v, 0);
	vdev_queue(&v, 0);
	vdev_queue(&v, 1);
	vdev_ready(&v);
	if (!text) {
		text = "hello";
		tlen = 5;
	}
	GUEST_ASSERT(tlen < 200 && rx < 256);
	__builtin_memcpy(buf, "hvc0: ", 6);
	__builtin_memcpy(buf + 6, text, tlen);
	buf[6 + tlen] = '\n';
	v.q[1].desc[0] = (struct desc){ mem + 0x9000, (zu32)tlen + 7, 0, 0 };
	GUEST_ASSERT(vdev_kick(&v, 1, 0));
	if (!rx)
		return;
	/* Input comes from the host's input thread: poll for 10 s. */
	__builtin_memset(buf, 0, 256);
	seen = q->used[1];
	q->desc[0] = (struct desc){ mem + 0x9000, (zu32)rx, D_WRITE, 0 };
	vdev_kick(&v, 0, 0);
	t0 = zapvm_clock_ns();
	while (got < rx && zapvm_clock_ns() - t0 < 10000000000ULL) {
		if (q->used[1] == seen)
			continue;
		seen++;
		got += used_len(q);
		if (got < rx) {
			q->desc[0] = (struct desc){ mem + 0x9000 + got,
						    (zu32)(rx - got), D_WRITE,
						    0 };
			vdev_kick(&v, 0, 0);
		}
	}
	GUEST_ASSERT_EQ(got, rx);
	gprintf("virtio: console got '%.*s'\n", (int)rx, buf);
}

/*
 * MSI-X bookkeeping without an interrupt controller: vectors map and read
 * back, a used buffer leaves its vector pending in the PBA while masked, and
 * unmasking releases it (the delivery itself fails: zapvm logs it at -v).
 */
static void mode_msix(struct boot_info *bi, zu64 mem)
{
	struct vdev v = { 0 };
	unsigned int cap;
	volatile zu32 *table, *pba;
	zu32 tbl, pb;

	blk_setup(&v, 0, mem);
	for (cap = pci_read8(v.bdf, PCI_CAPABILITY_LIST); cap;
	     cap = pci_read8(v.bdf, cap + 1))
		if (pci_read8(v.bdf, cap) == 0x11)
			break;
	GUEST_ASSERT(cap);
	GUEST_ASSERT((pci_read16(v.bdf, cap + 2) & 0x7ff) >= 1);
	tbl = pci_read32(v.bdf, cap + 4);
	pb = pci_read32(v.bdf, cap + 8);
	table = gpa_ptr(pci_bar_addr(v.bdf, tbl & 7) + (tbl & ~7U));
	pba = gpa_ptr(pci_bar_addr(v.bdf, pb & 7) + (pb & ~7U));
	/* Enabled, all masked; entry 1 unmasked. */
	pci_write8(v.bdf, cap + 3, 0xc0);
	GUEST_ASSERT_EQ(pci_read8(v.bdf, cap + 3), 0xc0);
	GUEST_ASSERT_EQ(table[4 + 3] & 1, 1); /* masked after reset */
	table[4 + 0] = 0xfee00000;
	table[4 + 1] = 0;
	table[4 + 2] = 0x31;
	table[4 + 3] = 0;
	GUEST_ASSERT_EQ(table[4 + 2], 0x31);
	*c16(&v, 0x10) = 0;
	GUEST_ASSERT_EQ(*c16(&v, 0x10), 0);
	*c16(&v, 0x16) = 0;
	*c16(&v, 0x1a) = 100; /* beyond the table: NO_VECTOR */
	GUEST_ASSERT_EQ(*c16(&v, 0x1a), 0xffff);
	*c16(&v, 0x1a) = 1;
	GUEST_ASSERT_EQ(*c16(&v, 0x1a), 1);
	v.q[0].avail[0] = 0; /* interrupts wanted */
	GUEST_ASSERT_EQ(pba[0], 0);
	GUEST_ASSERT_EQ(blk_req(&v, T_IN, 0, DATA(&v), 512), BLK_OK);
	GUEST_ASSERT_EQ(pba[0], 2); /* function masked: pending */
	pci_write8(v.bdf, cap + 3, 0x80);
	GUEST_ASSERT_EQ(pba[0], 0); /* released */
	table[4 + 3] = 1;
	GUEST_ASSERT_EQ(blk_req(&v, T_IN, 0, DATA(&v), 512), BLK_OK);
	GUEST_ASSERT_EQ(pba[0], 2); /* entry masked: pending */
	table[4 + 3] = 0;
	GUEST_ASSERT_EQ(pba[0], 0);
	v.q[0].avail[0] = 1;
	GUEST_ASSERT_EQ(blk_req(&v, T_IN, 0, DATA(&v), 512), BLK_OK);
	GUEST_ASSERT_EQ(pba[0], 0); /* NO_INTERRUPT: nothing */
	pci_write8(v.bdf, cap + 3, 0);
	gprintf("virtio: MSI-X table and PBA behave\n");
}

/* After a hostile request: reset, set up again, and read. */
static void recover(struct vdev *v)
{
	blk_setup(v, 0, v->mem);
	GUEST_ASSERT_EQ(blk_req(v, T_IN, 0, DATA(v), 512), BLK_OK);
}

static void mode_hostile(struct boot_info *bi, zu64 mem)
{
	struct vdev v = { 0 };
	struct desc *d;

	blk_setup(&v, 0, mem);
	d = v.q[0].desc;
	if (arg_is(bi, "mode", "oob")) {
		zu64 far = ZAPVM_BOOT_MAX_GIB << 30; /* beyond RAM */

		GUEST_ASSERT(!boot_info__fits(bi, far - 4096, 512));
		GUEST_ASSERT_EQ(blk_req(&v, T_IN, 0, far - 4096, 512),
				BLK_IOERR);
		GUEST_ASSERT_EQ(blk_req(&v, T_OUT, 0, bi->ram_size, 512),
				BLK_IOERR);
		GUEST_ASSERT(!(status(&v) & S_NEEDS_RESET));
	} else if (arg_is(bi, "mode", "huge")) {
		zu64 big = 32ULL << 20;

		GUEST_ASSERT_EQ(blk_req(&v, T_IN, 0, DATA(&v), 0xfffff000),
				BLK_IOERR);
		GUEST_ASSERT(boot_info__fits(bi, mem + 0x100000, big));
		d[0] = (struct desc){ HDR(&v), 16, D_NEXT, 1 };
		d[1] = (struct desc){ mem + 0x100000, (zu32)big,
				      D_NEXT | D_WRITE, 2 };
		d[2] = (struct desc){ mem + 0x100000, (zu32)big,
				      D_NEXT | D_WRITE, 3 };
		d[3] = (struct desc){ mem + 0x100000, (zu32)big,
				      D_NEXT | D_WRITE, 4 };
		d[4] = (struct desc){ STATUS(&v), 1, D_WRITE, 0 };
		*status_byte(&v) = NO_STATUS;
		GUEST_ASSERT(vdev_kick(&v, 0, 0));
		GUEST_ASSERT_EQ(*status_byte(&v), BLK_IOERR);
		GUEST_ASSERT(!(status(&v) & S_NEEDS_RESET));
	} else if (arg_is(bi, "mode", "loop")) {
		d[0] = (struct desc){ HDR(&v), 16, D_NEXT, 0 };
		GUEST_ASSERT(!vdev_kick(&v, 0, 0));
		GUEST_ASSERT(status(&v) & S_NEEDS_RESET);
	} else if (arg_is(bi, "mode", "qidx")) {
		*c16(&v, 0x16) = 5;
		GUEST_ASSERT_EQ(*c16(&v, 0x18), 0);
		*c16(&v, 0x18) = 16;
		*c16(&v, 0x1c) = 1;
		GUEST_ASSERT_EQ(*c16(&v, 0x18), 0);
		GUEST_ASSERT_EQ(*c16(&v, 0x1c), 0);
		GUEST_ASSERT(!(status(&v) & S_NEEDS_RESET));
		*c16(&v, 0x16) = 0;
		d[0] = (struct desc){ HDR(&v), 16, 0, 0 };
		GUEST_ASSERT(!vdev_kick(&v, 0, 200));
		GUEST_ASSERT(status(&v) & S_NEEDS_RESET);
	} else if (arg_is(bi, "mode", "avail")) {
		d[0] = (struct desc){ HDR(&v), 16, 0, 0 };
		v.q[0].avail_idx += 99;
		GUEST_ASSERT(!vdev_kick(&v, 0, 0));
		GUEST_ASSERT(status(&v) & S_NEEDS_RESET);
	} else if (arg_is(bi, "mode", "notify")) {
		*(volatile vu16 *)(v.notify + 5 * v.notify_mult) = 5;
		*(volatile vu16 *)(v.notify + 2) = 0;
		GUEST_ASSERT(!(status(&v) & S_NEEDS_RESET));
		GUEST_ASSERT_EQ(blk_req(&v, T_IN, 0, DATA(&v), 512), BLK_OK);
	} else if (arg_is(bi, "mode", "ring")) {
		set_status(&v, 0);
		vdev_negotiate(&v, 0);
		*c16(&v, 0x16) = 0;
		*c16(&v, 0x18) = QSIZE;
		*c32(&v, 0x20) = 0;
		*c32(&v, 0x24) = 0x10; /* 64 GiB: no RAM there */
		*c16(&v, 0x1c) = 1;
		GUEST_ASSERT_EQ(*c16(&v, 0x1c), 0);
		GUEST_ASSERT(status(&v) & S_NEEDS_RESET);
	} else if (arg_is(bi, "mode", "features")) {
		set_status(&v, 0);
		set_status(&v, S_ACK | S_DRIVER);
		*c32(&v, 0x08) = 1;
		*c32(&v, 0x0c) = 0; /* no VERSION_1 */
		set_status(&v, S_ACK | S_DRIVER | S_FEATURES_OK);
		GUEST_ASSERT_EQ(status(&v), S_ACK | S_DRIVER);
		set_status(&v, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
		GUEST_ASSERT(!(status(&v) & S_DRIVER_OK));
	} else {
		GUEST_ASSERT(!"unknown mode");
	}
	recover(&v);
	GUEST_ASSERT(!(status(&v) & S_NEEDS_RESET));
	gprintf("virtio: survived, device works after reset\n");
}

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	zu64 mem;

	if (cpu != 0)
		return 0;
	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "mode sector byte sectors text rx");
	mem = align_up(bi.guest_base, 0x10000);
	GUEST_ASSERT(boot_info__fits(&bi, mem, 0x30000));
	if (arg_is(&bi, "mode", "blk"))
		mode_blk(&bi, mem);
	else if (arg_is(&bi, "mode", "console"))
		mode_console(&bi, mem);
	else if (arg_is(&bi, "mode", "msix"))
		mode_msix(&bi, mem);
	else
		mode_hostile(&bi, mem);
	return 0;
}
