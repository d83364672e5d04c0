/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM binary statistics (KVM_GET_STATS_FD) and the per-phase accounting
 * built on them.
 */
#ifndef ZAPVM_STATS_H
#define ZAPVM_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

/* One descriptor, decoded from a struct kvm_stats_desc. */
struct stats_desc {
	char name[64]; /* NUL-terminated, truncated if longer */
	uint32_t flags; /* KVM_STATS_TYPE_* | KVM_STATS_UNIT_* | KVM_STATS_BASE_* */
	int16_t exponent;
	uint16_t size; /* number of u64 values (histogram buckets) */
	uint32_t offset; /* byte offset in the data block */
	uint32_t bucket_size;
	uint32_t first; /* index of its first value in a snapshot array */
};

/* The stats of one VM or vCPU. */
struct stats_set {
	int fd; /* the stats fd; owned */
	char id[64]; /* header id string, e.g. "kvm-1234" */
	uint32_t ndesc;
	struct stats_desc *desc;
	uint32_t nvalues; /* sum of desc[i].size */
	uint64_t data_offset;
	uint64_t data_size; /* bytes of the data block we read */
};

/*
 * stats__open - read the header and every descriptor of @fd, a file
 * descriptor returned by KVM_GET_STATS_FD (or a file with the same layout).
 * Takes ownership of @fd (closed by stats__close(), also on failure).
 * Rejects malformed headers: descriptors or data outside the file, sizes
 * that overflow, name_size of 0 or > 4096, more than 4096 descriptors, blocks
 * not 8-byte aligned or overlapping, names empty, duplicated or not
 * NUL-terminated within name_size, unknown types, units or bases, a
 * non-histogram with size != 1, a linear histogram with bucket_size 0, a
 * value block shorter than its descriptors need (bytes after the last
 * described value are ignored). Returns 0 or -errno (-EINVAL for malformed
 * data); on failure @s is left closed (fd -1), safe to stats__close() again.
 */
int stats__open(struct stats_set *s, int fd);
void stats__close(struct stats_set *s);

/* stats__find - the index into s->desc of @name, or -ENOENT. */
int stats__find(const struct stats_set *s, const char *name);

/* stats__snapshot - read all s->nvalues values into @vals. 0 or -errno. */
int stats__snapshot(const struct stats_set *s, uint64_t *vals);

/*
 * stats__delta - what happened between two snapshots: cumulative values and
 * histogram buckets are after - before (or @after if the value went down,
 * i.e. it was cleared through debugfs), instant values are @after's, peak
 * values are max(before, after).
 */
void stats__delta(const struct stats_set *s, const uint64_t *before,
		  const uint64_t *after, uint64_t *delta);

/*
 * stats__values_json - snapshot @vals of @s as {name: value, or [buckets]
 * for a histogram} (stats-json.c). NULL on ENOMEM.
 */
struct json_object *stats__values_json(const struct stats_set *s,
				       const uint64_t *vals);

/*
 * Strings for a descriptor's type, unit and base ("cumulative", "bytes",
 * "pow2", ...); "unknown" for values this header does not know.
 */
const char *stats__type_name(uint32_t flags);
const char *stats__unit_name(uint32_t flags);
const char *stats__base_name(uint32_t flags);

/*
 * stats__format_unit - @d's unit with its base and exponent as a symbol:
 * "ns", "KiB", "cycles", "" for a plain count, "x10^-4 s" when there is no
 * prefix. Returns what snprintf() returns.
 */
int stats__format_unit(const struct stats_desc *d, char *buf, size_t len);

/*
 * stats__format_named - "@what: name value, name value" into @buf for
 * the @n stats @names whose @have is true, in the order given; "" when
 * none is (@buf always NUL-terminated if @len > 0; a long list is
 * truncated). Returns what snprintf() returns.
 */
int stats__format_named(char *buf, size_t len, const char *what,
			const char *const *names, const uint64_t *vals,
			const bool *have, unsigned int n);

/*
 * stats__describe - stats__format_named() for the @names @s has, from one
 * snapshot read now; @names it lacks are left out. 0, or -errno with
 * @buf "" (no stats, a failed read, no memory).
 */
