// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM binary statistics: the file behind KVM_GET_STATS_FD, parsed as
 * untrusted input (the unit tests feed it corrupted files).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "zapvm/stats.h"
#include "zapvm/util.h"

#define STATS_MAX_DESC 4096
#define STATS_MAX_NAME_SIZE 4096
/*
 * A 6.x x86 vCPU has about 200 values in 2 KiB; the caps only keep a
 * hostile file from making us allocate gigabytes.
 */
#define STATS_MAX_VALUES (1u << 16)
#define STATS_MAX_DATA (1u << 20)

struct range {
	uint64_t start;
	uint64_t end;
};

/* Bytes read: less than @len only at end of file. */
static ssize_t read_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (len > SSIZE_MAX || off > (uint64_t)INT64_MAX - len)
		return -EINVAL;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* 0, -EINVAL if the file ends before @len bytes, or -errno. */
static int read_exact(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = read_full(fd, buf, len, off);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EINVAL;
}

static bool ranges_overlap(const struct range *a, const struct range *b)
{
	if (a->start == a->end || b->start == b->end)
		return false;
	return a->start < b->end && b->start < a->end;
}

static int check_desc(const struct stats_desc *d)
{
	uint32_t type = d->flags & KVM_STATS_TYPE_MASK;

	if (type > KVM_STATS_TYPE_MAX ||
	    (d->flags & KVM_STATS_UNIT_MASK) > KVM_STATS_UNIT_MAX ||
	    (d->flags & KVM_STATS_BASE_MASK) > KVM_STATS_BASE_MAX)
		return -EINVAL;
	if (d->size == 0)
		return -EINVAL;
	switch (type) {
	case KVM_STATS_TYPE_CUMULATIVE:
	case KVM_STATS_TYPE_INSTANT:
	case KVM_STATS_TYPE_PEAK:
		return d->size == 1 ? 0 : -EINVAL;
	case KVM_STATS_TYPE_LINEAR_HIST:
		return d->bucket_size ? 0 : -EINVAL;
	case KVM_STATS_TYPE_LOG_HIST:
		return 0;
	default:
		return -EINVAL;
	}
}

