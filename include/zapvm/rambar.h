/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A PCI memory BAR backed by host RAM (src/devices/rambar.c): a memslot
 * over the BAR's range whenever the BAR decodes (memory decoding on, the
 * BAR in its window), as QEMU maps a RAM-backed BAR's MemoryRegion in
 * pci_update_mappings(): each enable, disable or move is a run-time
 * memslot change, named "ram-bar-NAME-map" / "ram-bar-NAME-unmap", which
 * starts a phase. The VGA's VRAM BAR (vga.c) and --shm (shm.c) use it.
 */
#ifndef ZAPVM_RAMBAR_H
#define ZAPVM_RAMBAR_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct pci_dev;

struct rambar {
	struct vm *vm;
	char name[24]; /* the memslot region's name */
	uint8_t *mem; /* size bytes, zeroed */
	uint64_t size;
	uint64_t gpa; /* where it is mapped; 0: not mapped */
	bool refused_logged;
};

/*
 * rambar__init - @size bytes (a power of two, >= 4 KiB) of zeroed RAM named
 * @name for @vm, not mapped. 0 or -ENOMEM (logged).
 */
int rambar__init(struct rambar *r, struct vm *vm, const char *name,
		 uint64_t size);

/* rambar__exit - unmap (KVM must not keep a slot on it) and free. */
void rambar__exit(struct rambar *r);

/*
 * rambar__update - a pci_bar_update_fn with @opaque a struct rambar: unmap
 * from the old range, map at @gpa if @enabled. A range the memslot layer
 * refuses (overlap) stays unmapped, logged once at -v; other errors are
 * returned.
 */
int rambar__update(struct pci_dev *d, unsigned int bar, bool enabled,
		   uint64_t gpa, void *opaque);

#endif /* ZAPVM_RAMBAR_H */
