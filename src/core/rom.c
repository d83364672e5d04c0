// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/util.h"
#include "zapvm/vm.h"

#define ROM_MAX_SIZE (1ULL << 30)

int rom_spec__parse(const char *s, struct rom_spec *out)
{
	char *buf = strdup(s), *opt, *at;
	int ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (!buf)
		return -ENOMEM;
	opt = strstr(buf, ",size=");
	if (opt) {
		*opt = '\0';
		if (parse_size(opt + 6, &out->size) || !out->size ||
		    (out->size & 0xfff) || out->size > ROM_MAX_SIZE)
			goto out;
	}
	at = strrchr(buf, '@');
	if (at) {
		*at = '\0';
		if (parse_u64(at + 1, &out->gpa) || (out->gpa & 0xfff))
			goto out;
		out->has_gpa = true;
	}
	if (!*buf)
		goto out;
	if (!strncmp(buf, "pattern:", 8)) {
		uint64_t n;

		if (parse_size(buf + 8, &n) || !n || n > ROM_MAX_SIZE)
			goto out;
		if (!out->size && !align_up(n, 4096, &out->size))
			goto out;
		if (n > out->size) {
			ret = -EFBIG;
			goto out;
		}
		/* The pattern's length is the region size unless given. */
		out->pattern_len = n;
	} else {
		out->path = strdup(buf);
		if (!out->path) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

void rom_spec__free(struct rom_spec *r)
{
	free(r->path);
	r->path = NULL;
}
