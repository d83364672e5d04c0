/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A run's timeline (`zapvm run --sample-ms N`): every VM and vCPU stat
 * sampled every N ms from a thread of its own (reading a stats fd takes no
 * vCPU lock, so the vCPUs never wait for it), and the run's phase marks as
 * events, those that memslot changes began told apart. src/core/timeline.c;
 * the --plot drawn from its JSON is src/cmd/run-timeline.c.
 */
#ifndef ZAPVM_TIMELINE_H
#define ZAPVM_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct phase_log;
struct stats_set;
struct trace_fault;

/* At most this many bytes of samples; later samples are dropped. */
#define TIMELINE_MAX_BYTES (64u << 20)

struct timeline;

/* timeline__new - an empty timeline sampling every @interval_ms (> 0). */
struct timeline *timeline__new(unsigned int interval_ms);
void timeline__free(struct timeline *tl);

/*
 * timeline__bind - sample @sets[0] (the VM's; its fd may be -1: none) and
 * @sets[1..@nsets-1] (the vCPUs'), which must outlive the timeline's last
 * use; time 0 is now. 0, -EINVAL (bound already, @nsets 0), -ENOMEM.
 */
int timeline__bind(struct timeline *tl, const struct stats_set *sets,
		   unsigned int nsets);

/*
 * timeline__sample - one sample of every set now (at @now_ns, monotonic;
 * 0: read the clock). Thread-safe. 0, -ENOSPC when TIMELINE_MAX_BYTES are
 * used (the timeline says "truncated"), or a stats__snapshot() -errno.
 */
int timeline__sample(struct timeline *tl, uint64_t now_ns);

/*
 * timeline__start - bind @sets as timeline__bind() and sample them now (on
 * the caller's thread, so the sample at time 0 comes before whatever the
 * caller starts next) and every interval after from a thread of its own
 * until timeline__stop(), which
 * takes a last sample and joins it. 0 or -errno (logged). Stop is safe on
 * a timeline that never started.
 */
int timeline__start(struct timeline *tl, const struct stats_set *sets,
		    unsigned int nsets);
void timeline__stop(struct timeline *tl);

/*
 * timeline__memslot - phase @phase of the run's phase log began with a
 * memslot change (negative @phase, a NULL @tl: nothing). Thread-safe.
 */
void timeline__memslot(struct timeline *tl, int phase);

/*
 * timeline__to_json - {"interval_ms", "samples": [{"t_ms", "vm": {stat:
 * value}, "vcpus": [{...}], and with @faults "trace": {"faults",
 * "first_touch", "refaults"}}], "events": [{"t_ms", "kind": "memslot" or
 * "mark", "name", "phase"}], "truncated"}. Values are cumulative as KVM
 * keeps them (histograms as arrays); "trace" counts the @nfaults @faults
 * (sorted by time; NULL: none) up to each sample. Events are the phases of
 * @phases (may be NULL) after the first ("start", time 0), in order, at
 * the time they began. NULL on ENOMEM.
 */
struct json_object *timeline__to_json(const struct timeline *tl,
				      const struct phase_log *phases,
				      const struct trace_fault *faults,
				      size_t nfaults);

#endif /* ZAPVM_TIMELINE_H */
