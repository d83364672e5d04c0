/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Coalesced PIO (KVM_CAP_COALESCED_PIO, Linux 4.19): a guest write to a
 * registered port range does not exit to userspace; KVM appends it to a
 * ring in the vCPUs' shared mapping, and zapvm replays the ring through
 * the PIO bus, in order, before it handles any exit of any vCPU. zapvm
 * uses it for the UART's transmit register while the guest polls it (the
 * THR-empty interrupt off): a polled console write then costs one exit a
 * character (the LSR read) instead of two.
 */
#ifndef ZAPVM_COALESCED_H
#define ZAPVM_COALESCED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct kvm_coalesced_mmio_ring;

struct coalesced {
	pthread_mutex_t lock; /* one replayer at a time */
	unsigned int page_off; /* ring page in the vCPU mapping; 0: none */
	struct kvm_coalesced_mmio_ring *ring; /* NULL until mapped */
	uint32_t max; /* ring entries */
	uint64_t replayed; /* writes replayed so far */
};

/* coalesced__init - an empty, disabled state (before the VM exists). */
void coalesced__init(struct coalesced *c);

/*
 * coalesced__probe - enable coalesced PIO on the VM if @enable and the
 * kernel supports it; otherwise every other call is a no-op
 * (coalesced__add() returns -EOPNOTSUPP).
 */
void coalesced__probe(struct vm *vm, bool enable);

/*
 * coalesced__map - point at the ring in @v's kvm_run mapping (vCPU 0's,
 * KVM_GET_VCPU_MMAP_SIZE bytes: coalesced__probe() checked it holds it).
 */
void coalesced__map(struct vm *vm, struct vcpu *v);

/*
 * coalesced__add / coalesced__del - start or stop coalescing guest writes
 * to ports [@port, @port + @len). 0 or -errno; the caller replays nothing
 * itself: writes already in the ring are replayed at the next exit.
 */
int coalesced__add(struct vm *vm, uint16_t port, uint32_t len);
int coalesced__del(struct vm *vm, uint16_t port, uint32_t len);

/*
 * coalesced__replay - hand every write in the ring to its PIO handler as
 * if @v had made it. Called by each vCPU before it handles an exit, by the
 * main thread every 100 ms (for writes no exit follows), and once more
 * after the vCPUs stopped. Never call it with a device lock
 * held. Returns 0 or the first handler error (the entry is dropped).
 */
int coalesced__replay(struct vm *vm, struct vcpu *v);

/* coalesced__exit - release the lock (the ring is the vCPU's mapping). */
void coalesced__exit(struct coalesced *c);

#endif /* ZAPVM_COALESCED_H */
