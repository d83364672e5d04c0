// SPDX-License-Identifier: GPL-2.0-only
/*
 * The split-virtqueue walker against a fake guest RAM: known-good chains,
 * wrap-around, and every hostile ring the device must survive.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zapvm/virtio.h"

#define RAM_SIZE (1U << 20)
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define DATA 0x10000

static uint8_t *ram;
static unsigned int mem_calls_outside;

static void *mem(void *opaque, uint64_t gpa, uint64_t len, bool write)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end) || end > RAM_SIZE) {
		mem_calls_outside++;
		return NULL;
	}
	return ram + gpa;
}

static struct virtq_desc *desc(unsigned int i)
{
	return (struct virtq_desc *)(ram + DESC) + i;
}

static uint16_t *avail(void)
{
	return (uint16_t *)(ram + AVAIL);
}

static uint32_t *used_elem(unsigned int i)
{
	return (uint32_t *)(ram + USED + 4 + 8 * i);
}

static uint16_t used_idx(void)
{
	return *(uint16_t *)(ram + USED + 2);
}

static void set_desc(unsigned int i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	*desc(i) = (struct virtq_desc){ addr, len, flags, next };
}

/* Offer head @head as the next avail entry (the ring has @size slots). */
static void offer(uint16_t head, uint16_t size)
{
	uint16_t idx = avail()[1];

	avail()[2 + idx % size] = head;
	avail()[1] = idx + 1;
}

static void setup(struct virtq *vq, uint16_t size)
{
	memset(ram, 0, RAM_SIZE);
	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	vq->size = size;
	vq->desc_gpa = DESC;
	vq->avail_gpa = AVAIL;
	vq->used_gpa = USED;
}

static void test_enable(void)
{
	struct virtq vq;

	setup(&vq, 0);
	is_int(virtq__enable(&vq), -EINVAL, "enable: size 0 refused");
	setup(&vq, 3);
	is_int(virtq__enable(&vq), -EINVAL, "enable: size 3 refused");
	setup(&vq, 512);
	is_int(virtq__enable(&vq), -EINVAL, "enable: size 512 refused");
	setup(&vq, 16);
	vq.desc_gpa = DESC + 8;
	is_int(virtq__enable(&vq), -EINVAL, "enable: misaligned desc refused");
	setup(&vq, 16);
	vq.used_gpa = USED + 2;
	is_int(virtq__enable(&vq), -EINVAL, "enable: misaligned used refused");
	setup(&vq, 16);
	vq.avail_gpa = RAM_SIZE - 8;
	is_int(virtq__enable(&vq), -EFAULT,
	       "enable: avail ring crossing the end of RAM refused");
	ok(!vq.ready, "enable: the queue stays unready");
	setup(&vq, 16);
	vq.desc_gpa = UINT64_MAX - 15;
	is_int(virtq__enable(&vq), -EFAULT,
	       "enable: desc table wrapping 2^64 refused");
	setup(&vq, 16);
	is_int(virtq__enable(&vq), 0, "enable: a good queue");
	ok(vq.ready, "enable: ready");
	virtq__reset(&vq);
	ok(!vq.ready && vq.mem == mem && !vq.size, "reset: unready, mem kept");
}

