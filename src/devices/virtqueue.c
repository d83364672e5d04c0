// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues, device side. The driver owns the rings and may change
 * them under us at any time: each descriptor is read once into a local copy,
 * every index is checked against the size, a chain walk stops after size
 * descriptors, and buffers are reached only through vq->mem().
 */
#include <errno.h>
#include <string.h>

#include "zapvm/virtio.h"

static uint64_t avail_bytes(uint16_t size)
{
	return 6 + 2ULL * size; /* flags, idx, ring[], used_event */
}

static uint64_t used_bytes(uint16_t size)
{
	return 6 + 8ULL * size; /* flags, idx, ring[] of {id, len}, event */
}

void virtq__reset(struct virtq *vq)
{
	virtq_mem_fn mem = vq->mem;
	void *opaque = vq->opaque;

	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	vq->opaque = opaque;
}

int virtq__enable(struct virtq *vq)
{
	uint16_t s = vq->size;

	vq->ready = false;
	if (!s || s > VIRTQ_MAX_SIZE || (s & (s - 1)))
		return -EINVAL;
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
		return -EINVAL;
	/* Writable: RAM only, never a ROM the guest can unmap later. */
	vq->desc = vq->mem(vq->opaque, vq->desc_gpa, 16ULL * s, true);
	vq->avail = vq->mem(vq->opaque, vq->avail_gpa, avail_bytes(s), true);
	vq->used = vq->mem(vq->opaque, vq->used_gpa, used_bytes(s), true);
	if (!vq->desc || !vq->avail || !vq->used)
		return -EFAULT;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->ready = true;
	return 0;
}

static void desc__read(const struct virtq *vq, uint16_t i, struct virtq_desc *d)
{
	struct virtq_desc *g = &vq->desc[i];

	d->addr = __atomic_load_n(&g->addr, __ATOMIC_RELAXED);
	d->len = __atomic_load_n(&g->len, __ATOMIC_RELAXED);
	d->flags = __atomic_load_n(&g->flags, __ATOMIC_RELAXED);
	d->next = __atomic_load_n(&g->next, __ATOMIC_RELAXED);
}

/* Check buffer @d and add it to @c, or record why the request fails. */
static void chain__add(const struct virtq *vq, struct virtq_chain *c,
		       const struct virtq_desc *d)
{
	bool write = d->flags & VIRTQ_DESC_F_WRITE;
	uint64_t total = c->out_bytes + c->in_bytes + d->len;
	void *hva;

	if (!write && c->nin) {
		c->err = -EINVAL;
		return;
	}
	if (total > VIRTQ_MAX_CHAIN_BYTES) {
		c->err = -E2BIG;
		return;
	}
	if (!d->len)
		return;
	hva = vq->mem(vq->opaque, d->addr, d->len, write);
	if (!hva) {
		c->err = -EFAULT;
		return;
	}
	c->iov[c->nout + c->nin] =
		(struct iovec){ .iov_base = hva, .iov_len = d->len };
	if (write) {
		c->nin++;
		c->in_bytes += d->len;
	} else {
		c->nout++;
		c->out_bytes += d->len;
	}
}

static int broken(struct virtq *vq, const char *why)
{
	vq->why = why;
	return -EINVAL;
}

int virtq__pop(struct virtq *vq, struct virtq_chain *c)
{
	uint16_t avail_idx, pending, i;
	struct virtq_desc d;

	if (!vq->ready)
		return 0;
	avail_idx = __atomic_load_n(&vq->avail[1], __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (!pending)
		return 0;
	if (pending > vq->size)
		return broken(vq, "avail idx more than the queue size ahead");
	i = __atomic_load_n(&vq->avail[2 + vq->last_avail % vq->size],
			    __ATOMIC_RELAXED);
	if (i >= vq->size)
		return broken(vq, "head descriptor index out of range");
	vq->last_avail++;
	c->head = i;
	c->nout = c->nin = 0;
	c->out_bytes = c->in_bytes = 0;
	c->err = 0;
	c->last_in = NULL;
	/* Walk the whole chain even after a bad buffer: the ring must hold. */
	for (unsigned int n = 0;; n++) {
		if (n == vq->size)
			return broken(vq, "descriptor chain loops");
		desc__read(vq, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return broken(vq, "indirect descriptor (not offered)");
		if (!c->err)
			chain__add(vq, c, &d);
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= vq->size)
			return broken(vq, "next descriptor index out of range");
		i = d.next;
	}
	if ((d.flags & VIRTQ_DESC_F_WRITE) && d.len) {
		uint8_t *h = vq->mem(vq->opaque, d.addr, d.len, true);

		c->last_in = h ? h + d.len - 1 : NULL;
	}
	if (c->err) {
		c->nout = c->nin = 0;
		c->out_bytes = c->in_bytes = 0;
	}
	return 1;
}

void virtq__push(struct virtq *vq, uint16_t head, uint32_t len)
{
	uint32_t *e;

	if (!vq->ready)
		return;
	e = (uint32_t *)(vq->used + 4 + 8 * (vq->used_idx % vq->size));
	__atomic_store_n(&e[0], (uint32_t)head, __ATOMIC_RELAXED);
	__atomic_store_n(&e[1], len, __ATOMIC_RELAXED);
	vq->used_idx++;
	__atomic_store_n((uint16_t *)(vq->used + 2), vq->used_idx,
			 __ATOMIC_RELEASE);
}

bool virtq__want_irq(struct virtq *vq)
{
	if (!vq->ready)
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&vq->avail[0], __ATOMIC_RELAXED) &
		 VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* @to_iov: copy @buf into the buffers of @iov, else out of them. */
static size_t iov__copy(const struct iovec *iov, unsigned int n, size_t skip,
			uint8_t *buf, size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, k;
		uint8_t *p;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		p = (uint8_t *)iov[i].iov_base + skip;
		k = l - skip < len - done ? l - skip : len - done;
		if (to_iov)
			memcpy(p, buf + done, k);
		else
			memcpy(buf + done, p, k);
		done += k;
		skip = 0;
	}
	return done;
}

size_t iov__copy_from(const struct iovec *iov, unsigned int n, size_t skip,
		      void *buf, size_t len)
{
	return iov__copy(iov, n, skip, buf, len, false);
}

size_t iov__copy_to(const struct iovec *iov, unsigned int n, size_t skip,
		    const void *buf, size_t len)
{
	/* Only read: iov__copy() writes @buf only when !to_iov. */
	return iov__copy(iov, n, skip, (uint8_t *)buf, len, true);
}

int iov__slice(const struct iovec *iov, unsigned int n, size_t skip, size_t len,
	       struct iovec *out, unsigned int max)
{
	unsigned int m = 0;

	for (unsigned int i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len, k;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		if (m == max)
			return -1;
		k = l - skip < len ? l - skip : len;
		out[m++] =
			(struct iovec){ .iov_base = (uint8_t *)iov[i].iov_base +
						    skip,
					.iov_len = k };
		len -= k;
		skip = 0;
	}
	return len ? -1 : (int)m;
}
