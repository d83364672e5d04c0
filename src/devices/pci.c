// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI bus 0 behind configuration mechanism #1, the host bridge at 00:00.0,
 * and the BAR decoding of the devices on it (see include/zapvm/pci.h).
 *
 * Three locks: cfg_lock guards config space, the conf1 address and the
 * decoded BARs and is never held while a device callback runs; update_lock
 * serialises config writes with the rom_update()/cfg_write() calls they
 * cause, so a device sees its ROM BAR changes in the guest's order;
 * irq_lock (innermost, taken under a device's own lock) guards the INTx
 * state and orders the KVM_IRQ_LINE calls of devices sharing a line.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/vmcore.h"

#define CONF1_ENABLE 0x80000000U
#define CONF1_RESERVED 0x7f000000U /* extended register bits: no device */

#define PCI_COMMAND 0x04
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_COMMAND_WMASK 0x0547 /* IO, MEM, MASTER, PARITY, SERR, INTX_DIS */
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_BAR0 0x10
#define PCI_ROM_ADDRESS 0x30
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_HEADER_END 0x40

struct pci {
	struct vm *vm;
	pthread_mutex_t cfg_lock;
	pthread_mutex_t update_lock;
	pthread_mutex_t irq_lock;
	uint32_t conf1_addr;
	struct pci_dev *slots[PCI_MAX_SLOTS];
	/* What the last rom_update() of each slot said. */
	bool rom_told[PCI_MAX_SLOTS];
	uint64_t rom_told_gpa[PCI_MAX_SLOTS];
	uint32_t refused_logged; /* one bit per slot */
	bool stray_logged;
	uint64_t mmio_base, mmio_end, mmio_next;
	uint64_t io_base, io_end, io_next;
	bool addr_registered, data_registered;
	bool mmio_registered, io_registered;
	struct pci_dev bridge;
};

static uint32_t cfg_get(const struct pci_dev *d, unsigned int off,
			unsigned int len)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < len; i++)
		v |= (uint32_t)d->cfg[off + i] << (8 * i);
	return v;
}

static void cfg_put(struct pci_dev *d, unsigned int off, unsigned int len,
		    uint32_t v)
{
	for (unsigned int i = 0; i < len; i++)
		d->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * Whether [base, base + size) overlaps an enabled BAR other than BAR @bar
 * of @self, or an enabled ROM of a device other than @self (@rom: also
 * @self's BARs, for the ROM BAR's check). Memory and I/O space apart.
 */
static bool pci__busy(struct pci *pci, bool io, uint64_t base, uint64_t size,
		      const struct pci_dev *self, int bar)
{
	for (unsigned int s = 0; s < PCI_MAX_SLOTS; s++) {
		const struct pci_dev *d = pci->slots[s];

		if (!d)
			continue;
		for (int i = 0; i < PCI_NUM_BARS; i++) {
			if (!d->bar_mapped[i] || (d == self && i == bar) ||
			    (d->bars[i].kind == PCI_BAR_IO) != io)
				continue;
			if (overlaps(base, size, d->bar_mapped[i],
				     d->bars[i].size))
				return true;
		}
		if (!io && d != self && d->rom_enabled &&
		    overlaps(base, size, d->rom_gpa, d->rom_size))
			return true;
	}
	return false;
}

static void pci__refused(struct pci *pci, struct pci_dev *d, const char *what,
			 uint64_t base)
{
	uint32_t bit = 1U << d->slot;

	if (pci->refused_logged & bit)
		return;
	pci->refused_logged |= bit;
	log_debug("PCI %02x.0 %s: %s at 0x%llx lies outside the window or over "
		  "another BAR: left unmapped (logged once)",
		  d->slot, d->name, what, (unsigned long long)base);
}

/* Whether the guest meant BAR value @v to decode (for the refusal log). */
static bool pci__bar_wanted(enum pci_bar_kind kind, uint32_t v, uint16_t cmd)
{
	bool io = kind == PCI_BAR_IO;

	return (cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)) &&
	       (v & (io ? ~0x3U : ~0xfU));
}

/*
 * Decode @d's BARs and ROM BAR again after a write to its header. cfg_lock
 * held. Returns whether the ROM state differs from the last rom_update().
 */
