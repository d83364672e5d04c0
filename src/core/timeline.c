// SPDX-License-Identifier: GPL-2.0-only
/*
 * A run's timeline (timeline.h): raw snapshots of every stats set in one
 * growing array, turned into JSON only at the end, so a sample costs the
 * sampler thread a few pread()s of the stats fds and no allocation most of
 * the time.
 */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zapvm/log.h"
#include "zapvm/stats.h"
#include "zapvm/timeline.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"

struct timeline {
	unsigned int interval_ms;
	const struct stats_set *sets; /* [0]: the VM, then the vCPUs */
	unsigned int nsets;
	/* The sets sampled (fd open at bind); the run closes the fds. */
	bool *on;
	size_t nvals; /* values per sample, all sets */
	uint64_t t0;

	pthread_mutex_t lock; /* the samples, stop */
	pthread_cond_t wake; /* CLOCK_MONOTONIC: stop requested */
	uint64_t *t_ns; /* per sample */
	uint64_t *vals; /* nvals per sample */
	size_t n, cap;
	bool truncated;
	bool stop, started;
	pthread_t thread;
	/* Its own lock: a vCPU thread notes a change, and must not wait. */
	pthread_mutex_t mlock;
	int *memslot; /* phases that memslot changes began */
	size_t nmemslot, memslot_cap;
};

struct timeline *timeline__new(unsigned int interval_ms)
{
	struct timeline *tl;
	pthread_condattr_t ca;

	if (!interval_ms) {
		errno = EINVAL;
		return NULL;
	}
	tl = calloc(1, sizeof(*tl));
	if (!tl)
		return NULL;
	tl->interval_ms = interval_ms;
	pthread_mutex_init(&tl->lock, NULL);
	pthread_mutex_init(&tl->mlock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tl->wake, &ca);
	pthread_condattr_destroy(&ca);
	return tl;
}

void timeline__free(struct timeline *tl)
{
	if (!tl)
		return;
	timeline__stop(tl);
	pthread_cond_destroy(&tl->wake);
	pthread_mutex_destroy(&tl->lock);
	pthread_mutex_destroy(&tl->mlock);
	free(tl->t_ns);
	free(tl->vals);
	free(tl->memslot);
	free(tl->on);
	free(tl);
}

int timeline__bind(struct timeline *tl, const struct stats_set *sets,
		   unsigned int nsets)
{
	if (tl->sets || !nsets)
		return -EINVAL;
	tl->on = calloc(nsets, sizeof(*tl->on));
	if (!tl->on)
		return -ENOMEM;
	tl->sets = sets;
	tl->nsets = nsets;
	tl->nvals = 0;
	for (unsigned int i = 0; i < nsets; i++) {
		tl->on[i] = sets[i].fd >= 0;
		tl->nvals += tl->on[i] ? sets[i].nvalues : 0;
	}
	tl->t0 = now_ns();
	return 0;
}

