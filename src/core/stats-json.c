// SPDX-License-Identifier: GPL-2.0-only
/*
 * A snapshot of a stats set as JSON, shared by the time series of `zapvm
 * attach` and of `zapvm run --sample-ms` (timeline.c).
 */
#include <json-c/json.h>

#include "zapvm/stats.h"

struct json_object *stats__values_json(const struct stats_set *s,
				       const uint64_t *vals)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (uint32_t k = 0; k < s->ndesc; k++) {
		const struct stats_desc *d = &s->desc[k];
		struct json_object *x;

		if (d->size == 1) {
			x = json_object_new_uint64(vals[d->first]);
		} else {
			x = json_object_new_array_ext((int)d->size);
			for (uint32_t b = 0; x && b < d->size; b++)
				json_object_array_add(
					x, json_object_new_uint64(
						   vals[d->first + b]));
		}
		if (!x || json_object_object_add(o, d->name, x)) {
			json_object_put(x);
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}
