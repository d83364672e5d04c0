/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trap registries: one for port I/O, one for MMIO. A device registers a
 * range with a handler; the vCPU loop only looks the address up and calls it.
 */
#ifndef ZAPVM_BUS_H
#define ZAPVM_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/*
 * A handler gets the absolute address, a buffer of @len bytes (1, 2, 4 or 8)
 * to fill on reads or to consume on writes. Returns 0 or -errno; an error
 * ends the VM as a guest crash naming the address.
 */
typedef int (*bus_handler_t)(struct vcpu *vcpu, uint64_t addr, uint8_t *data,
			     uint32_t len, bool is_write, void *opaque);

struct bus_range {
	uint64_t base;
	uint64_t len;
	bus_handler_t handler;
	void *opaque;
	const char *name;
};

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	struct bus_range *ranges; /* sorted by base, never overlapping */
	unsigned int nr;
	unsigned int cap;
};

/* bus__init - an empty bus called @name. */
void bus__init(struct bus *bus, const char *name);
void bus__exit(struct bus *bus);

/*
 * bus__register - trap [@base, @base + @len) to @handler. Returns 0,
 * -EINVAL for a zero length or a range whose end overflows 64 bits, -EEXIST
 * if it overlaps a registered range, -ENOMEM.
 */
int bus__register(struct bus *bus, uint64_t base, uint64_t len,
		  bus_handler_t handler, void *opaque, const char *name);

/* bus__unregister - remove the range starting exactly at @base; -ENOENT. */
int bus__unregister(struct bus *bus, uint64_t base);

/*
 * bus__find - the range holding all of [@addr, @addr + @len), or NULL (also
 * when the access straddles a range's end).
 */
const struct bus_range *bus__find(const struct bus *bus, uint64_t addr,
				  uint64_t len);

#endif /* ZAPVM_BUS_H */
