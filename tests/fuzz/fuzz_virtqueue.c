// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the split-virtqueue walker: the input is a 64 KiB
 * guest RAM image (zero-padded) behind a 16-byte preamble that picks the
 * queue size and ring addresses. Every popped chain's buffers must lie in
 * RAM (the buffers are then read and written through, so ASan sees any
 * escape), the walk must end, and the used ring must stay in bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "zapvm/virtio.h"

#define RAM_SIZE 0x10000U

static uint8_t *ram;

static void *mem(void *opaque, uint64_t gpa, uint64_t len, bool write)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end) || end > RAM_SIZE)
		return NULL;
	return ram + gpa;
}

static bool in_ram(const void *p, size_t len)
{
	const uint8_t *b = p;

	return b >= ram && b <= ram + RAM_SIZE &&
	       len <= RAM_SIZE - (size_t)(b - ram);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq_chain c;
	struct virtq vq = { .mem = mem };
	uint8_t pre[16] = { 0 };
	int ret;

	if (!ram)
		ram = malloc(RAM_SIZE);
	memcpy(pre, data, size < 16 ? size : 16);
	memset(ram, 0, RAM_SIZE);
	if (size > 16)
		memcpy(ram, data + 16,
		       size - 16 < RAM_SIZE ? size - 16 : RAM_SIZE);
	vq.size = (uint16_t)(pre[0] | pre[1] << 8);
	/* Mostly aligned, in-RAM rings; bit 7 of pre[2] allows anything. */
	if (pre[2] & 0x80) {
		memcpy(&vq.desc_gpa, pre + 4, 4);
		memcpy(&vq.avail_gpa, pre + 8, 4);
		memcpy(&vq.used_gpa, pre + 12, 4);
	} else {
		vq.size = (uint16_t)(1u << (pre[0] % 9));
		vq.desc_gpa = (uint64_t)(pre[4] & 0xf0) << 8;
		vq.avail_gpa = (uint64_t)(pre[8] & 0xfe) << 8;
		vq.used_gpa = (uint64_t)(pre[12] & 0xfc) << 8;
	}
	if (virtq__enable(&vq))
		return 0;
	check(vq.size && vq.size <= VIRTQ_MAX_SIZE);
	for (unsigned int n = 0; n < 2 * VIRTQ_MAX_SIZE + 2; n++) {
		uint64_t total = 0;

		ret = virtq__pop(&vq, &c);
		if (ret <= 0) {
			check(ret == 0 || vq.why);
			break;
		}
		check(c.head < vq.size);
		check(c.nout + c.nin <= vq.size);
		for (unsigned int i = 0; i < c.nout + c.nin; i++) {
			uint8_t *p = c.iov[i].iov_base;

			check(in_ram(p, c.iov[i].iov_len));
			total += c.iov[i].iov_len;
			/* Touch both ends: ASan flags any escape. */
			if (i >= c.nout)
				p[0] = p[c.iov[i].iov_len - 1] = 0xa5;
			else
				check(p[0] + p[c.iov[i].iov_len - 1] < 512);
		}
		check(total == c.out_bytes + c.in_bytes);
		check(total <= VIRTQ_MAX_CHAIN_BYTES);
		check(!c.err || (!c.nout && !c.nin));
		if (c.last_in) {
			check(in_ram(c.last_in, 1));
			*c.last_in = 1;
		}
		virtq__push(&vq, c.head, (uint32_t)c.in_bytes);
		virtq__want_irq(&vq);
	}
	return 0;
}