static void test_good(void)
{
	struct virtq_chain *c = calloc(1, sizeof(*c));
	struct virtq vq;
	uint8_t buf[600];

	setup(&vq, 16);
	virtq__enable(&vq);
	is_int(virtq__pop(&vq, c), 0, "empty ring: nothing to pop");

	/* A virtio-blk read: header, data, status. */
	set_desc(3, DATA, 16, VIRTQ_DESC_F_NEXT, 7);
	set_desc(7, DATA + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
		 1);
	set_desc(1, DATA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(3, 16);
	is_int(virtq__pop(&vq, c), 1, "good chain popped");
	is_int(c->err, 0, "good chain: no error");
	is_int(c->head, 3, "good chain: head");
	is_int(c->nout, 1, "good chain: one readable buffer");
	is_int(c->nin, 2, "good chain: two writable buffers");
	is_int(c->out_bytes, 16, "good chain: readable bytes");
	is_int(c->in_bytes, 513, "good chain: writable bytes");
	ok(c->iov[0].iov_base == ram + DATA &&
		   c->iov[1].iov_base == ram + DATA + 0x100 &&
		   c->iov[2].iov_base == ram + DATA + 0x400,
	   "good chain: buffers at their guest addresses");
	is_int(virtq__pop(&vq, c), 0, "ring empty after one pop");
	virtq__push(&vq, 3, 513);
	is_int(used_idx(), 1, "push: used idx advanced");
	ok(used_elem(0)[0] == 3 && used_elem(0)[1] == 513,
	   "push: used element {3, 513}");
	ok(virtq__want_irq(&vq), "want_irq without NO_INTERRUPT");
	avail()[0] = VIRTQ_AVAIL_F_NO_INTERRUPT;
	ok(!virtq__want_irq(&vq), "no irq with NO_INTERRUPT");

	/* Zero-length buffers take no iov entry. */
	set_desc(0, DATA, 0, VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, DATA, 8, 0, 0);
	offer(0, 16);
	is_int(virtq__pop(&vq, c), 1, "zero-length buffer: popped");
	ok(c->err == 0 && c->nout == 1 && c->out_bytes == 8,
	   "zero-length buffer: skipped");

	/* 70000 requests: the 16-bit indexes wrap. */
	setup(&vq, 4);
	virtq__enable(&vq);
	set_desc(2, DATA, 4, 0, 0);
	{
		unsigned int good = 0;

		for (unsigned int i = 0; i < 70000; i++) {
			offer(2, 4);
			if (virtq__pop(&vq, c) == 1 && c->head == 2 && !c->err)
				good++;
			virtq__push(&vq, c->head, 0);
		}
		is_int(good, 70000, "70000 requests across the index wrap");
		is_int(used_idx(), (uint16_t)70000, "used idx wrapped");
	}

	/* iov helpers across buffer boundaries. */
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	{
		struct iovec iov[3] = { { ram + DATA, 10 },
					{ ram + DATA + 100, 20 },
					{ ram + DATA + 200, 30 } };
		struct iovec s[3];
		uint8_t back[60];

		is_int(iov__copy_to(iov, 3, 5, buf, 100), 55,
		       "copy_to stops at the end of the buffers");
		ok(ram[DATA + 5] == 0 && ram[DATA + 100] == 5 &&
			   ram[DATA + 200] == 25,
		   "copy_to: bytes land across buffers");
		is_int(iov__copy_from(iov, 3, 5, back, 55), 55,
		       "copy_from reads them back");
		ok(!memcmp(back, buf, 55), "copy_from: same bytes");
		is_int(iov__slice(iov, 3, 12, 20, s, 3), 2,
		       "slice: two pieces");
		ok(s[0].iov_base == ram + DATA + 102 && s[0].iov_len == 18 &&
			   s[1].iov_base == ram + DATA + 200 &&
			   s[1].iov_len == 2,
		   "slice: the right pieces");
		is_int(iov__slice(iov, 3, 50, 20, s, 3), -1,
		       "slice past the end refused");
		is_int(iov__slice(iov, 3, 0, 60, s, 2), -1,
		       "slice with too few entries refused");
	}
	free(c);
}

static void test_hostile(void)
{
	struct virtq_chain *c = calloc(1, sizeof(*c));
	struct virtq vq;

	mem_calls_outside = 0;

	/* A buffer outside RAM fails the request, the ring goes on. */
	setup(&vq, 16);
	virtq__enable(&vq);
	set_desc(0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, 0x40000000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	set_desc(2, DATA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(0, 16);
	is_int(virtq__pop(&vq, c), 1, "buffer outside RAM: popped");
	is_int(c->err, -EFAULT, "buffer outside RAM: -EFAULT");
	ok(c->nin == 0 && c->nout == 0, "buffer outside RAM: no buffers");
	ok(mem_calls_outside > 0, "buffer outside RAM: mem() said no");
	set_desc(1, UINT64_MAX - 10, 512, VIRTQ_DESC_F_WRITE, 0);
	offer(1, 16);
	is_int(virtq__pop(&vq, c), 1, "buffer wrapping 2^64: popped");
	is_int(c->err, -EFAULT, "buffer wrapping 2^64: -EFAULT");
	set_desc(5, DATA, 8, 0, 0);
	offer(5, 16);
	ok(virtq__pop(&vq, c) == 1 && !c->err,
	   "a good request after bad ones works");

	/* Huge lengths. */
	set_desc(4, DATA, 0xffffffff, 0, 0);
	offer(4, 16);
	ok(virtq__pop(&vq, c) == 1 && c->err == -E2BIG, "4 GiB buffer: -E2BIG");
	setup(&vq, 128);
	virtq__enable(&vq);
	for (unsigned int i = 0; i < 65; i++)
		set_desc(i, 0, RAM_SIZE, VIRTQ_DESC_F_NEXT, i + 1);
	set_desc(65, DATA, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(0, 128);
	ok(virtq__pop(&vq, c) == 1 && c->err == -E2BIG,
	   "65 x 1 MiB in RAM: over the chain limit, -E2BIG");

	/* Readable after writable. */
	set_desc(70, DATA, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 71);
	set_desc(71, DATA, 16, 0, 0);
	offer(70, 128);
	ok(virtq__pop(&vq, c) == 1 && c->err == -EINVAL,
	   "readable after writable: -EINVAL request");

	/* Broken rings. */
	setup(&vq, 16);
	virtq__enable(&vq);
	set_desc(0, DATA, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(0, 16);
	is_int(virtq__pop(&vq, c), -EINVAL, "descriptor pointing at itself");
	setup(&vq, 16);
	virtq__enable(&vq);
	set_desc(0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(0, 16);
	is_int(virtq__pop(&vq, c), -EINVAL, "two-descriptor loop");
	setup(&vq, 16);
	virtq__enable(&vq);
	for (unsigned int i = 0; i < 16; i++)
		set_desc(i, DATA, 1, i < 15 ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	offer(0, 16);
	ok(virtq__pop(&vq, c) == 1 && c->nout == 16,
	   "a chain of exactly size descriptors is fine");
	setup(&vq, 16);
	virtq__enable(&vq);
	offer(16, 16);
	is_int(virtq__pop(&vq, c), -EINVAL, "head index = size");
	setup(&vq, 16);
	virtq__enable(&vq);
	offer(0xffff, 16);
	is_int(virtq__pop(&vq, c), -EINVAL, "head index 0xffff");
	setup(&vq, 16);
	virtq__enable(&vq);
	set_desc(0, DATA, 16, VIRTQ_DESC_F_NEXT, 16);
	offer(0, 16);
	is_int(virtq__pop(&vq, c), -EINVAL, "next index = size");
	setup(&vq, 16);
	virtq__enable(&vq);
	set_desc(0, DATA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0, 16);
	is_int(virtq__pop(&vq, c), -EINVAL,
	       "indirect descriptor (not offered)");
	setup(&vq, 16);
	virtq__enable(&vq);
	set_desc(0, DATA, 16, 0, 0);
	avail()[1] = 17;
	is_int(virtq__pop(&vq, c), -EINVAL, "avail idx size + 1 ahead");
	setup(&vq, 16);
	virtq__enable(&vq);
	avail()[1] = 0x8000;
	is_int(virtq__pop(&vq, c), -EINVAL, "avail idx 0x8000 ahead");
	setup(&vq, 16);
	virtq__enable(&vq);
	set_desc(0, DATA, 16, 0, 0);
	avail()[1] = 16;
	{
		unsigned int n = 0;

		while (virtq__pop(&vq, c) == 1)
			n++;
		is_int(n, 16, "avail idx exactly size ahead: 16 requests");
	}
	setup(&vq, 16);
	ok(virtq__pop(&vq, c) == 0, "an unready queue pops nothing");
	virtq__push(&vq, 0, 0);
	is_int(used_idx(), 0, "an unready queue pushes nothing");
	free(c);
}

int main(void)
{
	ram = malloc(RAM_SIZE);
	if (!ram)
		return 1;
	test_enable();
	test_good();
	test_hostile();
	free(ram);
	return tap_done();
}
