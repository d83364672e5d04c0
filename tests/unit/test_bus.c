// SPDX-License-Identifier: GPL-2.0-only
/* Trap registry rules: overlaps, overflow, lookups at the edges. */
#include <errno.h>
#include <stdint.h>

#include "tap.h"
#include "zapvm/bus.h"

static int h(struct vcpu *v, uint64_t a, uint8_t *d, uint32_t l, bool w,
	     void *o)
{
	return 0;
}

int main(void)
{
	struct bus b;
	const struct bus_range *r;

	bus__init(&b, "pio");
	is_int(bus__register(&b, 0x3f8, 8, h, NULL, "serial"), 0, "register");
	is_int(bus__register(&b, 0x3f8, 8, h, NULL, "dup"), -EEXIST,
	       "same range refused");
	is_int(bus__register(&b, 0x3f0, 9, h, NULL, "low"), -EEXIST,
	       "overlap at the start refused");
	is_int(bus__register(&b, 0x3ff, 1, h, NULL, "high"), -EEXIST,
	       "overlap at the last byte refused");
	is_int(bus__register(&b, 0x3f0, 8, h, NULL, "below"), 0,
	       "adjacent below accepted");
	is_int(bus__register(&b, 0x400, 8, h, NULL, "above"), 0,
	       "adjacent above accepted");
	is_int(bus__register(&b, 0x3000, 0x2000, h, NULL, "wide"), 0,
	       "a wide range after the others");
	is_int(bus__register(&b, 0x2000, 0x1001, h, NULL, "into-wide"), -EEXIST,
	       "overlap with the next range refused");
	is_int(bus__register(&b, 0x10, 0, h, NULL, "empty"), -EINVAL,
	       "zero length refused");
	is_int(bus__register(&b, UINT64_MAX - 3, 8, h, NULL, "wrap"), -EINVAL,
	       "range wrapping past 2^64 refused");
	is_int(bus__register(&b, UINT64_MAX - 7, 8, h, NULL, "top"), 0,
	       "range ending exactly at 2^64 accepted");
	is_int(bus__register(&b, 0x10, 1, NULL, NULL, "nohandler"), -EINVAL,
	       "missing handler refused");

	r = bus__find(&b, 0x3f8, 1);
	ok(r && r->base == 0x3f8, "find first byte");
	r = bus__find(&b, 0x3ff, 1);
	ok(r && r->base == 0x3f8, "find last byte");
	ok(!bus__find(&b, 0x3fe, 4), "an access straddling two ranges misses");
	ok(!bus__find(&b, 0x408, 1), "past the end misses");
	ok(!bus__find(&b, 0, 1), "below everything misses");
	ok(bus__find(&b, UINT64_MAX, 1) != NULL, "top byte found");
	ok(!bus__find(&b, UINT64_MAX, 2), "access wrapping 2^64 misses");
	is_int(bus__unregister(&b, 0x3f8), 0, "unregister");
	ok(!bus__find(&b, 0x3f8, 1), "gone after unregister");
	is_int(bus__unregister(&b, 0x3f8), -ENOENT, "double unregister");
	is_int(bus__register(&b, 0x3f8, 8, h, NULL, "again"), 0,
	       "range free again");
	for (int i = 0; i < 100; i++)
		bus__register(&b, 0x10000 + i * 16, 16, h, NULL, "many");
	r = bus__find(&b, 0x10000 + 57 * 16 + 15, 1);
	ok(r && r->base == 0x10000 + 57 * 16, "lookup among 100 ranges");
	bus__exit(&b);
	return tap_done();
}