static int cmp_name(const void *a, const void *b)
{
	const struct stats_desc *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int check_unique(const struct stats_set *s)
{
	const struct stats_desc **v;
	int ret = 0;

	if (s->ndesc < 2)
		return 0;
	v = calloc(s->ndesc, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->ndesc; i++)
		v[i] = &s->desc[i];
	qsort(v, s->ndesc, sizeof(*v), cmp_name);
	for (uint32_t i = 1; i < s->ndesc; i++) {
		if (!strcmp(v[i - 1]->name, v[i]->name)) {
			ret = -EINVAL;
			break;
		}
	}
	free(v);
	return ret;
}

static int read_desc(struct stats_set *s, const struct kvm_stats_header *h,
		     uint64_t stride, void *buf)
{
	const char *name = (const char *)buf + sizeof(struct kvm_stats_desc);

	for (uint32_t i = 0; i < h->num_desc; i++) {
		struct stats_desc *d = &s->desc[i];
		struct kvm_stats_desc kd;
		uint64_t off, bytes, end;
		size_t len;
		int ret;

		/* Cannot overflow: checked against desc_end by the caller. */
		off = h->desc_offset + (uint64_t)i * stride;
		ret = read_exact(s->fd, buf, stride, off);
		if (ret)
			return ret;
		memcpy(&kd, buf, sizeof(kd));

		len = strnlen(name, h->name_size);
		if (len == 0 || len == h->name_size)
			return -EINVAL;
		if (len >= sizeof(d->name))
			len = sizeof(d->name) - 1;
		memcpy(d->name, name, len);
		d->name[len] = '\0';

		d->flags = kd.flags;
		d->exponent = kd.exponent;
		d->size = kd.size;
		d->offset = kd.offset;
		d->bucket_size = kd.bucket_size;
		d->first = s->nvalues;
		ret = check_desc(d);
		if (ret)
			return ret;

		if (__builtin_mul_overflow((uint64_t)d->size, sizeof(uint64_t),
					   &bytes) ||
		    __builtin_add_overflow((uint64_t)d->offset, bytes, &end) ||
		    end > STATS_MAX_DATA)
			return -EINVAL;
		if (end > s->data_size)
			s->data_size = end;
		if (__builtin_add_overflow(s->nvalues, (uint32_t)d->size,
					   &s->nvalues) ||
		    s->nvalues > STATS_MAX_VALUES)
			return -EINVAL;
	}
	return 0;
}

static int parse(struct stats_set *s)
{
	struct kvm_stats_header h;
	struct range hdr, id, desc, data;
	const struct range *blocks[4] = { &hdr, &id, &desc, &data };
	uint64_t stride, desc_bytes;
	char *buf;
	size_t len;
	int ret;

	ret = read_exact(s->fd, &h, sizeof(h), 0);
	if (ret)
		return ret;
	if (h.name_size == 0 || h.name_size > STATS_MAX_NAME_SIZE ||
	    h.num_desc > STATS_MAX_DESC)
		return -EINVAL;
	/* api.rst guarantees 8-byte aligned blocks; anything else is corrupt. */
	if ((h.id_offset | h.desc_offset | h.data_offset) & 7)
		return -EINVAL;

	if (__builtin_add_overflow(sizeof(struct kvm_stats_desc),
				   (uint64_t)h.name_size, &stride) ||
	    __builtin_mul_overflow(stride, (uint64_t)h.num_desc, &desc_bytes))
		return -EINVAL;
	hdr = (struct range){ 0, sizeof(h) };
	id.start = h.id_offset;
	desc.start = h.desc_offset;
	data.start = h.data_offset;
	if (__builtin_add_overflow(id.start, (uint64_t)h.name_size, &id.end) ||
	    __builtin_add_overflow(desc.start, desc_bytes, &desc.end))
		return -EINVAL;

	/* One buffer, big enough for the id string and for one descriptor. */
	buf = malloc(stride);
	if (!buf)
		return -ENOMEM;

	ret = read_exact(s->fd, buf, h.name_size, h.id_offset);
	if (ret)
		goto out_free_buf;
	len = strnlen(buf, h.name_size);
	if (len == h.name_size) {
		ret = -EINVAL;
		goto out_free_buf;
	}
	if (len >= sizeof(s->id))
		len = sizeof(s->id) - 1;
	memcpy(s->id, buf, len);
	s->id[len] = '\0';

	if (h.num_desc) {
		s->desc = calloc(h.num_desc, sizeof(*s->desc));
		if (!s->desc) {
			ret = -ENOMEM;
			goto out_free_buf;
		}
	}
	s->ndesc = h.num_desc;
	ret = read_desc(s, &h, stride, buf);
	if (ret)
		goto out_free_buf;
	s->data_offset = h.data_offset;
	data.end = data.start + s->data_size;

	ret = -EINVAL;
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (ranges_overlap(blocks[i], blocks[j]))
				goto out_free_buf;
	ret = check_unique(s);
	if (ret)
		goto out_free_buf;

	free(buf);
	buf = NULL;
	/* The data block must really be there, not merely described. */
	if (s->data_size) {
		buf = malloc(s->data_size);
		if (!buf)
			return -ENOMEM;
		ret = read_exact(s->fd, buf, s->data_size, s->data_offset);
	}

out_free_buf:
	free(buf);
	return ret;
}

int stats__open(struct stats_set *s, int fd)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (fd < 0)
		return -EBADF;
	s->fd = fd;
	ret = parse(s);
	if (ret)
		stats__close(s);
	return ret;
}

void stats__close(struct stats_set *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->desc);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int stats__find(const struct stats_set *s, const char *name)
{
	for (uint32_t i = 0; i < s->ndesc; i++)
		if (!strcmp(s->desc[i].name, name))
			return (int)i;
	return -ENOENT;
}

