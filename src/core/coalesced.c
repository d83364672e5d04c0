// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced PIO: replay the writes KVM buffered instead of exiting.
 */
#include <errno.h>
#include <string.h>
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
	long page = sysconf(_SC_PAGESIZE);
	long off, run_size;

	if (!enable || page <= 0)
		return;
	/* KVM_CAP_COALESCED_MMIO gives the ring's page in the mapping. */
	off = kvm__check(vm->vm_fd, KVM_CAP_COALESCED_MMIO);
	if (!off || !kvm__check(vm->vm_fd, KVM_CAP_COALESCED_PIO)) {
		log_debug("coalesced PIO: not supported by this kernel");
		return;
	}
	/*
	 * Checked now, before a device registers a zone: once one does, the
	 * ring must be there to replay what the guest writes.
	 */
	run_size = kvm_ioctl_quiet(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (run_size < (off + 1) * page) {
		log_debug("coalesced PIO: ring page %ld outside kvm_run", off);
		return;
	}
	c->page_off = (unsigned int)off;
}

void coalesced__map(struct vm *vm, struct vcpu *v)
{
	struct coalesced *c = &vm->coalesced;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (!c->page_off)
		return;
	c->ring = (struct kvm_coalesced_mmio_ring *)((uint8_t *)v->run +
						     c->page_off * page);
	c->max = (uint32_t)((page - sizeof(*c->ring)) /
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
	return kvm_ioctl_quiet(vm->vm_fd, req, &z);
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