static bool pci__decode(struct pci *pci, struct pci_dev *d)
{
	uint16_t cmd = (uint16_t)cfg_get(d, PCI_COMMAND, 2);
	uint64_t base;

	memset(d->bar_mapped, 0, sizeof(d->bar_mapped));
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &d->bars[i];
		uint32_t v = cfg_get(d, PCI_BAR0 + 4 * i, 4);
		bool io = b->kind == PCI_BAR_IO;

		if (b->kind == PCI_BAR_NONE)
			continue;
		base = io ? pci_bar__decode(b->kind, v, cmd, b->size,
					    pci->io_base, pci->io_end) :
			    pci_bar__decode(b->kind, v, cmd, b->size,
					    pci->mmio_base, pci->mmio_end);
		if (base && !pci__busy(pci, io, base, b->size, d, i))
			d->bar_mapped[i] = base;
		else if (pci__bar_wanted(b->kind, v, cmd))
			pci__refused(pci, d, io ? "I/O BAR" : "memory BAR",
				     v & (io ? ~0x3U : ~0xfU));
	}

	d->rom_enabled = false;
	d->rom_gpa = 0;
	if (d->rom_size) {
		uint32_t rom = cfg_get(d, PCI_ROM_ADDRESS, 4);

		base = pci_rom__decode(rom, cmd, d->rom_size, pci->mmio_base,
				       pci->mmio_end);
		if (base && !pci__busy(pci, false, base, d->rom_size, d, -1)) {
			d->rom_enabled = true;
			d->rom_gpa = base;
		} else if ((rom & PCI_ROM_ENABLE) &&
			   (cmd & PCI_COMMAND_MEMORY) &&
			   (rom & PCI_ROM_ADDR_MASK)) {
			pci__refused(pci, d, "ROM BAR",
				     rom & PCI_ROM_ADDR_MASK);
		}
	}
	return d->rom_enabled != pci->rom_told[d->slot] ||
	       d->rom_gpa != pci->rom_told_gpa[d->slot];
}

/* A guest write of @len bytes of @val at @off (within one dword). */
static void pci__cfg_store(struct pci_dev *d, unsigned int off,
			   unsigned int len, uint32_t val)
{
	unsigned int reg = off & ~3U, shift = 8 * (off & 3);
	uint32_t old = cfg_get(d, reg, 4), mask, v;

	mask = (len == 4 ? ~0U : ((1U << (8 * len)) - 1)) << shift;
	v = (old & ~mask) | ((val << shift) & mask);
	if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * PCI_NUM_BARS) {
		const struct pci_bar *b = &d->bars[(reg - PCI_BAR0) / 4];

		cfg_put(d, reg, 4,
			pci_bar__store(b->kind, v, b->size, b->prefetch));
		return;
	}
	if (reg == PCI_ROM_ADDRESS) {
		cfg_put(d, reg, 4, pci_rom__store(v, d->rom_size));
		return;
	}
	for (unsigned int i = 0; i < len; i++) {
		unsigned int o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		d->cfg[o] = (d->cfg[o] & ~d->wmask[o]) | (b & d->wmask[o]);
	}
}

/* The device conf1 @addr selects, or NULL (bus, function, reserved bits). */
static struct pci_dev *pci__select(struct pci *pci, uint32_t addr)
{
	if (!(addr & CONF1_ENABLE) || (addr & CONF1_RESERVED) ||
	    ((addr >> 16) & 0xff) || ((addr >> 8) & 0x7))
		return NULL;
	return pci->slots[(addr >> 11) & 0x1f];
}

/*
 * Drive INTx line @line high while any device wired to it asserts with INTx
 * Disable clear. irq_lock held. KVM_IRQ_LINE from userspace has a single
 * source per line, so a shared line must be merged here: one device's
 * deassert must not drop another's level.
 */
static int pci__drive_line(struct pci *pci, int line)
{
	int level = 0;

	for (unsigned int s = 0; s < PCI_MAX_SLOTS; s++) {
		const struct pci_dev *d = pci->slots[s];

		if (d && d->irq_asserted && !d->intx_disabled &&
		    pci__irq_line(d) == line)
			level = 1;
	}
	return vm__irq_line(pci->vm, (unsigned int)line, level);
}