/* The kernel's layout: values in descriptor order, no gaps. */
static bool is_dense(const struct stats_set *s)
{
	if (s->data_size != (uint64_t)s->nvalues * sizeof(uint64_t))
		return false;
	for (uint32_t i = 0; i < s->ndesc; i++)
		if (s->desc[i].offset !=
		    (uint64_t)s->desc[i].first * sizeof(uint64_t))
			return false;
	return true;
}

int stats__snapshot(const struct stats_set *s, uint64_t *vals)
{
	unsigned char *buf;
	ssize_t n;

	if (s->fd < 0)
		return -EBADF;
	if (!s->nvalues)
		return 0;
	if (is_dense(s)) {
		n = read_full(s->fd, vals, s->data_size, s->data_offset);
		if (n < 0)
			return (int)n;
		return (uint64_t)n == s->data_size ? 0 : -EIO;
	}

	buf = malloc(s->data_size);
	if (!buf)
		return -ENOMEM;
	n = read_full(s->fd, buf, s->data_size, s->data_offset);
	if (n < 0 || (uint64_t)n != s->data_size) {
		free(buf);
		return n < 0 ? (int)n : -EIO;
	}
	for (uint32_t i = 0; i < s->ndesc; i++) {
		const struct stats_desc *d = &s->desc[i];

		memcpy(&vals[d->first], buf + d->offset,
		       (size_t)d->size * sizeof(uint64_t));
	}
	free(buf);
	return 0;
}

/* A cumulative value that went down was cleared (debugfs allows writes). */
static uint64_t counter_delta(uint64_t before, uint64_t after)
{
	return after >= before ? after - before : after;
}

void stats__delta(const struct stats_set *s, const uint64_t *before,
		  const uint64_t *after, uint64_t *delta)
{
	for (uint32_t i = 0; i < s->ndesc; i++) {
		const struct stats_desc *d = &s->desc[i];
		uint32_t k = d->first;

		switch (d->flags & KVM_STATS_TYPE_MASK) {
		case KVM_STATS_TYPE_INSTANT:
			delta[k] = after[k];
			break;
		case KVM_STATS_TYPE_PEAK:
			delta[k] = after[k] > before[k] ? after[k] : before[k];
			break;
		case KVM_STATS_TYPE_CUMULATIVE:
		case KVM_STATS_TYPE_LINEAR_HIST:
		case KVM_STATS_TYPE_LOG_HIST:
		default:
			for (uint32_t j = k; j < k + d->size; j++)
				delta[j] = counter_delta(before[j], after[j]);
			break;
		}
	}
}

const char *stats__type_name(uint32_t flags)
{
	switch (flags & KVM_STATS_TYPE_MASK) {
	case KVM_STATS_TYPE_CUMULATIVE:
		return "cumulative";
	case KVM_STATS_TYPE_INSTANT:
		return "instant";
	case KVM_STATS_TYPE_PEAK:
		return "peak";
	case KVM_STATS_TYPE_LINEAR_HIST:
		return "linear-hist";
	case KVM_STATS_TYPE_LOG_HIST:
		return "log-hist";
	default:
		return "unknown";
	}
}

const char *stats__unit_name(uint32_t flags)
{
	switch (flags & KVM_STATS_UNIT_MASK) {
	case KVM_STATS_UNIT_NONE:
		return "none";
	case KVM_STATS_UNIT_BYTES:
		return "bytes";
	case KVM_STATS_UNIT_SECONDS:
		return "seconds";
	case KVM_STATS_UNIT_CYCLES:
		return "cycles";
	case KVM_STATS_UNIT_BOOLEAN:
		return "boolean";
	default:
		return "unknown";
	}
}

const char *stats__base_name(uint32_t flags)
{
	switch (flags & KVM_STATS_BASE_MASK) {
	case KVM_STATS_BASE_POW10:
		return "pow10";
	case KVM_STATS_BASE_POW2:
		return "pow2";
	default:
		return "unknown";
	}
}

