// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced PIO: replay the writes KVM buffered instead of exiting.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "zapvm/bus.h"
#include "zapvm/coalesced.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/vmcore.h"

void coalesced__init(struct coalesced *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
}

void coalesced__probe(struct vm *vm, bool enable)
{
	struct coalesced *c = &vm->coalesced;
	int off;

	if (!enable)
		return;
	/* KVM_CAP_COALESCED_MMIO gives the ring's page in the mapping. */
	off = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	if (off <= 0 ||
	    ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0) {
		log_debug("coalesced PIO: not supported by this kernel");
		return;
	}
	c->page_off = (unsigned int)off;
}

void coalesced__map(struct vm *vm, struct vcpu *v)
{
	struct coalesced *c = &vm->coalesced;
	long page = sysconf(_SC_PAGESIZE);
	size_t at;

	if (!c->page_off || page <= 0)
		return;
	at = (size_t)c->page_off * (size_t)page;
	if (at + (size_t)page > v->run_size) {
		log_debug("coalesced PIO: ring page %u outside kvm_run",
			  c->page_off);
		c->page_off = 0;
		return;
	}
	c->ring = (struct kvm_coalesced_mmio_ring *)((uint8_t *)v->run + at);
	c->max = (uint32_t)(((size_t)page - sizeof(*c->ring)) /
			    sizeof(struct kvm_coalesced_mmio));
}

static int zone(struct vm *vm, unsigned long req, uint16_t port, uint32_t len)
{
	struct kvm_coalesced_mmio_zone z = {
		.addr = port,
		.size = len,
		.pio = 1,
	};

	if (!vm->coalesced.page_off)
		return -EOPNOTSUPP;
	if (ioctl(vm->vm_fd, req, &z) < 0)
		return -errno;
	return 0;
}

int coalesced__add(struct vm *vm, uint16_t port, uint32_t len)
{
	return zone(vm, KVM_REGISTER_COALESCED_MMIO, port, len);
}

int coalesced__del(struct vm *vm, uint16_t port, uint32_t len)
{
	return zone(vm, KVM_UNREGISTER_COALESCED_MMIO, port, len);
}

int coalesced__replay(struct vm *vm, struct vcpu *v)
{
	struct coalesced *c = &vm->coalesced;
	struct kvm_coalesced_mmio_ring *r = c->ring;
	uint32_t first;
	int ret = 0;

	if (!r || __atomic_load_n(&r->first, __ATOMIC_RELAXED) ==
			  __atomic_load_n(&r->last, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&c->lock);
	first = __atomic_load_n(&r->first, __ATOMIC_RELAXED);
	while (first != __atomic_load_n(&r->last, __ATOMIC_ACQUIRE)) {
		/* One copy: the entry is in memory KVM writes. */
		struct kvm_coalesced_mmio e;
		const struct bus_range *b;

		if (first >= c->max) {
			/* Only a broken kernel gets here: drop the ring. */
			log_err("coalesced PIO: ring index %u >= %u", first,
				c->max);
			first = __atomic_load_n(&r->last, __ATOMIC_ACQUIRE);
			ret = ret ? ret : -EIO;
			break;
		}
		memcpy(&e, &r->coalesced_mmio[first], sizeof(e));
		first = (first + 1) % c->max;
		c->replayed++;
		if (e.len > sizeof(e.data) || !e.pio)
			continue;
		b = bus__find(&vm->pio, e.phys_addr, e.len);
		if (b) {
			int err = b->handler(v, e.phys_addr, e.data, e.len,
					     true, b->opaque);

			ret = ret ? ret : err;
		}
	}
	__atomic_store_n(&r->first, first, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void coalesced__exit(struct coalesced *c)
{
	pthread_mutex_destroy(&c->lock);
}
