// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio PCI transport, modern interface only (virtio 1.x, 4.1): device
 * IDs 0x1040 + N, revision 1, no legacy I/O BAR, so drivers that only speak
 * virtio 0.9.5 do not bind. BAR 0 holds the common configuration, the ISR,
 * the device configuration and the notify area; BAR 1 holds the MSI-X table
 * and PBA. Without MSI-X the device raises INTx through the PCI core and the
 * ISR register says why. The optional VIRTIO_PCI_CAP_PCI_CFG window is not
 * provided (Linux does not use it).
 *
 * Locking: vp->lock guards the transport and the device's queues; BAR
 * handlers and the device's own threads take it. vp->msix_lock guards the
 * MSI-X table and PBA only, and is never held while calling the PCI core,
 * whose configuration writes call us back (msix cfg_write).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/virtio.h"
#include "zapvm/vmcore.h"

#define MSIX_VECS (VIRTIO_MAX_QUEUES + 1)
#define MSIX_ENTRY_MASKED 1
#define MSIX_CTRL_ENABLE 0x80 /* in the high byte of message control */
#define MSIX_CTRL_MASKALL 0x40

#define ISR_QUEUE 1
#define ISR_CONFIG 2

/* Configuration space: MSI-X, then the virtio capabilities. */
#define CAP_MSIX 0x40
#define CAP_COMMON 0x4c
#define CAP_NOTIFY 0x5c
#define CAP_ISR 0x70
#define CAP_DEVCFG 0x80

/* struct virtio_pci_common_cfg offsets. */
#define CC_DFSELECT 0x00
#define CC_DF 0x04
#define CC_GFSELECT 0x08
#define CC_GF 0x0c
#define CC_MSIX 0x10
#define CC_NUMQ 0x12
#define CC_STATUS 0x14
#define CC_CFGGEN 0x15
#define CC_Q_SELECT 0x16
#define CC_Q_SIZE 0x18
#define CC_Q_MSIX 0x1a
#define CC_Q_ENABLE 0x1c
#define CC_Q_NOFF 0x1e
#define CC_Q_DESC 0x20
#define CC_Q_AVAIL 0x28
#define CC_Q_USED 0x30

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct vp_queue {
	struct virtq vq;
	uint16_t vector;
	bool enabled;
};

struct virtio_pci {
	struct pci_dev pci;
	struct vm *vm;
	struct virtio_dev_ops ops;
	bool registered;

	pthread_mutex_t lock;
	uint64_t dev_features, drv_features;
	uint32_t dfselect, gfselect;
	uint16_t msix_config;
	uint8_t status;
	uint8_t isr;
	bool irq_level;
	uint16_t qsel;
	struct vp_queue q[VIRTIO_MAX_QUEUES];
	bool broken;
	bool irqchip; /* interrupts can be delivered at all */
	bool warned_broken, warned_notify, warned_features, warned_irq;

	pthread_mutex_t msix_lock;
	struct msix_entry table[MSIX_VECS];
	uint32_t pba;
};