static const char *scale_prefix(uint32_t base, int exponent)
{
	static const struct {
		uint32_t base;
		int exponent;
		const char *prefix;
	} prefixes[] = {
		{ KVM_STATS_BASE_POW10, -9, "n" },
		{ KVM_STATS_BASE_POW10, -6, "u" },
		{ KVM_STATS_BASE_POW10, -3, "m" },
		{ KVM_STATS_BASE_POW10, 3, "k" },
		{ KVM_STATS_BASE_POW10, 6, "M" },
		{ KVM_STATS_BASE_POW10, 9, "G" },
		{ KVM_STATS_BASE_POW2, 10, "Ki" },
		{ KVM_STATS_BASE_POW2, 20, "Mi" },
		{ KVM_STATS_BASE_POW2, 30, "Gi" },
		{ KVM_STATS_BASE_POW2, 40, "Ti" },
	};

	if (exponent == 0)
		return "";
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (prefixes[i].base == base &&
		    prefixes[i].exponent == exponent)
			return prefixes[i].prefix;
	return NULL;
}

int stats__format_unit(const struct stats_desc *d, char *buf, size_t len)
{
	static const char *const symbols[] = {
		[KVM_STATS_UNIT_NONE >> KVM_STATS_UNIT_SHIFT] = "",
		[KVM_STATS_UNIT_BYTES >> KVM_STATS_UNIT_SHIFT] = "B",
		[KVM_STATS_UNIT_SECONDS >> KVM_STATS_UNIT_SHIFT] = "s",
		[KVM_STATS_UNIT_CYCLES >> KVM_STATS_UNIT_SHIFT] = "cycles",
		[KVM_STATS_UNIT_BOOLEAN >> KVM_STATS_UNIT_SHIFT] = "bool",
	};
	uint32_t unit = (d->flags & KVM_STATS_UNIT_MASK) >>
			KVM_STATS_UNIT_SHIFT;
	uint32_t base = d->flags & KVM_STATS_BASE_MASK;
	const char *sym, *prefix;

	if (unit >= ARRAY_SIZE(symbols) || base > KVM_STATS_BASE_MAX)
		return snprintf(buf, len, "?");
	sym = symbols[unit];
	prefix = scale_prefix(base, d->exponent);
	if (prefix && (*sym || !*prefix))
		return snprintf(buf, len, "%s%s", prefix, sym);
	return snprintf(buf, len, "x%d^%d%s%s",
			base == KVM_STATS_BASE_POW2 ? 2 : 10, d->exponent,
			*sym ? " " : "", sym);
}

int stats__format_named(char *buf, size_t len, const char *what,
			const char *const *names, const uint64_t *vals,
			const bool *have, unsigned int n)
{
	int off = 0, w;

	if (len)
		buf[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		if (!have[i])
			continue;
		w = snprintf(buf + (size_t)off, len - (size_t)off,
			     "%s%s%s %llu", off ? ", " : what, off ? "" : ": ",
			     names[i], (unsigned long long)vals[i]);
		if (w < 0)
			return w;
		off += w;
		if ((size_t)off >= len)
			return off; /* truncated: @buf is full */
	}
	return off;
}

int stats__describe(const struct stats_set *s, const char *what,
		    const char *const *names, unsigned int n, char *buf,
		    size_t len)
{
	uint64_t *all, vals[16];
	bool have[16];
	int ret;

	if (len)
		buf[0] = '\0';
	if (!s || s->fd < 0)
		return -ENOENT;
	if (n > ARRAY_SIZE(vals))
		return -EINVAL;
	all = calloc(s->nvalues ? s->nvalues : 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = stats__snapshot(s, all);
	for (unsigned int i = 0; !ret && i < n; i++) {
		int k = stats__find(s, names[i]);

		have[i] = k >= 0;
		vals[i] = k >= 0 ? all[s->desc[k].first] : 0;
	}
	free(all);
	if (!ret)
		stats__format_named(buf, len, what, names, vals, have, n);
	return ret;
}