int stats__describe(const struct stats_set *s, const char *what,
		    const char *const *names, unsigned int n, char *buf,
		    size_t len);

/*
 * The phase log: a run is cut into phases at start, at every memslot change,
 * at every guest phase marker and at exit. Each phase keeps the delta of the
 * VM's stats, the sum over vCPUs of the vCPUs' stats (peaks: the maximum),
 * the delta of named zapvm counters, and its wall time.
 */
enum phase_scope { PHASE_VM, PHASE_VCPU, PHASE_ZAPVM };

struct phase_log;

/*
 * phase_log__new - a log over @vm and @nvcpus vCPU stats sets (not owned;
 * they must outlive the log; @vm may be NULL). The vCPU sets must have the
 * same descriptors (names, types, sizes) in the same order. @counters/
 * @ncounters: names (copied) and addresses of zapvm's own monotonic counters
 * (read with relaxed atomics at each mark; they must outlive the log).
 * Returns NULL with errno set on failure (EINVAL, ENOMEM).
 */
struct phase_log *
phase_log__new(const struct stats_set *vm, const struct stats_set *const *vcpus,
	       unsigned int nvcpus, const char *const *counter_names,
	       uint64_t *const *counters, unsigned int ncounters);
void phase_log__free(struct phase_log *l);

/*
 * A log holds at most PHASE_LOG_MAX phases, so a guest that marks phases
 * in a loop or a --zap-churn run of hours costs bounded memory (a phase is
 * one delta of every stat: about 2 KiB with 6.1's stats).
 */
#define PHASE_LOG_MAX 4096

/*
 * phase_log__mark - end the current phase (if any) and begin one named
 * @name (truncated to 63 bytes). Thread-safe. Returns the new phase's
 * index (>= 0) or -errno; on failure the log is unchanged (the current
 * phase goes on under its old name). -ENOSPC: the log already holds
 * PHASE_LOG_MAX phases.
 */
int phase_log__mark(struct phase_log *l, const char *name);

/*
 * phase_log__finish - end the current phase; later marks fail with -EINVAL.
 * Finishing a finished log does nothing and returns 0.
 */
int phase_log__finish(struct phase_log *l);

/*
 * Phases are numbered from 0 in the order they begin: right after a mark,
 * phase_log__count() - 1 is the phase it began. Until a phase ends (next
 * mark or finish) its wall time and deltas read as 0, and print and json
 * flag it as not ended. The accessors are thread-safe; a name stays valid
 * until phase_log__free(). Out of range: NULL and 0.
 */
unsigned int phase_log__count(const struct phase_log *l);
const char *phase_log__name(const struct phase_log *l, unsigned int phase);
uint64_t phase_log__ns(const struct phase_log *l, unsigned int phase);

/*
 * phase_log__value - the delta of stat @name in @scope during @phase;
 * -ENOENT if the stat does not exist (for a histogram: the sum of buckets),
 * -EINVAL if @phase or @scope is out of range.
 */
int phase_log__value(const struct phase_log *l, unsigned int phase,
		     enum phase_scope scope, const char *name, uint64_t *out);

/*
 * phase_log__sum - phase_log__value() over phases [from, count): summed for
 * cumulative values, histograms and zapvm counters, the maximum for peaks,
 * the last phase's value for instants (a sum of levels means nothing).
 * 0 for an empty range; -EINVAL if @from > count.
 */
int phase_log__sum(const struct phase_log *l, unsigned int from,
		   enum phase_scope scope, const char *name, uint64_t *out);

/*
 * phase_log__print - a table: one block per phase with its name and wall
 * time and every non-zero delta (all of them if @all).
 */
void phase_log__print(const struct phase_log *l, FILE *f, bool all);

/*
 * phase_log__to_json - {"phases": [{"name", "ns", "vm": {...}, "vcpu": {...},
 * "zapvm": {...}}, ...], "nvcpus": N, "stats": {"vm": {name: {"type", "unit",
 * "base", "exponent", "size", "bucket_size"}}, "vcpu": {...}}}: every delta,
 * histograms as arrays; a phase not yet ended also has "open": true. NULL on
 * ENOMEM.
 */
struct json_object *phase_log__to_json(const struct phase_log *l);

#endif /* ZAPVM_STATS_H */