static void *vp__mem(void *opaque, uint64_t gpa, uint64_t len, bool write)
{
	return vm__guest_mem(opaque, gpa, len, write);
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* ---- interrupts ------------------------------------------------------ */

static uint8_t msix_ctrl(struct virtio_pci *vp)
{
	return __atomic_load_n(&vp->pci.cfg[CAP_MSIX + 3], __ATOMIC_RELAXED);
}

static void msix__signal(struct virtio_pci *vp, unsigned int v)
{
	const struct msix_entry *e = &vp->table[v];
	int ret = vm__signal_msi(
		vp->vm, (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);

	if (ret && !vp->warned_irq) {
		vp->warned_irq = true;
		log_info("%s: cannot deliver MSI-X vector %u: %s (logged once)",
			 vp->ops.name, v, strerror(-ret));
	}
}

/* Deliver vector @v, or leave it pending while masked. msix_lock held. */
static void msix__fire(struct virtio_pci *vp, unsigned int v)
{
	if ((msix_ctrl(vp) & MSIX_CTRL_MASKALL) ||
	    (vp->table[v].ctrl & MSIX_ENTRY_MASKED)) {
		vp->pba |= 1u << v;
		return;
	}
	msix__signal(vp, v);
}

/* Deliver what is pending and no longer masked. msix_lock held. */
static void msix__flush(struct virtio_pci *vp)
{
	if (!(msix_ctrl(vp) & MSIX_CTRL_ENABLE) ||
	    (msix_ctrl(vp) & MSIX_CTRL_MASKALL))
		return;
	for (unsigned int v = 0; v < MSIX_VECS; v++) {
		if ((vp->pba & (1u << v)) &&
		    !(vp->table[v].ctrl & MSIX_ENTRY_MASKED)) {
			vp->pba &= ~(1u << v);
			msix__signal(vp, v);
		}
	}
}

static void intx__set(struct virtio_pci *vp, bool level)
{
	int ret;

	if (vp->irq_level == level || !vp->irqchip)
		return;
	vp->irq_level = level;
	ret = pci__set_irq(&vp->pci, level);
	if (ret) {
		vp->irqchip = false; /* do not try again */
		log_info("%s: cannot drive INTx: %s; no more interrupts",
			 vp->ops.name, strerror(-ret));
	}
}

/* Interrupt the driver for @vector (MSI-X) or with @isr (INTx). */
static void vp__interrupt(struct virtio_pci *vp, uint16_t vector, uint8_t isr)
{
	/*
	 * Without an irqchip (test guests) MSI-X still keeps its PBA, and a
	 * delivery fails (logged once); INTx is not driven at all.
	 */
	if (msix_ctrl(vp) & MSIX_CTRL_ENABLE) {
		if (vector >= MSIX_VECS)
			return; /* NO_VECTOR: the driver wants none */
		pthread_mutex_lock(&vp->msix_lock);
		msix__fire(vp, vector);
		pthread_mutex_unlock(&vp->msix_lock);
		return;
	}
	vp->isr |= isr;
	intx__set(vp, true);
}

/* The guest wrote MSI-X message control: an unmask releases the PBA. */
static void vp__cfg_write(struct pci_dev *d, unsigned int off, unsigned int len,
			  void *opaque)
{
	struct virtio_pci *vp = opaque;

	if (off + len <= CAP_MSIX + 2 || off >= CAP_MSIX + 4)
		return;
	pthread_mutex_lock(&vp->msix_lock);
	msix__flush(vp);
	pthread_mutex_unlock(&vp->msix_lock);
}

static int vp__bar1(struct vcpu *v, uint64_t addr, uint8_t *data, uint32_t len,
		    bool is_write, void *opaque)
{
	struct virtio_pci *vp = opaque;
	uint64_t off = addr - pci__bar_addr(&vp->pci, 1);

	if (!is_write)
		memset(data, 0, len);
	/* The table and the PBA take aligned 4- and 8-byte accesses. */
	if ((len != 4 && len != 8) || off % len)
		return 0;
	pthread_mutex_lock(&vp->msix_lock);
	if (off < sizeof(vp->table)) {
		uint8_t *e = (uint8_t *)vp->table;

		if (!is_write) {
			memcpy(data, e + off, len);
		} else {
			memcpy(e + off, data, len);
			msix__flush(vp);
		}
	} else if (off == VIRTIO_PCI_MSIX_PBA && !is_write) {
		put_le(data, vp->pba, 4);
	}
	pthread_mutex_unlock(&vp->msix_lock);
	return 0;
}

/* ---- the common configuration ---------------------------------------- */

static void vp__reset(struct virtio_pci *vp)
{
	vp->status = 0;
	vp->drv_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->msix_config = VIRTIO_MSI_NO_VECTOR;
	vp->qsel = 0;
	vp->broken = false;
	vp->isr = 0;
	intx__set(vp, false);
	for (unsigned int i = 0; i < vp->ops.nqueues; i++) {
		virtq__reset(&vp->q[i].vq);
		vp->q[i].vq.size = vp->ops.queue_size;
		vp->q[i].vector = VIRTIO_MSI_NO_VECTOR;
		vp->q[i].enabled = false;
	}
	if (vp->ops.reset)
		vp->ops.reset(vp, vp->ops.opaque);
}

static struct vp_queue *vp__selected(struct virtio_pci *vp)
{
	return vp->qsel < vp->ops.nqueues ? &vp->q[vp->qsel] : NULL;
}

static void vp__common_read(struct virtio_pci *vp, uint64_t off, uint8_t *data,
			    uint32_t len)
{
	uint8_t c[VIRTIO_PCI_COMMON_SIZE] = { 0 };
	struct vp_queue *q = vp__selected(vp);

	put_le(c + CC_DFSELECT, vp->dfselect, 4);
	if (vp->dfselect < 2)
		put_le(c + CC_DF, vp->dev_features >> (32 * vp->dfselect), 4);
	put_le(c + CC_GFSELECT, vp->gfselect, 4);
	if (vp->gfselect < 2)
		put_le(c + CC_GF, vp->drv_features >> (32 * vp->gfselect), 4);
	put_le(c + CC_MSIX, vp->msix_config, 2);
	put_le(c + CC_NUMQ, vp->ops.nqueues, 2);
	c[CC_STATUS] = vp->status;
	c[CC_CFGGEN] = 0; /* the device configuration never changes */
	put_le(c + CC_Q_SELECT, vp->qsel, 2);
	if (q) {
		put_le(c + CC_Q_SIZE, q->vq.size, 2);
		put_le(c + CC_Q_MSIX, q->vector, 2);
		put_le(c + CC_Q_ENABLE, q->enabled, 2);
		put_le(c + CC_Q_NOFF, vp->qsel, 2);
		put_le(c + CC_Q_DESC, q->vq.desc_gpa, 8);
		put_le(c + CC_Q_AVAIL, q->vq.avail_gpa, 8);
		put_le(c + CC_Q_USED, q->vq.used_gpa, 8);
	}
	memset(data, 0, len);
	if (off < sizeof(c))
		memcpy(data, c + off,
		       off + len <= sizeof(c) ? len : sizeof(c) - off);
}

static void vp__set_status(struct virtio_pci *vp, uint8_t val)
{
	uint8_t old = vp->status & ~VIRTIO_STATUS_NEEDS_RESET;
	uint8_t new = val & ~VIRTIO_STATUS_NEEDS_RESET;

	if (!val) {
		vp__reset(vp);
		return;
	}
	if (old & ~new)
		return; /* only a reset clears bits */
	if ((new &VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK)) {
		const char *why = NULL;

		if (!(vp->drv_features & (1ULL << VIRTIO_F_VERSION_1)))
			why = "without VIRTIO_F_VERSION_1 (legacy drivers are "
			      "not supported)";
		else if (vp->drv_features & ~vp->dev_features)
			why = "with features the device did not offer";
		if (why) {
			new &= ~VIRTIO_STATUS_FEATURES_OK;
			if (!vp->warned_features) {
				vp->warned_features = true;
				log_info("%s: FEATURES_OK refused: driver "
					 "features 0x%llx %s",
					 vp->ops.name,
					 (unsigned long long)vp->drv_features,
					 why);
			}
		}
	}
	if (!(new &VIRTIO_STATUS_FEATURES_OK))
		new &= ~VIRTIO_STATUS_DRIVER_OK;
	vp->status = new | (vp->broken ? VIRTIO_STATUS_NEEDS_RESET : 0);
	/* Buffers made available before DRIVER_OK were not looked at. */
	if ((new &VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
		for (unsigned int i = 0; i < vp->ops.nqueues; i++)
			if (virtio_pci__queue(vp, i))
				vp->ops.notify(vp, i, vp->ops.opaque);
}

static void vp__queue_enable(struct virtio_pci *vp, struct vp_queue *q)
{
	int ret;

	if (q->enabled)
		return;
	ret = q->vq.size > vp->ops.queue_size ? -EINVAL : virtq__enable(&q->vq);
	if (ret) {
		virtio_pci__broken(vp,
				   ret == -EFAULT ?
					   "a ring lies outside guest RAM" :
					   "bad queue size or ring alignment");
		return;
	}
	q->enabled = true;
}

static void vp__common_write(struct virtio_pci *vp, uint64_t off,
			     const uint8_t *data, uint32_t len)
{
	uint64_t v = get_le(data, len);
	struct vp_queue *q = vp__selected(vp);
	bool q_writable = q && !q->enabled;
	uint64_t *addr = NULL;

	switch (off) {
	case CC_DFSELECT:
		if (len == 4)
			vp->dfselect = (uint32_t)v;
		return;
	case CC_GFSELECT:
		if (len == 4)
			vp->gfselect = (uint32_t)v;
		return;
	case CC_GF:
		if (len != 4 || vp->gfselect > 1 ||
		    (vp->status & VIRTIO_STATUS_FEATURES_OK))
			return;
		vp->drv_features &= ~(0xffffffffULL << (32 * vp->gfselect));
		vp->drv_features |= v << (32 * vp->gfselect);
		return;
	case CC_MSIX:
		if (len == 2)
			vp->msix_config = v < MSIX_VECS ? (uint16_t)v :
							  VIRTIO_MSI_NO_VECTOR;
		return;
	case CC_STATUS:
		if (len == 1)
			vp__set_status(vp, (uint8_t)v);
		return;
	case CC_Q_SELECT:
		if (len == 2)
			vp->qsel = (uint16_t)v;
		return;
	case CC_Q_SIZE:
		if (len == 2 && q_writable)
			q->vq.size = (uint16_t)v;
		return;
	case CC_Q_MSIX:
		if (len == 2 && q)
			q->vector = v < MSIX_VECS ? (uint16_t)v :
						    VIRTIO_MSI_NO_VECTOR;
		return;
	case CC_Q_ENABLE:
		if (len == 2 && q && v == 1)
			vp__queue_enable(vp, q);
		return;
	default:
		break;
	}
	/* The ring addresses: 8 bytes at once or 4-byte halves. */
	if (!q_writable || off < CC_Q_DESC || off >= VIRTIO_PCI_COMMON_SIZE)
		return;
	switch ((off - CC_Q_DESC) / 8) {
	case 0:
		addr = &q->vq.desc_gpa;
		break;
	case 1:
		addr = &q->vq.avail_gpa;
		break;
	default:
		addr = &q->vq.used_gpa;
		break;
	}
	if (off % 8 == 0 && len == 8)
		*addr = v;
	else if (off % 8 == 0 && len == 4)
		*addr = (*addr & ~0xffffffffULL) | v;
	else if (off % 8 == 4 && len == 4)
		*addr = (*addr & 0xffffffffULL) | v << 32;
}

static void vp__notify(struct virtio_pci *vp, uint64_t off)
{
	uint64_t q = off / VIRTIO_PCI_NOTIFY_MULT;

	if (off % VIRTIO_PCI_NOTIFY_MULT || q >= vp->ops.nqueues) {
		if (!vp->warned_notify) {
			vp->warned_notify = true;
			log_info("%s: notify of nonexistent queue %llu ignored "
				 "(logged once)",
				 vp->ops.name, (unsigned long long)q);
		}
		return;
	}
	if (virtio_pci__queue(vp, (unsigned int)q))
		vp->ops.notify(vp, (unsigned int)q, vp->ops.opaque);
}

static int vp__bar0(struct vcpu *v, uint64_t addr, uint8_t *data, uint32_t len,
		    bool is_write, void *opaque)
{
	struct virtio_pci *vp = opaque;
	uint64_t off = addr - pci__bar_addr(&vp->pci, 0);

	if (!is_write)
		memset(data, 0, len);
	pthread_mutex_lock(&vp->lock);
	if (off < VIRTIO_PCI_ISR) {
		if (is_write)
			vp__common_write(vp, off, data, len);
		else
			vp__common_read(vp, off, data, len);
	} else if (off == VIRTIO_PCI_ISR) {
		if (!is_write) {
			data[0] = vp->isr;
			vp->isr = 0;
			intx__set(vp, false);
		}
	} else if (off >= VIRTIO_PCI_DEVCFG &&
		   off < VIRTIO_PCI_DEVCFG + VIRTIO_PCI_DEVCFG_MAX) {
		uint64_t o = off - VIRTIO_PCI_DEVCFG;

		/* Read-only: every device's writable fields are not offered. */
		if (!is_write && o < vp->ops.cfg_size)
			memcpy(data, vp->ops.cfg + o,
			       o + len <= vp->ops.cfg_size ?
				       len :
				       vp->ops.cfg_size - o);
	} else if (off >= VIRTIO_PCI_NOTIFY && is_write) {
		vp__notify(vp, off - VIRTIO_PCI_NOTIFY);
	}
	pthread_mutex_unlock(&vp->lock);
	return 0;
}

/* ---- the device's side ----------------------------------------------- */

struct virtq *virtio_pci__queue(struct virtio_pci *vp, unsigned int q)
{
	if (q >= vp->ops.nqueues || !vp->q[q].enabled || vp->broken ||
	    !(vp->status & VIRTIO_STATUS_DRIVER_OK))
		return NULL;
	return &vp->q[q].vq;
}

void virtio_pci__used(struct virtio_pci *vp, unsigned int q)
{
	if (q < vp->ops.nqueues && virtq__want_irq(&vp->q[q].vq))
		vp__interrupt(vp, vp->q[q].vector, ISR_QUEUE);
}

void virtio_pci__broken(struct virtio_pci *vp, const char *why)
{
	if (vp->broken)
		return;
	vp->broken = true;
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (!vp->warned_broken) {
		vp->warned_broken = true;
		log_info("%s: device needs reset: %s (logged once)",
			 vp->ops.name, why);
	}
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		vp__interrupt(vp, vp->msix_config, ISR_CONFIG);
}

void virtio_pci__lock(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->lock);
}

void virtio_pci__unlock(struct virtio_pci *vp)
{
	pthread_mutex_unlock(&vp->lock);
}

uint64_t virtio_pci__features(struct virtio_pci *vp)
{
	return vp->drv_features;
}

/* A vendor capability: virtio_pci_cap, @extra bytes after it. */
static void vp__cap(uint8_t *cfg, unsigned int at, uint8_t next, uint8_t type,
		    uint32_t off, uint32_t len, unsigned int extra)
{
	cfg[at] = 0x09; /* vendor specific */
	cfg[at + 1] = next;
	cfg[at + 2] = (uint8_t)(16 + extra);
	cfg[at + 3] = type;
	cfg[at + 4] = 0; /* BAR 0 */
	put_le(cfg + at + 8, off, 4);
	put_le(cfg + at + 12, len, 4);
}

struct virtio_pci *
virtio_pci__create(struct vm *vm, const struct virtio_dev_ops *ops, int *err)
{
	struct virtio_pci *vp;
	uint8_t *cfg;
	int ret;

	if (ops->nqueues > VIRTIO_MAX_QUEUES ||
	    ops->cfg_size > VIRTIO_PCI_DEVCFG_MAX ||
	    ops->queue_size > VIRTQ_MAX_SIZE) {
		log_err("%s: bad virtio device description", ops->name);
		*err = -EINVAL;
		return NULL;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp) {
		log_err("%s: out of memory", ops->name);
		*err = -ENOMEM;
		return NULL;
	}
	vp->vm = vm;
	vp->ops = *ops;
	/* Without the in-kernel irqchip (test guests) nothing is delivered. */
	for (unsigned int i = 0; i < vm->boot->ndevices; i++)
		vp->irqchip |= vm->boot->devices[i] == &irqchip_device;
	vp->dev_features = ops->features | 1ULL << VIRTIO_F_VERSION_1;
	pthread_mutex_init(&vp->lock, NULL);
	pthread_mutex_init(&vp->msix_lock, NULL);
	for (unsigned int i = 0; i < ops->nqueues; i++) {
		vp->q[i].vq.mem = vp__mem;
		vp->q[i].vq.opaque = vm;
	}
	vp__reset(vp);
	for (unsigned int i = 0; i < MSIX_VECS; i++)
		vp->table[i].ctrl = MSIX_ENTRY_MASKED;

	vp->pci.name = ops->name;
	vp->pci.vendor_id = VIRTIO_PCI_VENDOR;
	vp->pci.device_id = VIRTIO_PCI_DEVICE_BASE + ops->device_id;
	vp->pci.subsys_vendor_id = VIRTIO_PCI_VENDOR;
	vp->pci.subsys_id = 0x1100;
	vp->pci.revision = 1; /* modern */
	vp->pci.class_code = ops->class_code;
	vp->pci.irq_pin = 1;
	vp->pci.bars[0] = (struct pci_bar){ PCI_BAR_MEM32, VIRTIO_PCI_BAR0_SIZE,
					    vp__bar0, vp };
	vp->pci.bars[1] = (struct pci_bar){ PCI_BAR_MEM32, VIRTIO_PCI_BAR1_SIZE,
					    vp__bar1, vp };
	vp->pci.cfg_write = vp__cfg_write;
	vp->pci.opaque = vp;

	cfg = vp->pci.cfg;
	cfg[CAP_MSIX] = 0x11;
	cfg[CAP_MSIX + 1] = CAP_COMMON;
	put_le(cfg + CAP_MSIX + 2, MSIX_VECS - 1, 2);
	put_le(cfg + CAP_MSIX + 4, 0 | 1, 4); /* table at 0 of BAR 1 */
	put_le(cfg + CAP_MSIX + 8, VIRTIO_PCI_MSIX_PBA | 1, 4);
	vp__cap(cfg, CAP_COMMON, CAP_NOTIFY, VIRTIO_PCI_CAP_COMMON_CFG,
		VIRTIO_PCI_COMMON, VIRTIO_PCI_COMMON_SIZE, 0);
	vp__cap(cfg, CAP_NOTIFY, CAP_ISR, VIRTIO_PCI_CAP_NOTIFY_CFG,
		VIRTIO_PCI_NOTIFY, ops->nqueues * VIRTIO_PCI_NOTIFY_MULT, 4);
	put_le(cfg + CAP_NOTIFY + 16, VIRTIO_PCI_NOTIFY_MULT, 4);
	vp__cap(cfg, CAP_ISR, CAP_DEVCFG, VIRTIO_PCI_CAP_ISR_CFG,
		VIRTIO_PCI_ISR, 1, 0);
	vp__cap(cfg, CAP_DEVCFG, 0, VIRTIO_PCI_CAP_DEVICE_CFG,
		VIRTIO_PCI_DEVCFG, ops->cfg_size ? ops->cfg_size : 1, 0);
	vp->pci.cap_ptr = CAP_MSIX;
	vp->pci.wmask[CAP_MSIX + 3] = MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL;

	ret = pci__register(vm, &vp->pci);
	if (ret) {
		*err = ret;
		virtio_pci__destroy(vp);
		return NULL;
	}
	vp->registered = true;
	return vp;
}

void virtio_pci__destroy(struct virtio_pci *vp)
{
	if (!vp)
		return;
	if (vp->registered)
		pci__unregister(&vp->pci);
	pthread_mutex_destroy(&vp->lock);
	pthread_mutex_destroy(&vp->msix_lock);
	free(vp);
}
