// SPDX-License-Identifier: GPL-2.0-only
/*
 * The phase log: KVM and zapvm counter deltas between marks. Marks come from
 * vCPU threads (guest phase markers) and the main thread (memslot changes).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <linux/kvm.h>

#include "zapvm/stats.h"

struct phase {
	char name[64];
	uint64_t ns;
	uint64_t vals[]; /* VM deltas | vCPU deltas combined | counter deltas */
};

struct phase_log {
	pthread_mutex_t lock;
	const struct stats_set *vm;
	const struct stats_set **vcpus;
	unsigned int nvcpus;
	char **counter_names;
	uint64_t **counters;
	unsigned int ncounters;

	uint32_t nvm; /* values per VM snapshot */
	uint32_t nvcpu; /* values per vCPU snapshot */
	size_t nvals; /* values per phase */
	size_t nsnap; /* values per full snapshot (every vCPU) */

	/* Snapshot at the start of the current phase, and a scratch one. */
	uint64_t *base;
	uint64_t *now;
	uint64_t *vcpu_delta;
	uint64_t base_ns;
	bool open; /* phases[count - 1] has not ended */
	bool finished;

	struct phase **phases;
	unsigned int count;
	unsigned int cap;
};

static const char *const scope_names[] = {
	[PHASE_VM] = "vm",
	[PHASE_VCPU] = "vcpu",
	[PHASE_ZAPVM] = "zapvm",
};

