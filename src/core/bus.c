// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/bus.h"

void bus__init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

void bus__exit(struct bus *bus)
{
	free(bus->ranges);
	bus->ranges = NULL;
	bus->nr = bus->cap = 0;
}

/* Index of the first range whose base is > @addr. */
static unsigned int bus__upper(const struct bus *bus, uint64_t addr)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (bus->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus__register(struct bus *bus, uint64_t base, uint64_t len,
		  bus_handler_t handler, void *opaque, const char *name)
{
	uint64_t last;
	unsigned int i;

	if (!len || !handler || __builtin_add_overflow(base, len - 1, &last))
		return -EINVAL;

	i = bus__upper(bus, base);
	/* The range before us must end before @base; the next start after @last. */
	if (i > 0 &&
	    bus->ranges[i - 1].base + (bus->ranges[i - 1].len - 1) >= base)
		return -EEXIST;
	if (i < bus->nr && bus->ranges[i].base <= last)
		return -EEXIST;

	if (bus->nr == bus->cap) {
		unsigned int cap = bus->cap ? bus->cap * 2 : 8;
		struct bus_range *r = realloc(bus->ranges, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		bus->ranges = r;
		bus->cap = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i],
		(bus->nr - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct bus_range){ base, len, handler, opaque, name };
	bus->nr++;
	return 0;
}

int bus__unregister(struct bus *bus, uint64_t base)
{
	unsigned int i = bus__upper(bus, base);

	if (i == 0 || bus->ranges[i - 1].base != base)
		return -ENOENT;
	i--;
	memmove(&bus->ranges[i], &bus->ranges[i + 1],
		(bus->nr - i - 1) * sizeof(bus->ranges[0]));
	bus->nr--;
	return 0;
}

const struct bus_range *bus__find(const struct bus *bus, uint64_t addr,
				  uint64_t len)
{
	unsigned int i = bus__upper(bus, addr);
	const struct bus_range *r;
	uint64_t last;

	if (i == 0 || !len || __builtin_add_overflow(addr, len - 1, &last))
		return NULL;
	r = &bus->ranges[i - 1];
	if (last > r->base + (r->len - 1))
		return NULL;
	return r;
}
