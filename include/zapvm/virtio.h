/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtio 1.x (modern only, no legacy interface) for zapvm: split virtqueues
 * walked on the host side (src/devices/virtqueue.c, pure logic: guest memory is
 * reached through a callback) and the PCI transport (src/devices/
 * virtio-pci.c) that virtio-blk and virtio-console sit on.
 *
 * A guest is hostile until proven otherwise: every index, address and
 * length a ring holds is checked before use. A malformed request (a buffer
 * outside guest RAM, a chain longer than VIRTQ_MAX_CHAIN_BYTES, a readable
 * buffer after a writable one) fails that request; a malformed ring (a head
 * or next index out of range, a loop, avail idx running more than the queue
 * size ahead, an indirect descriptor, which is never offered) breaks the
 * device: it sets DEVICE_NEEDS_RESET and ignores the queue until reset.
 */
#ifndef ZAPVM_VIRTIO_H
#define ZAPVM_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Device status bits (virtio 1.x, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* Transport feature bits. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Split virtqueue layout (virtio 1.x, 2.6). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* The largest queue zapvm's devices offer (a power of two). */
#define VIRTQ_MAX_SIZE 256
/* A chain's buffers may add up to at most this many bytes. */
#define VIRTQ_MAX_CHAIN_BYTES (64U << 20)

/*
 * The host address of [@gpa, @gpa + @len) of guest RAM, writable if
 * @write, or NULL. In zapvm this is vm__guest_mem(), which only ever
 * returns guest RAM (and ROM for reads).
 */
typedef void *(*virtq_mem_fn)(void *opaque, uint64_t gpa, uint64_t len,
			      bool write);

struct virtq {
	/* Set by the transport from the driver's queue configuration. */
	uint16_t size; /* 0: not configured */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	virtq_mem_fn mem;
	void *opaque;

	/* Owned by virtqueue.c. */
	bool ready;
	struct virtq_desc *desc; /* the rings' host addresses */
	uint16_t *avail; /* flags, idx, ring[size] */
	uint8_t *used; /* flags, idx, ring[size] of {id, len} */
	uint16_t last_avail; /* next avail entry to take */
	uint16_t used_idx;
	const char *why; /* what broke the ring, after virtq__pop() < 0 */
};

/* A popped request: its head and its buffers, readable ones first. */
struct virtq_chain {
	uint16_t head;
	unsigned int nout, nin; /* readable, writable buffers */
	struct iovec iov[VIRTQ_MAX_SIZE]; /* [0, nout) then [nout, nout+nin) */
	uint64_t out_bytes, in_bytes;
	/*
	 * The last byte of the chain's final buffer if that buffer is
	 * device-writable, non-empty and in guest RAM (where virtio-blk's
	 * status byte goes), even when err is set; else NULL.
	 */
	uint8_t *last_in;
	/*
	 * 0, or why the request must fail: -EFAULT (a buffer outside guest
	 * RAM), -E2BIG (more than VIRTQ_MAX_CHAIN_BYTES), -EINVAL (a readable
	 * buffer after a writable one). The ring is intact: the device
	 * completes the request with an error; iov[] is empty then.
	 */
	int err;
};

/*
 * virtq__enable - check the configuration in @vq (size a power of two up to
 * VIRTQ_MAX_SIZE, ring addresses aligned and wholly in guest RAM) and make
 * the queue ready. 0, or -EINVAL (bad size or alignment), -EFAULT (a ring
 * outside RAM); the queue stays unready then.
 */
int virtq__enable(struct virtq *vq);

/* virtq__reset - forget the queue's configuration and position. */
void virtq__reset(struct virtq *vq);

/*
 * virtq__pop - take the next available chain into @c. Returns 1 with a
 * chain (check c->err), 0 when the ring is empty, or -EINVAL when the ring
 * itself is broken (head or next index out of range, a loop, an indirect
 * descriptor, avail idx more than the size ahead; @vq->why says which): the
 * device must stop using the queue. Never reads or writes outside what @vq->mem returns.
 */
int virtq__pop(struct virtq *vq, struct virtq_chain *c);

/*
 * virtq__push - return chain @head to the driver with @len bytes written
 * into its writable buffers.
 */
void virtq__push(struct virtq *vq, uint16_t head, uint32_t len);

/*
 * virtq__want_irq - whether the driver wants an interrupt for used buffers
 * (VIRTQ_AVAIL_F_NO_INTERRUPT clear; no EVENT_IDX).
 */
bool virtq__want_irq(struct virtq *vq);

/*
 * iov__copy_from, iov__copy_to - copy up to @len bytes between @buf and the
 * @n buffers of @iov, starting @skip bytes into them. Return the bytes
 * copied.
 */