static pthread_mutex_t *log_lock(const struct phase_log *l)
{
	/* Readers take the lock too: the mutex is the one mutable part. */
	pthread_mutex_t *m = (pthread_mutex_t *)&l->lock;

	pthread_mutex_lock(m);
	return m;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint32_t type_of(const struct stats_desc *d)
{
	return d->flags & KVM_STATS_TYPE_MASK;
}

static bool same_layout(const struct stats_set *a, const struct stats_set *b)
{
	if (a->ndesc != b->ndesc || a->nvalues != b->nvalues)
		return false;
	for (uint32_t i = 0; i < a->ndesc; i++) {
		const struct stats_desc *x = &a->desc[i], *y = &b->desc[i];

		if (strcmp(x->name, y->name) || x->flags != y->flags ||
		    x->size != y->size || x->first != y->first)
			return false;
	}
	return true;
}

static int check_args(const struct stats_set *const *vcpus, unsigned int nvcpus,
		      const char *const *counter_names,
		      uint64_t *const *counters, unsigned int ncounters)
{
	if (nvcpus && !vcpus)
		return -EINVAL;
	for (unsigned int i = 0; i < nvcpus; i++)
		if (!vcpus[i] || !same_layout(vcpus[0], vcpus[i]))
			return -EINVAL;
	if (ncounters && (!counter_names || !counters))
		return -EINVAL;
	for (unsigned int i = 0; i < ncounters; i++)
		if (!counter_names[i] || !counters[i])
			return -EINVAL;
	return 0;
}

static void log_destroy(struct phase_log *l)
{
	if (l->counter_names)
		for (unsigned int i = 0; i < l->ncounters; i++)
			free(l->counter_names[i]);
	free(l->counter_names);
	free(l->counters);
	free(l->vcpus);
	free(l->base);
	free(l->now);
	free(l->vcpu_delta);
	for (unsigned int i = 0; i < l->count; i++)
		free(l->phases[i]);
	free(l->phases);
	free(l);
}

static void *calloc_nz(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

struct phase_log *
phase_log__new(const struct stats_set *vm, const struct stats_set *const *vcpus,
	       unsigned int nvcpus, const char *const *counter_names,
	       uint64_t *const *counters, unsigned int ncounters)
{
	struct phase_log *l;
	size_t n;
	int ret;

	ret = check_args(vcpus, nvcpus, counter_names, counters, ncounters);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->vm = vm;
	l->nvm = vm ? vm->nvalues : 0;
	l->nvcpu = nvcpus ? vcpus[0]->nvalues : 0;
	l->nvcpus = nvcpus;
	l->ncounters = ncounters;

	if (__builtin_mul_overflow((size_t)l->nvcpu, (size_t)nvcpus, &n) ||
	    __builtin_add_overflow(n, (size_t)l->nvm, &n) ||
	    __builtin_add_overflow(n, (size_t)ncounters, &l->nsnap) ||
	    __builtin_add_overflow((size_t)l->nvm, (size_t)l->nvcpu, &n) ||
	    __builtin_add_overflow(n, (size_t)ncounters, &l->nvals) ||
	    l->nvals > (SIZE_MAX - sizeof(struct phase)) / sizeof(uint64_t)) {
		ret = EINVAL;
		goto err_destroy;
	}

	ret = ENOMEM;
	l->vcpus = calloc_nz(nvcpus, sizeof(*l->vcpus));
	l->counter_names = calloc_nz(ncounters, sizeof(*l->counter_names));
	l->counters = calloc_nz(ncounters, sizeof(*l->counters));
	l->base = calloc_nz(l->nsnap, sizeof(uint64_t));
	l->now = calloc_nz(l->nsnap, sizeof(uint64_t));
	l->vcpu_delta = calloc_nz(l->nvcpu, sizeof(uint64_t));
	if (!l->vcpus || !l->counter_names || !l->counters || !l->base ||
	    !l->now || !l->vcpu_delta)
		goto err_destroy;
	for (unsigned int i = 0; i < nvcpus; i++)
		l->vcpus[i] = vcpus[i];
	for (unsigned int i = 0; i < ncounters; i++) {
		l->counter_names[i] = strdup(counter_names[i]);
		if (!l->counter_names[i])
			goto err_destroy;
		l->counters[i] = counters[i];
	}

	ret = pthread_mutex_init(&l->lock, NULL);
	if (ret)
		goto err_destroy;
	return l;

err_destroy:
	log_destroy(l);
	errno = ret;
	return NULL;
}

void phase_log__free(struct phase_log *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	log_destroy(l);
}

static int take_snapshot(struct phase_log *l, uint64_t *snap, uint64_t *ns)
{
	uint64_t *ctr = snap + l->nvm + (size_t)l->nvcpus * l->nvcpu;
	struct timespec ts;
	int ret;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -errno;
	*ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;

	if (l->vm) {
		ret = stats__snapshot(l->vm, snap);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < l->nvcpus; i++) {
		ret = stats__snapshot(l->vcpus[i],
				      snap + l->nvm + (size_t)i * l->nvcpu);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < l->ncounters; i++)
		ctr[i] = __atomic_load_n(l->counters[i], __ATOMIC_RELAXED);
	return 0;
}

static void fill_phase(struct phase_log *l, struct phase *p, uint64_t now_ns)
{
	const struct stats_set *v0 = l->nvcpus ? l->vcpus[0] : NULL;
	uint64_t *vcpu = p->vals + l->nvm, *ctr = vcpu + l->nvcpu;
	size_t snap_ctr = l->nvm + (size_t)l->nvcpus * l->nvcpu;

	p->ns = now_ns - l->base_ns;
	if (l->vm)
		stats__delta(l->vm, l->base, l->now, p->vals);

	for (unsigned int i = 0; i < l->nvcpus; i++) {
		size_t off = l->nvm + (size_t)i * l->nvcpu;

		stats__delta(l->vcpus[i], l->base + off, l->now + off,
			     i ? l->vcpu_delta : vcpu);
		if (!i)
			continue;
		for (uint32_t k = 0; k < v0->ndesc; k++) {
			const struct stats_desc *d = &v0->desc[k];

			for (uint32_t j = d->first; j < d->first + d->size;
			     j++) {
				uint64_t x = l->vcpu_delta[j];

				if (type_of(d) == KVM_STATS_TYPE_PEAK)
					vcpu[j] = vcpu[j] > x ? vcpu[j] : x;
				else
					vcpu[j] = add_sat(vcpu[j], x);
			}
		}
	}

	for (unsigned int i = 0; i < l->ncounters; i++) {
		uint64_t before = l->base[snap_ctr + i];
		uint64_t after = l->now[snap_ctr + i];

		ctr[i] = after >= before ? after - before : after;
	}
}

static int grow(struct phase_log *l)
{
	struct phase **v;
	unsigned int cap;

	if (l->count < l->cap)
		return 0;
	if (l->cap > UINT_MAX / 2)
		return -EOVERFLOW;
	cap = l->cap ? l->cap * 2 : 16;
	v = reallocarray(l->phases, cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->phases = v;
	l->cap = cap;
	return 0;
}

/*
 * End the current phase if one is open; begin @name unless it is NULL.
 * A phase gets its number when it begins (callers note the index of the
 * phase a memslot change started); its values are filled in when it ends.
 */
static int cut(struct phase_log *l, const char *name)
{
	struct phase *p = NULL;
	uint64_t *tmp, ns = 0;
	int ret;

	if (name) {
		ret = grow(l);
		if (ret)
			return ret;
		p = calloc(1, sizeof(*p) + l->nvals * sizeof(uint64_t));
		if (!p)
			return -ENOMEM;
		strncpy(p->name, name, sizeof(p->name) - 1);
	}
	ret = take_snapshot(l, l->now, &ns);
	if (ret) {
		free(p);
		return ret;
	}
	if (l->open)
		fill_phase(l, l->phases[l->count - 1], ns);
	if (p)
		l->phases[l->count++] = p;

	tmp = l->base;
	l->base = l->now;
	l->now = tmp;
	l->base_ns = ns;
	l->open = p;
	return 0;
}

int phase_log__mark(struct phase_log *l, const char *name)
{
	int ret;

	if (!name)
		return -EINVAL;
	pthread_mutex_lock(&l->lock);
	if (l->finished)
		ret = -EINVAL;
	else if (l->count >= PHASE_LOG_MAX)
		ret = -ENOSPC;
	else
		ret = cut(l, name);
	if (!ret)
		ret = (int)l->count - 1;
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int phase_log__finish(struct phase_log *l)
{
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (l->open)
		ret = cut(l, NULL);
	if (!ret)
		l->finished = true;
	pthread_mutex_unlock(&l->lock);
	return ret;
}

unsigned int phase_log__count(const struct phase_log *l)
{
	pthread_mutex_t *m = log_lock(l);
	unsigned int n = l->count;

	pthread_mutex_unlock(m);
	return n;
}

const char *phase_log__name(const struct phase_log *l, unsigned int phase)
{
	pthread_mutex_t *m = log_lock(l);
	const char *name = phase < l->count ? l->phases[phase]->name : NULL;

	pthread_mutex_unlock(m);
	return name;
}

uint64_t phase_log__ns(const struct phase_log *l, unsigned int phase)
{
	pthread_mutex_t *m = log_lock(l);
	uint64_t ns = phase < l->count ? l->phases[phase]->ns : 0;

	pthread_mutex_unlock(m);
	return ns;
}

/*
 * Where stat @name of @scope lives in a phase's values; *d is NULL for a
 * zapvm counter.
 */
static int locate(const struct phase_log *l, enum phase_scope scope,
		  const char *name, size_t *first, const struct stats_desc **d)
{
	const struct stats_set *s;
	size_t base;
	int i;

	switch (scope) {
	case PHASE_VM:
		s = l->vm;
		base = 0;
		break;
	case PHASE_VCPU:
		s = l->nvcpus ? l->vcpus[0] : NULL;
		base = l->nvm;
		break;
	case PHASE_ZAPVM:
		for (unsigned int k = 0; k < l->ncounters; k++) {
			if (!strcmp(l->counter_names[k], name)) {
				*first = l->nvm + (size_t)l->nvcpu + k;
				*d = NULL;
				return 0;
			}
		}
		return -ENOENT;
	default:
		return -EINVAL;
	}
	if (!s)
		return -ENOENT;
	i = stats__find(s, name);
	if (i < 0)
		return i;
	*d = &s->desc[i];
	*first = base + (*d)->first;
	return 0;
}

static uint64_t value_at(const struct phase *p, size_t first,
			 const struct stats_desc *d)
{
	uint64_t sum = 0;

	if (!d)
		return p->vals[first];
	for (size_t j = first; j < first + d->size; j++)
		sum = add_sat(sum, p->vals[j]);
	return sum;
}

int phase_log__value(const struct phase_log *l, unsigned int phase,
		     enum phase_scope scope, const char *name, uint64_t *out)
{
	pthread_mutex_t *m = log_lock(l);
	const struct stats_desc *d;
	size_t first;
	int ret;

	ret = locate(l, scope, name, &first, &d);
	if (!ret && phase >= l->count)
		ret = -EINVAL;
	if (!ret)
		*out = value_at(l->phases[phase], first, d);
	pthread_mutex_unlock(m);
	return ret;
}

int phase_log__sum(const struct phase_log *l, unsigned int from,
		   enum phase_scope scope, const char *name, uint64_t *out)
{
	pthread_mutex_t *m = log_lock(l);
	const struct stats_desc *d;
	uint64_t acc = 0;
	size_t first;
	int ret;

	ret = locate(l, scope, name, &first, &d);
	if (!ret && from > l->count)
		ret = -EINVAL;
	if (ret)
		goto out_unlock;
	for (unsigned int i = from; i < l->count; i++) {
		uint64_t v = value_at(l->phases[i], first, d);

		switch (d ? type_of(d) : KVM_STATS_TYPE_CUMULATIVE) {
		case KVM_STATS_TYPE_PEAK:
			acc = acc > v ? acc : v;
			break;
		case KVM_STATS_TYPE_INSTANT:
			acc = v;
			break;
		default:
			acc = add_sat(acc, v);
			break;
		}
	}
	*out = acc;
out_unlock:
	pthread_mutex_unlock(m);
	return ret;
}

static bool is_hist(const struct stats_desc *d)
{
	return type_of(d) == KVM_STATS_TYPE_LINEAR_HIST ||
	       type_of(d) == KVM_STATS_TYPE_LOG_HIST;
}

static void print_set(FILE *f, const char *scope, const struct stats_set *s,
		      const uint64_t *vals, bool all)
{
	char unit[32];

	if (!s)
		return;
	for (uint32_t i = 0; i < s->ndesc; i++) {
		const struct stats_desc *d = &s->desc[i];
		const uint64_t *v = vals + d->first;
		uint64_t sum = 0;

		for (uint32_t j = 0; j < d->size; j++)
			sum = add_sat(sum, v[j]);
		if (!sum && !all)
			continue;
		stats__format_unit(d, unit, sizeof(unit));
		fprintf(f, "  %-6s %-32s %20" PRIu64 "%s%s", scope, d->name,
			sum, *unit ? " " : "", unit);
		if (type_of(d) != KVM_STATS_TYPE_CUMULATIVE)
			fprintf(f, " (%s)", stats__type_name(d->flags));
		if (is_hist(d)) {
			for (uint32_t j = 0; j < d->size; j++)
				if (v[j])
					fprintf(f, " [%u]=%" PRIu64, j, v[j]);
		}
		fputc('\n', f);
	}
}

void phase_log__print(const struct phase_log *l, FILE *f, bool all)
{
	pthread_mutex_t *m = log_lock(l);

	for (unsigned int i = 0; i < l->count; i++) {
		const struct phase *p = l->phases[i];
		const uint64_t *ctr = p->vals + l->nvm + l->nvcpu;

		if (l->open && i == l->count - 1) {
			fprintf(f, "phase %u: %s (not ended)\n", i, p->name);
			continue;
		}
		fprintf(f, "phase %u: %s (%" PRIu64 ".%06" PRIu64 " ms)\n", i,
			p->name, p->ns / 1000000, p->ns % 1000000);
		print_set(f, scope_names[PHASE_VM], l->vm, p->vals, all);
		print_set(f, scope_names[PHASE_VCPU],
			  l->nvcpus ? l->vcpus[0] : NULL, p->vals + l->nvm,
			  all);
		for (unsigned int k = 0; k < l->ncounters; k++)
			if (ctr[k] || all)
				fprintf(f, "  %-6s %-32s %20" PRIu64 "\n",
					scope_names[PHASE_ZAPVM],
					l->counter_names[k], ctr[k]);
	}
	pthread_mutex_unlock(m);
}

/* json_object_object_add() and array_add() do not take @v on failure. */
static int json_put(struct json_object *o, const char *key,
		    struct json_object *v)
{
	int ret;

	if (!v)
		return -ENOMEM;
	ret = key ? json_object_object_add(o, key, v) :
		    json_object_array_add(o, v);
	if (ret) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static struct json_object *json_values(const struct stats_set *s,
				       const uint64_t *vals)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (uint32_t i = 0; s && i < s->ndesc; i++) {
		const struct stats_desc *d = &s->desc[i];
		const uint64_t *v = vals + d->first;
		struct json_object *a;

		if (!is_hist(d)) {
			if (json_put(o, d->name, json_object_new_uint64(*v)))
				goto err_put;
			continue;
		}
		a = json_object_new_array_ext((int)d->size);
		if (!a)
			goto err_put;
		for (uint32_t j = 0; j < d->size; j++) {
			if (json_put(a, NULL, json_object_new_uint64(v[j]))) {
				json_object_put(a);
				goto err_put;
			}
		}
		if (json_put(o, d->name, a))
			goto err_put;
	}
	return o;

err_put:
	json_object_put(o);
	return NULL;
}

static struct json_object *json_phase(const struct phase_log *l,
				      const struct phase *p, bool open)
{
	struct json_object *o = json_object_new_object(), *c;
	const uint64_t *ctr = p->vals + l->nvm + l->nvcpu;

	if (!o)
		return NULL;
	if ((open && json_put(o, "open", json_object_new_boolean(1))) ||
	    json_put(o, "name", json_object_new_string(p->name)) ||
	    json_put(o, "ns", json_object_new_uint64(p->ns)) ||
	    json_put(o, "vm", json_values(l->vm, p->vals)) ||
	    json_put(o, "vcpu",
		     json_values(l->nvcpus ? l->vcpus[0] : NULL,
				 p->vals + l->nvm)))
		goto err_put;
	c = json_object_new_object();
	if (json_put(o, "zapvm", c))
		goto err_put;
	for (unsigned int k = 0; k < l->ncounters; k++)
		if (json_put(c, l->counter_names[k],
			     json_object_new_uint64(ctr[k])))
			goto err_put;
	return o;

err_put:
	json_object_put(o);
	return NULL;
}

static struct json_object *json_descs(const struct stats_set *s)
{
	struct json_object *o = json_object_new_object(), *e;

	if (!o)
		return NULL;
	for (uint32_t i = 0; s && i < s->ndesc; i++) {
		const struct stats_desc *d = &s->desc[i];

		e = json_object_new_object();
		if (json_put(o, d->name, e) ||
		    json_put(e, "type",
			     json_object_new_string(
				     stats__type_name(d->flags))) ||
		    json_put(e, "unit",
			     json_object_new_string(
				     stats__unit_name(d->flags))) ||
		    json_put(e, "base",
			     json_object_new_string(
				     stats__base_name(d->flags))) ||
		    json_put(e, "exponent", json_object_new_int(d->exponent)) ||
		    json_put(e, "size", json_object_new_int(d->size)) ||
		    json_put(e, "bucket_size",
			     json_object_new_int64(d->bucket_size))) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

struct json_object *phase_log__to_json(const struct phase_log *l)
{
	pthread_mutex_t *m = log_lock(l);
	struct json_object *root = json_object_new_object(), *a, *st;

	if (!root)
		goto err_unlock;
	a = json_object_new_array();
	if (json_put(root, "phases", a))
		goto err_put;
	for (unsigned int i = 0; i < l->count; i++)
		if (json_put(a, NULL,
			     json_phase(l, l->phases[i],
					l->open && i == l->count - 1)))
			goto err_put;
	st = json_object_new_object();
	if (json_put(root, "nvcpus", json_object_new_int64(l->nvcpus)) ||
	    json_put(root, "stats", st) ||
	    json_put(st, "vm", json_descs(l->vm)) ||
	    json_put(st, "vcpu", json_descs(l->nvcpus ? l->vcpus[0] : NULL)))
		goto err_put;
	pthread_mutex_unlock(m);
	return root;

err_put:
	json_object_put(root);
err_unlock:
	pthread_mutex_unlock(m);
	errno = ENOMEM;
	return NULL;
}