/* Room for one more sample; -ENOSPC past TIMELINE_MAX_BYTES. */
static int grow(struct timeline *tl)
{
	size_t cap = tl->cap ? tl->cap * 2 : 64;
	size_t per = (tl->nvals + 1) * sizeof(uint64_t);
	uint64_t *t, *v;

	if (tl->n < tl->cap)
		return 0;
	if (cap * per > TIMELINE_MAX_BYTES)
		cap = TIMELINE_MAX_BYTES / per;
	if (cap <= tl->n)
		return -ENOSPC;
	t = reallocarray(tl->t_ns, cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	tl->t_ns = t;
	v = reallocarray(tl->vals, cap * tl->nvals + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	tl->vals = v;
	tl->cap = cap;
	return 0;
}

int timeline__sample(struct timeline *tl, uint64_t now)
{
	uint64_t *row;
	int ret;

	pthread_mutex_lock(&tl->lock);
	ret = tl->sets ? grow(tl) : -EINVAL;
	if (ret == -ENOSPC)
		tl->truncated = true;
	if (ret)
		goto out;
	row = tl->vals + tl->n * tl->nvals;
	tl->t_ns[tl->n] = now ? now : now_ns();
	for (unsigned int i = 0; !ret && i < tl->nsets; i++) {
		if (!tl->on[i])
			continue;
		ret = stats__snapshot(&tl->sets[i], row);
		row += tl->sets[i].nvalues;
	}
	if (!ret)
		tl->n++;
out:
	pthread_mutex_unlock(&tl->lock);
	return ret;
}

/*
 * Sample every interval on the clock from t0 (late ticks are skipped);
 * timeline__start() took the sample at t0.
 */
static void *timeline__thread(void *arg)
{
	struct timeline *tl = arg;
	uint64_t step = tl->interval_ms * 1000000ULL, next = tl->t0;

	for (;;) {
		struct timespec ts;
		uint64_t now = now_ns();
		int ret;

		while (next <= now)
			next += step;
		ts.tv_sec = (time_t)(next / 1000000000ULL);
		ts.tv_nsec = (long)(next % 1000000000ULL);
		pthread_mutex_lock(&tl->lock);
		while (!tl->stop && pthread_cond_timedwait(&tl->wake, &tl->lock,
							   &ts) != ETIMEDOUT)
			;
		if (tl->stop) {
			pthread_mutex_unlock(&tl->lock);
			return NULL;
		}
		pthread_mutex_unlock(&tl->lock);
		ret = timeline__sample(tl, 0);
		if (ret && ret != -ENOSPC) {
			log_warn("--sample-ms: sampling stopped: %s",
				 strerror(-ret));
			return NULL;
		}
	}
}

int timeline__start(struct timeline *tl, const struct stats_set *sets,
		    unsigned int nsets)
{
	int ret = timeline__bind(tl, sets, nsets);

	/*
	 * The first sample here, not in the thread: the vCPUs start right
	 * after, and on a busy host the thread may first run when they have
	 * faulted for milliseconds, which the timeline would then miss.
	 */
	if (!ret)
		ret = timeline__sample(tl, 0);
	if (!ret)
		ret = -pthread_create(&tl->thread, NULL, timeline__thread, tl);
	if (ret) {
		log_warn("--sample-ms: no timeline: %s", strerror(-ret));
		return ret;
	}
	tl->started = true;
	return 0;
}

void timeline__stop(struct timeline *tl)
{
	if (!tl || !tl->started)
		return;
	pthread_mutex_lock(&tl->lock);
	tl->stop = true;
	pthread_cond_signal(&tl->wake);
	pthread_mutex_unlock(&tl->lock);
	pthread_join(tl->thread, NULL);
	tl->started = false;
	timeline__sample(tl, 0); /* the end of the run */
}

void timeline__memslot(struct timeline *tl, int phase)
{
	int *v;

	if (!tl || phase < 0)
		return;
	pthread_mutex_lock(&tl->mlock);
	if (tl->nmemslot == tl->memslot_cap) {
		size_t cap = tl->memslot_cap ? tl->memslot_cap * 2 : 64;

		v = reallocarray(tl->memslot, cap, sizeof(*v));
		if (!v)
			goto out;
		tl->memslot = v;
		tl->memslot_cap = cap;
	}
	tl->memslot[tl->nmemslot++] = phase;
out:
	pthread_mutex_unlock(&tl->mlock);
}

/* ---- JSON ------------------------------------------------------------ */

static bool is_memslot(const struct timeline *tl, unsigned int phase)
{
	for (size_t i = 0; i < tl->nmemslot; i++)
		if (tl->memslot[i] == (int)phase)
			return true;
	return false;
}

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int push(struct json_object *a, struct json_object *v)
{
	if (!v || json_object_array_add(a, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* The trace's faults up to @t: cumulative, from *@next on (sorted). */
static struct json_object *trace_counts(const struct trace_fault *f, size_t n,
					size_t *next, uint64_t t, uint64_t *cnt)
{
	struct json_object *o = json_object_new_object();

	for (; *next < n && f[*next].time <= t; (*next)++) {
		cnt[0]++;
		cnt[f[*next].refault ? 2 : 1]++;
	}
	if (!o || add(o, "faults", json_object_new_uint64(cnt[0])) ||
	    add(o, "first_touch", json_object_new_uint64(cnt[1])) ||
	    add(o, "refaults", json_object_new_uint64(cnt[2]))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Sample @i: t_ms, vm, vcpus (and trace, when @f). */
static struct json_object *sample_json(const struct timeline *tl, size_t i,
				       const struct trace_fault *f, size_t nf,
				       size_t *next, uint64_t *cnt)
{
	struct json_object *o = json_object_new_object(), *vcpus;
	const uint64_t *row = tl->vals + i * tl->nvals;
	int ret;

	vcpus = json_object_new_array();
	ret = !o ? -ENOMEM :
		   add(o, "t_ms",
		       json_object_new_double((double)(tl->t_ns[i] - tl->t0) /
					      1e6));
	for (unsigned int k = 0; !ret && k < tl->nsets; k++) {
		const struct stats_set *s = &tl->sets[k];

		if (!tl->on[k])
			continue;
		if (k)
			ret = push(vcpus, stats__values_json(s, row));
		else
			ret = add(o, "vm", stats__values_json(s, row));
		row += s->nvalues;
	}
	if (!ret)
		ret = add(o, "vcpus", vcpus);
	else
		json_object_put(vcpus);
	if (!ret && f)
		ret = add(o, "trace",
			  trace_counts(f, nf, next, tl->t_ns[i], cnt));
	if (ret) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The phases after "start", at the time each began. */
static struct json_object *events_json(const struct timeline *tl,
				       const struct phase_log *l)
{
	struct json_object *a = json_object_new_array();
	unsigned int n = l ? phase_log__count(l) : 0;
	uint64_t t = 0;

	for (unsigned int p = 0; a && p < n; p++) {
		struct json_object *e;

		if (p) {
			e = json_object_new_object();
			if (!e ||
			    add(e, "t_ms", json_object_new_double(t / 1e6)) ||
			    add(e, "kind",
				json_object_new_string(is_memslot(tl, p) ?
							       "memslot" :
							       "mark")) ||
			    add(e, "name",
				json_object_new_string(phase_log__name(l, p))) ||
			    add(e, "phase", json_object_new_int((int)p)) ||
			    push(a, e)) {
				json_object_put(a);
				return NULL;
			}
		}
		t += phase_log__ns(l, p);
	}
	return a;
}

struct json_object *timeline__to_json(const struct timeline *tl,
				      const struct phase_log *phases,
				      const struct trace_fault *faults,
				      size_t nfaults)
{
	struct json_object *o = json_object_new_object(), *samples;
	uint64_t cnt[3] = { 0 };
	size_t next = 0;
	int ret;

	samples = json_object_new_array();
	ret = !o ? -ENOMEM :
		   add(o, "interval_ms",
		       json_object_new_int64(tl->interval_ms));
	for (size_t i = 0; !ret && i < tl->n; i++)
		ret = push(samples,
			   sample_json(tl, i, faults, nfaults, &next, cnt));
	if (!ret)
		ret = add(o, "samples", samples);
	else
		json_object_put(samples);
	if (!ret)
		ret = add(o, "events", events_json(tl, phases));
	if (!ret)
		ret = add(o, "truncated",
			  json_object_new_boolean(tl->truncated));
	if (ret) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