size_t iov__copy_from(const struct iovec *iov, unsigned int n, size_t skip,
		      void *buf, size_t len);
size_t iov__copy_to(const struct iovec *iov, unsigned int n, size_t skip,
		    const void *buf, size_t len);

/*
 * iov__slice - fill @out (room for @max) with the part [@skip, @skip +
 * @len) of the @n buffers of @iov. Returns the number of entries, or -1
 * when @iov holds fewer bytes or @out too few entries.
 */
int iov__slice(const struct iovec *iov, unsigned int n, size_t skip, size_t len,
	       struct iovec *out, unsigned int max);

/* ---- the PCI transport (src/devices/virtio-pci.c) -------------------- */

struct vm;
struct device_ops;
struct virtio_pci;

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + virtio device ID: modern only */
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_MAX_QUEUES 8
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* Vendor capability types (virtio 1.x, 4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/*
 * The layout of BAR 0 (memory, 16 KiB) and BAR 1 (memory, 4 KiB: MSI-X
 * table at 0, PBA at 0x800). The notify address of queue q is
 * VIRTIO_PCI_NOTIFY + q * VIRTIO_PCI_NOTIFY_MULT.
 */
#define VIRTIO_PCI_BAR0_SIZE 0x4000
#define VIRTIO_PCI_COMMON 0x0000
#define VIRTIO_PCI_COMMON_SIZE 0x38
#define VIRTIO_PCI_ISR 0x1000
#define VIRTIO_PCI_DEVCFG 0x2000
#define VIRTIO_PCI_DEVCFG_MAX 0x100
#define VIRTIO_PCI_NOTIFY 0x3000
#define VIRTIO_PCI_NOTIFY_MULT 4
#define VIRTIO_PCI_BAR1_SIZE 0x1000
#define VIRTIO_PCI_MSIX_PBA 0x800

/* What a virtio device tells the transport. */
struct virtio_dev_ops {
	const char *name; /* "virtio-blk0", for messages */
	uint16_t device_id; /* VIRTIO_ID_* */
	uint32_t class_code;
	uint64_t features; /* the device's; VERSION_1 is added */
	unsigned int nqueues; /* <= VIRTIO_MAX_QUEUES */
	uint16_t queue_size; /* the most each queue offers */
	const uint8_t *cfg; /* device-specific config, read-only */
	unsigned int cfg_size; /* <= VIRTIO_PCI_DEVCFG_MAX */
	/*
	 * The driver notified queue @q (ready, DRIVER_OK set); runs on the
	 * vCPU thread with the transport's lock held.
	 */
	void (*notify)(struct virtio_pci *vp, unsigned int q, void *opaque);
	/* The driver reset the device; the lock is held. May be NULL. */
	void (*reset)(struct virtio_pci *vp, void *opaque);
	void *opaque;
};

/*
 * virtio_pci__create - a virtio PCI function for @ops registered on @vm's
 * PCI bus. Returns it, or NULL after logging one line (*@err = -errno).
 */
struct virtio_pci *
virtio_pci__create(struct vm *vm, const struct virtio_dev_ops *ops, int *err);
/* virtio_pci__destroy - unregister and free @vp (NULL is fine). */
void virtio_pci__destroy(struct virtio_pci *vp);

/*
 * virtio_pci__queue - queue @q of @vp if the driver made it ready and the
 * device runs (DRIVER_OK, not broken), else NULL. Call with the lock held.
 */
struct virtq *virtio_pci__queue(struct virtio_pci *vp, unsigned int q);

/*
 * virtio_pci__used - buffers of queue @q were used: interrupt the driver
 * if it wants one (MSI-X vector or INTx with the ISR). Lock held.
 */
void virtio_pci__used(struct virtio_pci *vp, unsigned int q);

/*
 * virtio_pci__broken - the driver broke the device (@why, logged once at
 * -v): set DEVICE_NEEDS_RESET, send a configuration interrupt, and ignore
 * the queues until the driver resets. Lock held.
 */
void virtio_pci__broken(struct virtio_pci *vp, const char *why);

/* virtio_pci__lock, virtio_pci__unlock - the transport's lock. */
void virtio_pci__lock(struct virtio_pci *vp);
void virtio_pci__unlock(struct virtio_pci *vp);

/* virtio_pci__features - the features the driver accepted. Lock held. */
uint64_t virtio_pci__features(struct virtio_pci *vp);

/* Device entries for the boot paths' device tables (after pci_device). */
extern const struct device_ops virtio_blk_device;
extern const struct device_ops virtio_console_device;

#endif /* ZAPVM_VIRTIO_H */
