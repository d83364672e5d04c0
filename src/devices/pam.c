// SPDX-License-Identifier: GPL-2.0-only
/*
 * The i440FX PAM registers as memslot changes (include/zapvm/pam.h). The
 * layout is a pure function of the seven bytes; the device swaps the
 * slots that differ between the old and the new layout in one
 * memslots__replace(), which is one phase boundary per PAM write that
 * changes anything, as a ROM toggle is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "zapvm/devices.h"
#include "zapvm/firmware.h"
#include "zapvm/log.h"
#include "zapvm/pam.h"
#include "zapvm/pci.h"

enum pam_mode pam__mode(const uint8_t regs[PAM_NREGS], unsigned int seg)
{
	unsigned int reg = (seg + 1) / 2, shift = seg & 1 ? 0 : 4;

	return (enum pam_mode)((regs[reg] >> shift) & 3);
}

uint64_t pam__seg_base(unsigned int seg)
{
	return seg ? PAM_AREA_START + (seg - 1) * 0x4000ULL : 0xf0000ULL;
}

uint64_t pam__seg_size(unsigned int seg)
{
	return seg ? 0x4000ULL : 0x10000ULL;
}

static struct pam_slot pam__piece(const uint8_t regs[PAM_NREGS],
				  unsigned int seg, uint64_t bios_size)
{
	uint64_t base = pam__seg_base(seg);
	struct pam_slot p = { base, pam__seg_size(seg), PAM_BACK_RAM, base,
			      false };

	switch (pam__mode(regs, seg)) {
	case PAM_PCI:
		p.ro = true;
		if (base < PAM_AREA_START + PAM_PCROM_SIZE) {
			p.back = PAM_BACK_PCROM;
			p.off = base - PAM_AREA_START;
		} else {
			p.back = PAM_BACK_BIOS;
			p.off = bios_size - (PAM_AREA_END - base);
		}
		break;
	case PAM_RO:
		p.ro = true;
		break;
	case PAM_WO: /* as QEMU 7.2: RAM both ways */
	case PAM_RW:
	default:
		break;
	}
	return p;
}

static bool pam__mergeable(const struct pam_slot *a, const struct pam_slot *b,
			   enum slot_layout layout)
{
	if (layout == SLOT_LAYOUT_SPLIT &&
	    (a->gpa < PAM_AREA_END) != (b->gpa < PAM_AREA_END))
		return false;
	return a->back == b->back && a->ro == b->ro &&
	       a->gpa + a->size == b->gpa && a->off + a->size == b->off;
}

unsigned int pam__layout(const uint8_t regs[PAM_NREGS], uint64_t low_end,
			 uint64_t bios_size, enum slot_layout layout,
			 struct pam_slot *out)
{
	unsigned int n = 0;

	/* Segments 1-12 are 0xC0000-0xEFFFF in order, segment 0 follows. */
	for (unsigned int i = 1; i <= PAM_NSEGS; i++) {
		struct pam_slot p = pam__piece(regs, i % PAM_NSEGS, bios_size);

		if (n && pam__mergeable(&out[n - 1], &p, layout))
			out[n - 1].size += p.size;
		else
			out[n++] = p;
	}
	if (low_end > PAM_AREA_END) {
		struct pam_slot p = { PAM_AREA_END, low_end - PAM_AREA_END,
				      PAM_BACK_RAM, PAM_AREA_END, false };

		if (pam__mergeable(&out[n - 1], &p, layout))
			out[n - 1].size += p.size;
		else
			out[n++] = p;
	}
	return n;
}

static const char *const layout_names[] = { "qemu", "split" };