/* RAM BARs whose decoded range moved: what to tell their devices. */
struct bar_news {
	unsigned int n;
	unsigned int bar[PCI_NUM_BARS];
	uint64_t gpa[PCI_NUM_BARS];
};

/* Collect (and record as told) @d's RAM BAR changes; cfg_lock held. */
static void pci__bar_news(struct pci_dev *d, struct bar_news *news)
{
	news->n = 0;
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		if (!d->bars[i].update || d->bar_mapped[i] == d->bar_told[i])
			continue;
		d->bar_told[i] = d->bar_mapped[i];
		news->bar[news->n] = i;
		news->gpa[news->n++] = d->bar_mapped[i];
	}
}

/* Tell @d's device what moved; update_lock held. First error wins. */
static int pci__tell(struct pci_dev *d, const struct bar_news *news,
		     bool rom_changed, bool enabled, uint64_t gpa)
{
	int ret = 0, r;

	for (unsigned int i = 0; i < news->n; i++) {
		const struct pci_bar *b = &d->bars[news->bar[i]];

		r = b->update(d, news->bar[i], news->gpa[i] != 0, news->gpa[i],
			      b->opaque);
		if (r && !ret)
			ret = r;
	}
	if (rom_changed && d->rom_update) {
		r = d->rom_update(d, enabled, gpa, d->opaque);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

static int pci__cfg_write(struct pci *pci, unsigned int port_off,
			  const uint8_t *data, uint32_t len)
{
	struct pci_dev *d;
	struct bar_news news = { 0 };
	unsigned int off;
	uint32_t val = 0;
	bool rom_changed = false, enabled = false, intx_off = false;
	bool intx_changed = false;
	uint64_t gpa = 0;
	int ret = 0;

	for (uint32_t i = 0; i < len; i++)
		val |= (uint32_t)data[i] << (8 * i);
	pthread_mutex_lock(&pci->update_lock);
	pthread_mutex_lock(&pci->cfg_lock);
	d = pci__select(pci, pci->conf1_addr);
	off = (pci->conf1_addr & 0xfc) + port_off;
	if (d) {
		pci__cfg_store(d, off, len, val);
		if (off < PCI_HEADER_END) {
			rom_changed = pci__decode(pci, d);
			pci__bar_news(d, &news);
		}
		intx_off = cfg_get(d, PCI_COMMAND, 2) &
			   PCI_COMMAND_INTX_DISABLE;
		intx_changed = intx_off != d->intx_disabled;
		if (rom_changed) {
			enabled = d->rom_enabled;
			gpa = d->rom_gpa;
			pci->rom_told[d->slot] = enabled;
			pci->rom_told_gpa[d->slot] = gpa;
		}
	}
	pthread_mutex_unlock(&pci->cfg_lock);
	if (intx_changed) {
		pthread_mutex_lock(&pci->irq_lock);
		d->intx_disabled = intx_off;
		/* A failure was reported when the device asserted. */
		if (d->irq_asserted)
			pci__drive_line(pci, pci__irq_line(d));
		pthread_mutex_unlock(&pci->irq_lock);
	}
	if (d)
		ret = pci__tell(d, &news, rom_changed, enabled, gpa);
	if (d && off >= PCI_HEADER_END && d->cfg_write)
		d->cfg_write(d, off, len, d->opaque);
	pthread_mutex_unlock(&pci->update_lock);
	return ret;
}

static int pci__conf1_addr_io(struct vcpu *v, uint64_t addr, uint8_t *data,
			      uint32_t len, bool is_write, void *opaque)
{
	struct pci *pci = opaque;

	/* PIIX's reset control: bit 2 resets (firmware VMs only). */
	if (addr == PCI_RESET_PORT && len == 1 && is_write &&
	    pci->vm->cfg->firmware && (data[0] & 4)) {
		log_err("the guest rebooted (port 0xcf9)");
		vm__stop(pci->vm, VM_END_REBOOT);
		return 0;
	}
	/* Only dword accesses hit the address register (PCI 3.0, 3.2.2.3.2). */
	if (len != 4 || addr != PCI_CONF1_ADDR_PORT) {
		if (!is_write)
			memset(data, 0xff, len);
		return 0;
	}
	pthread_mutex_lock(&pci->cfg_lock);
	if (is_write)
		pci->conf1_addr = (data[0] | data[1] << 8 | data[2] << 16 |
				   (uint32_t)data[3] << 24) &
				  ~3U;
	else
		for (int i = 0; i < 4; i++)
			data[i] = (uint8_t)(pci->conf1_addr >> (8 * i));
	pthread_mutex_unlock(&pci->cfg_lock);
	return 0;
}

static int pci__conf1_data_io(struct vcpu *v, uint64_t addr, uint8_t *data,
			      uint32_t len, bool is_write, void *opaque)
{
	struct pci *pci = opaque;
	unsigned int port_off = (unsigned int)(addr - PCI_CONF1_DATA_PORT);
	struct pci_dev *d;
	uint32_t val;

	/* The bus hands us nothing past 0xcff; be safe anyway. */
	if (port_off + len > 4 || len > 4) {
		if (!is_write)
			memset(data, 0xff, len);
		return 0;
	}
	if (is_write)
		return pci__cfg_write(pci, port_off, data, len);
	pthread_mutex_lock(&pci->cfg_lock);
	d = pci__select(pci, pci->conf1_addr);
	val = d ? cfg_get(d, (pci->conf1_addr & 0xfc) + port_off, len) :
		  0xffffffffU;
	pthread_mutex_unlock(&pci->cfg_lock);
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(val >> (8 * i));
	return 0;
}

/* Accesses to a window: to the enabled BAR there, or nowhere. */
static int pci__window_io(struct vcpu *v, uint64_t addr, uint8_t *data,
			  uint32_t len, bool is_write, bool io, struct pci *pci)
{
	bus_handler_t handler = NULL;
	void *opaque = NULL;

	pthread_mutex_lock(&pci->cfg_lock);
	for (unsigned int s = 0; s < PCI_MAX_SLOTS && !handler; s++) {
		const struct pci_dev *d = pci->slots[s];

		for (int i = 0; d && i < PCI_NUM_BARS; i++) {
			const struct pci_bar *b = &d->bars[i];
			uint64_t base = d->bar_mapped[i];

			if (!base || !b->handler ||
			    (b->kind == PCI_BAR_IO) != io || addr < base ||
			    addr - base >= b->size ||
			    len > b->size - (addr - base))
				continue;
			handler = b->handler;
			opaque = b->opaque;
			break;
		}
	}
	if (!handler && !pci->stray_logged) {
		pci->stray_logged = true;
		log_debug("PCI: %u-byte %s of %s 0x%llx decodes to no BAR "
			  "(reads all ones; logged once)",
			  len, is_write ? "write" : "read", io ? "port" : "GPA",
			  (unsigned long long)addr);
	}
	pthread_mutex_unlock(&pci->cfg_lock);
	if (handler)
		return handler(v, addr, data, len, is_write, opaque);
	/* A write to an enabled option ROM lands here, as the window is ours. */
	if (is_write && !io) {
		struct region reg;

		if (memslots__find(&pci->vm->slots, addr, &reg) &&
		    reg.kind == REGION_ROM && reg.slot >= 0)
			__atomic_add_fetch(&pci->vm->slots.rom_writes, 1,
					   __ATOMIC_RELAXED);
	}
	if (!is_write)
		memset(data, 0xff, len);
	return 0;
}

static int pci__mmio_io(struct vcpu *v, uint64_t addr, uint8_t *data,
			uint32_t len, bool is_write, void *opaque)
{
	return pci__window_io(v, addr, data, len, is_write, false, opaque);
}

static int pci__pio_io(struct vcpu *v, uint64_t addr, uint8_t *data,
		       uint32_t len, bool is_write, void *opaque)
{
	return pci__window_io(v, addr, data, len, is_write, true, opaque);
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* Assign @size bytes, naturally aligned, from *@next below @end; 0 if full. */
static uint64_t pci__alloc(uint64_t *next, uint64_t end, uint64_t size)
{
	uint64_t base = (*next + size - 1) & ~(size - 1);

	if (base < *next || base >= end || size > end - base)
		return 0;
	*next = base + size;
	return base;
}

static int pci__check_dev(const struct pci_dev *d)
{
	if (d->irq_pin > 4)
		return -EINVAL;
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &d->bars[i];

		if (b->kind == PCI_BAR_NONE)
			continue;
		if (b->kind == PCI_BAR_MEM32 &&
		    (!is_pow2(b->size) || b->size < 16 || b->size > (1U << 30)))
			return -EINVAL;
		if (b->kind == PCI_BAR_IO &&
		    (!is_pow2(b->size) || b->size < 4 || b->size > 256))
			return -EINVAL;
		if (!b->handler && (!b->update || b->kind != PCI_BAR_MEM32))
			return -EINVAL;
	}
	if (d->rom_size && (!is_pow2(d->rom_size) || d->rom_size < 2048 ||
			    d->rom_size > (1U << 30) || !d->rom_update))
		return -EINVAL;
	if (d->cap_ptr && (d->cap_ptr < PCI_HEADER_END || (d->cap_ptr & 3)))
		return -EINVAL;
	return 0;
}

/* Fill the standard header of @d in @slot; cfg_lock held. */
static int pci__setup(struct pci *pci, struct pci_dev *d, unsigned int slot)
{
	uint64_t next_mmio = pci->mmio_next, next_io = pci->io_next;
	uint64_t addrs[PCI_NUM_BARS] = { 0 }, rom = 0;

	for (int i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &d->bars[i];

		if (b->kind == PCI_BAR_MEM32)
			addrs[i] =
				pci__alloc(&next_mmio, pci->mmio_end, b->size);
		else if (b->kind == PCI_BAR_IO)
			addrs[i] = pci__alloc(&next_io, pci->io_end, b->size);
		else
			continue;
		if (!addrs[i])
			goto full;
	}
	if (d->rom_size) {
		rom = pci__alloc(&next_mmio, pci->mmio_end, d->rom_size);
		if (!rom)
			goto full;
	}
	pci->mmio_next = next_mmio;
	pci->io_next = next_io;

	memset(d->cfg, 0, PCI_HEADER_END);
	memset(d->wmask, 0, PCI_HEADER_END);
	cfg_put(d, 0x00, 2, d->vendor_id);
	cfg_put(d, 0x02, 2, d->device_id);
	cfg_put(d, PCI_STATUS, 2, d->cap_ptr ? PCI_STATUS_CAP_LIST : 0);
	d->cfg[0x08] = d->revision;
	cfg_put(d, 0x09, 3, d->class_code);
	d->cfg[0x0e] = 0; /* header type 0, single function */
	cfg_put(d, 0x2c, 2, d->subsys_vendor_id);
	cfg_put(d, 0x2e, 2, d->subsys_id);
	d->cfg[PCI_CAP_PTR] = d->cap_ptr;
	for (int i = 0; i < PCI_NUM_BARS; i++)
		if (d->bars[i].kind != PCI_BAR_NONE)
			cfg_put(d, PCI_BAR0 + 4 * i, 4,
				pci_bar__store(
					d->bars[i].kind, (uint32_t)addrs[i],
					d->bars[i].size, d->bars[i].prefetch));
	cfg_put(d, PCI_ROM_ADDRESS, 4, (uint32_t)rom);
	d->slot = slot;
	if (d->irq_pin) {
		d->cfg[PCI_INTERRUPT_LINE] =
			(uint8_t)pci__intx_irq(slot, d->irq_pin);
		d->cfg[PCI_INTERRUPT_PIN] = d->irq_pin;
	}
	cfg_put(d, PCI_COMMAND, 2, 0);
	d->wmask[PCI_COMMAND] = PCI_COMMAND_WMASK & 0xff;
	d->wmask[PCI_COMMAND + 1] = PCI_COMMAND_WMASK >> 8;
	d->wmask[0x0c] = 0xff; /* cache line size */
	d->wmask[0x0d] = 0xff; /* latency timer */
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	d->rom_enabled = false;
	d->rom_gpa = 0;
	memset(d->bar_mapped, 0, sizeof(d->bar_mapped));
	memset(d->bar_told, 0, sizeof(d->bar_told));
	d->irq_asserted = false;
	d->intx_disabled = false;
	pci->rom_told[slot] = false;
	pci->rom_told_gpa[slot] = 0;
	return 0;
full:
	log_err("PCI %s: no room for its BARs in the PCI windows", d->name);
	return -ENOSPC;
}

int pci__register(struct vm *vm, struct pci_dev *d)
{
	struct pci *pci = vm->pci;
	unsigned int slot;
	int ret;

	if (!pci) {
		log_err("PCI %s: no PCI bus (pci_device must come first, "
			"--pci not off)",
			d->name);
		return -ENODEV;
	}
	ret = pci__check_dev(d);
	if (ret) {
		log_err("PCI %s: bad BAR, ROM size, capability pointer or "
			"interrupt pin",
			d->name);
		return ret;
	}
	pthread_mutex_lock(&pci->cfg_lock);
	for (slot = 1; slot < PCI_MAX_SLOTS && pci->slots[slot]; slot++)
		;
	if (slot == PCI_MAX_SLOTS) {
		log_err("PCI %s: all %d slots of bus 0 are taken", d->name,
			PCI_MAX_SLOTS);
		ret = -ENOSPC;
	} else {
		ret = pci__setup(pci, d, slot);
	}
	if (!ret) {
		d->vm = vm;
		pci->slots[slot] = d;
		log_debug("PCI 00:%02x.0 %s: %04x:%04x", slot, d->name,
			  d->vendor_id, d->device_id);
	}
	pthread_mutex_unlock(&pci->cfg_lock);
	return ret;
}

void pci__unregister(struct pci_dev *d)
{
	struct pci *pci = d->vm ? d->vm->pci : NULL;

	if (!pci)
		return;
	pthread_mutex_lock(&pci->update_lock);
	pthread_mutex_lock(&pci->cfg_lock);
	pthread_mutex_lock(&pci->irq_lock);
	if (d->slot < PCI_MAX_SLOTS && pci->slots[d->slot] == d) {
		pci->slots[d->slot] = NULL;
		/* Do not leave a shared line asserted for a device now gone. */
		if (d->irq_asserted && !d->intx_disabled)
			pci__drive_line(pci, pci__irq_line(d));
	}
	d->irq_asserted = false;
	pthread_mutex_unlock(&pci->irq_lock);
	memset(d->bar_mapped, 0, sizeof(d->bar_mapped));
	d->rom_enabled = false;
	pthread_mutex_unlock(&pci->cfg_lock);
	pthread_mutex_unlock(&pci->update_lock);
}

uint64_t pci__bar_addr(struct pci_dev *d, unsigned int bar)
{
	struct pci *pci = d->vm ? d->vm->pci : NULL;
	uint64_t a;

	if (!pci || bar >= PCI_NUM_BARS)
		return 0;
	pthread_mutex_lock(&pci->cfg_lock);
	a = d->bar_mapped[bar];
	pthread_mutex_unlock(&pci->cfg_lock);
	return a;
}

int pci__irq_line(const struct pci_dev *d)
{
	return d->irq_pin ? pci__intx_irq(d->slot, d->irq_pin) : -1;
}

int pci__set_irq(struct pci_dev *d, int level)
{
	struct pci *pci = d->vm ? d->vm->pci : NULL;
	int line = pci__irq_line(d), ret;

	if (line < 0 || !pci)
		return -EINVAL;
	pthread_mutex_lock(&pci->irq_lock);
	d->irq_asserted = level != 0;
	ret = pci__drive_line(pci, line);
	pthread_mutex_unlock(&pci->irq_lock);
	return ret;
}

static void pci__exit(struct vm *vm, void *priv)
{
	struct pci *pci = priv;

	if (!pci)
		return;
	if (pci->addr_registered)
		bus__unregister(&vm->pio, PCI_CONF1_ADDR_PORT);
	if (pci->data_registered)
		bus__unregister(&vm->pio, PCI_CONF1_DATA_PORT);
	if (pci->mmio_registered)
		bus__unregister(&vm->mmio, pci->mmio_base);
	if (pci->io_registered)
		bus__unregister(&vm->pio, pci->io_base);
	vm->pci = NULL;
	pthread_mutex_destroy(&pci->cfg_lock);
	pthread_mutex_destroy(&pci->update_lock);
	pthread_mutex_destroy(&pci->irq_lock);
	free(pci);
}

static int pci__init(struct vm *vm, void **priv)
{
	struct pci *pci;
	int ret;

	/*
	 * No PCI device (--pci auto) or --pci off: no bus at all, as on QEMU's
	 * microvm. Conf1 then reads all ones, so Linux's type 1 and type 2
	 * checks fail at once and it skips PCI instead of enumerating a bus
	 * with only the host bridge on it, one port exit per probe.
	 */
	if (!vm_config__has_pci(vm->cfg)) {
		log_debug("PCI: no PCI device, no PCI bus (--pci %s)",
			  pci_mode__name(vm->cfg->pci));
		*priv = NULL;
		return 0;
	}
	pci = calloc(1, sizeof(*pci));
	if (!pci)
		return -ENOMEM;
	pci->vm = vm;
	pthread_mutex_init(&pci->cfg_lock, NULL);
	pthread_mutex_init(&pci->update_lock, NULL);
	pthread_mutex_init(&pci->irq_lock, NULL);
	if (vm->pci_window_set) {
		pci->mmio_base = vm->pci_mmio_base;
		pci->mmio_end = vm->pci_mmio_end;
	} else {
		pci->mmio_base = PCI_MMIO_WINDOW;
		pci->mmio_end = PCI_MMIO_WINDOW_END;
	}
	pci->mmio_next = pci->mmio_base;
	pci->io_base = pci->io_next = PCI_IO_WINDOW;
	pci->io_end = PCI_IO_WINDOW_END;
	*priv = pci;

	ret = bus__register(&vm->pio, PCI_CONF1_ADDR_PORT, 4,
			    pci__conf1_addr_io, pci, "pci-conf1-addr");
	pci->addr_registered = !ret;
	if (!ret) {
		ret = bus__register(&vm->pio, PCI_CONF1_DATA_PORT, 4,
				    pci__conf1_data_io, pci, "pci-conf1-data");
		pci->data_registered = !ret;
	}
	if (!ret && pci->mmio_end > pci->mmio_base) {
		ret = bus__register(&vm->mmio, pci->mmio_base,
				    pci->mmio_end - pci->mmio_base,
				    pci__mmio_io, pci, "pci-mmio-window");
		pci->mmio_registered = !ret;
	}
	if (!ret) {
		ret = bus__register(&vm->pio, pci->io_base,
				    pci->io_end - pci->io_base, pci__pio_io,
				    pci, "pci-io-window");
		pci->io_registered = !ret;
	}
	if (ret) {
		log_err("PCI: cannot claim conf1 ports or the windows: %s",
			strerror(-ret));
		vm->pci = pci; /* for pci__exit() */
		pci__exit(vm, pci);
		*priv = NULL;
		return ret;
	}

	pci->bridge = (struct pci_dev){
		.name = "host-bridge",
		.vendor_id = PCI_HOST_VENDOR,
		.device_id = PCI_HOST_DEVICE,
		.class_code = 0x060000,
		.vm = vm,
	};
	pci__setup(pci, &pci->bridge, 0);
	pci->slots[0] = &pci->bridge;
	vm->pci = pci;
	log_debug("PCI: MMIO window [0x%llx, 0x%llx), I/O window [0x%llx, "
		  "0x%llx)",
		  (unsigned long long)pci->mmio_base,
		  (unsigned long long)pci->mmio_end,
		  (unsigned long long)pci->io_base,
		  (unsigned long long)pci->io_end);
	return 0;
}

const struct device_ops pci_device = {
	.name = "pci",
	.init = pci__init,
	.exit = pci__exit,
};

struct pci_dev *pci__host_bridge(struct vm *vm)
{
	return vm->pci ? &vm->pci->bridge : NULL;
}

unsigned int pci__find(struct vm *vm, uint16_t vendor, uint16_t device,
		       unsigned int *slots, unsigned int max)
{
	struct pci *pci = vm->pci;
	unsigned int n = 0;

	if (!pci)
		return 0;
	pthread_mutex_lock(&pci->cfg_lock);
	for (unsigned int s = 1; s < PCI_MAX_SLOTS && n < max; s++) {
		const struct pci_dev *d = pci->slots[s];

		if (d && d->vendor_id == vendor && d->device_id == device)
			slots[n++] = s;
	}
	pthread_mutex_unlock(&pci->cfg_lock);
	return n;
}
