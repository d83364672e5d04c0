// SPDX-License-Identifier: GPL-2.0-only
/*
 * RAM behind a PCI memory BAR (include/zapvm/rambar.h). The PCI core tells
 * us when the decoded range changes; a change is an unmap of the old slot
 * and a map of the new one, two memslot changes as QEMU's
 * memory_region_del_subregion() and add_subregion() make, each its own
 * memslots__replace() so each is counted and starts a phase.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/rambar.h"
#include "zapvm/vmcore.h"

int rambar__init(struct rambar *r, struct vm *vm, const char *name,
		 uint64_t size)
{
	memset(r, 0, sizeof(*r));
	r->vm = vm;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->mem == MAP_FAILED) {
		r->mem = NULL;
		log_err("%s: cannot allocate %llu bytes", name,
			(unsigned long long)size);
		return -ENOMEM;
	}
	r->size = size;
	return 0;
}

static int rambar__unmap(struct rambar *r)
{
	char what[48];
	uint64_t gpa = r->gpa;
	int ret;

	snprintf(what, sizeof(what), "ram-bar-%s-unmap", r->name);
	ret = memslots__replace(&r->vm->slots, &gpa, 1, NULL, 0, what);
	if (!ret)
		r->gpa = 0;
	return ret;
}

void rambar__exit(struct rambar *r)
{
	if (r->gpa)
		rambar__unmap(r);
	if (r->mem)
		munmap(r->mem, r->size);
	r->mem = NULL;
}

int rambar__update(struct pci_dev *d, unsigned int bar, bool enabled,
		   uint64_t gpa, void *opaque)
{
	struct rambar *r = opaque;
	struct region_spec spec = {
		.name = r->name,
		.kind = REGION_RAM,
		.gpa = gpa,
		.size = r->size,
		.hva = r->mem,
	};
	char what[48];
	int ret;

	if (r->gpa) {
		ret = rambar__unmap(r);
		if (ret)
			return ret;
	}
	if (!enabled)
		return 0;
	snprintf(what, sizeof(what), "ram-bar-%s-map", r->name);
	ret = memslots__replace(&r->vm->slots, NULL, 0, &spec, 1, what);
	if (ret == -EEXIST || ret == -EINVAL) {
		if (!r->refused_logged)
			log_debug("%s: BAR %u at 0x%llx: %s; left unmapped "
				  "(logged once)",
				  r->name, bar, (unsigned long long)gpa,
				  strerror(-ret));
		r->refused_logged = true;
		return 0;
	}
	if (!ret)
		r->gpa = gpa;
	return ret;
}