int slot_layout__parse(const char *s, enum slot_layout *out)
{
	for (unsigned int i = 0; i < 2; i++) {
		if (!strcmp(s, layout_names[i])) {
			*out = (enum slot_layout)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *slot_layout__name(enum slot_layout l)
{
	return (unsigned int)l < 2 ? layout_names[l] : "?";
}

/* ---- the device ------------------------------------------------------ */

struct pam {
	struct vm *vm;
	const struct firmware *fw;
	struct pci_dev *bridge;
	uint8_t *pcrom; /* 128 KiB of zeros, read-only to the guest */
	uint8_t regs[PAM_NREGS];
	struct pam_slot cur[PAM_MAX_SLOTS];
	unsigned int ncur;
	unsigned int writes; /* PAM writes that changed the layout */
};

static bool slot_eq(const struct pam_slot *a, const struct pam_slot *b)
{
	return a->gpa == b->gpa && a->size == b->size && a->back == b->back &&
	       a->off == b->off && a->ro == b->ro;
}

static bool slot_in(const struct pam_slot *s, const struct pam_slot *set,
		    unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (slot_eq(s, &set[i]))
			return true;
	return false;
}

static void *pam__hva(struct pam *p, const struct pam_slot *s)
{
	switch (s->back) {
	case PAM_BACK_PCROM:
		return p->pcrom + s->off;
	case PAM_BACK_BIOS:
		return p->fw->bios + s->off;
	case PAM_BACK_RAM:
	default:
		return (uint8_t *)p->vm->ram + s->off;
	}
}

/* Swap the current slots for the layout of @regs: 0 or -errno. */
static int pam__apply(struct pam *p, const uint8_t regs[PAM_NREGS],
		      const char *what)
{
	struct pam_slot next[PAM_MAX_SLOTS];
	struct region_spec add[PAM_MAX_SLOTS];
	uint64_t del[PAM_MAX_SLOTS];
	unsigned int n, ndel = 0, nadd = 0;

	n = pam__layout(regs, p->fw->low_end, p->fw->bios_size, p->fw->layout,
			next);
	for (unsigned int i = 0; i < p->ncur; i++)
		if (!slot_in(&p->cur[i], next, n))
			del[ndel++] = p->cur[i].gpa;
	for (unsigned int i = 0; i < n; i++) {
		if (slot_in(&next[i], p->cur, p->ncur))
			continue;
		add[nadd++] = (struct region_spec){
			.name = next[i].back == PAM_BACK_RAM ?
					(next[i].ro ? "pam-ro" : "ram-pam") :
				next[i].back == PAM_BACK_PCROM ? "pc.rom" :
								 "isa-bios",
			.kind = next[i].ro ? REGION_ROM : REGION_RAM,
			.gpa = next[i].gpa,
			.size = next[i].size,
			.hva = pam__hva(p, &next[i]),
		};
	}
	memcpy(p->regs, regs, PAM_NREGS);
	memcpy(p->cur, next, sizeof(next));
	p->ncur = n;
	if (!ndel && !nadd)
		return 0;
	return memslots__replace(&p->vm->slots, del, ndel, add, nadd, what);
}

static void pam__cfg_write(struct pci_dev *d, unsigned int off,
			   unsigned int len, void *opaque)
{
	struct pam *p = opaque;
	uint8_t regs[PAM_NREGS];
	char what[16];
	int ret;

	if (off + len <= PAM_FIRST_REG || off >= PAM_FIRST_REG + PAM_NREGS)
		return;
	memcpy(regs, &d->cfg[PAM_FIRST_REG], PAM_NREGS);
	if (!memcmp(regs, p->regs, PAM_NREGS))
		return;
	snprintf(what, sizeof(what), "pam-0x%02x",
		 off < PAM_FIRST_REG ? PAM_FIRST_REG : off);
	ret = pam__apply(p, regs, what);
	if (ret) {
		log_err("pam: remapping 0xc0000-0xfffff failed: %s",
			strerror(-ret));
		vm__fail(p->vm, ret);
	}
}

static void pam__exit(struct vm *vm, void *priv)
{
	struct pam *p = priv;

	if (p->bridge) {
		p->bridge->cfg_write = NULL;
		p->bridge->opaque = NULL;
	}
	if (p->pcrom)
		munmap(p->pcrom, PAM_PCROM_SIZE);
	free(p);
}

static int pam__init(struct vm *vm, void **priv)
{
	struct pam *p = calloc(1, sizeof(*p));
	uint8_t reset[PAM_NREGS] = { 0 };
	int ret;

	if (!p)
		return -ENOMEM;
	p->vm = vm;
	p->fw = vm->boot_priv;
	p->bridge = pci__host_bridge(vm);
	p->pcrom = mmap(NULL, PAM_PCROM_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->pcrom == MAP_FAILED) {
		p->pcrom = NULL;
		pam__exit(vm, p);
		return -ENOMEM;
	}
	if (!p->bridge) {
		log_err("pam: the firmware needs the PCI host bridge");
		pam__exit(vm, p);
		return -EINVAL;
	}
	ret = pam__apply(p, reset, "pam-reset");
	if (ret) {
		log_err("pam: mapping 0xc0000-0x%llx failed: %s",
			(unsigned long long)p->fw->low_end, strerror(-ret));
		pam__exit(vm, p);
		return ret;
	}
	for (unsigned int i = 0; i < PAM_NREGS; i++)
		p->bridge->wmask[PAM_FIRST_REG + i] = 0xff;
	p->bridge->cfg_write = pam__cfg_write;
	p->bridge->opaque = p;
	*priv = p;
	return 0;
}

const struct device_ops pam_device = {
	.name = "pam",
	.init = pam__init,
	.exit = pam__exit,
};
