/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --trace: KVM's tracepoints for the VM's own vCPU threads. Opening the
 * tracepoints with perf_event_open (one ring buffer per vCPU thread) and
 * reading them is src/core/trace.c; decoding a record by its tracepoint's
 * format file and classifying the faults it gives is src/core/trace-decode.c
 * (pure, unit-tested); what `run` prints and writes of it is
 * src/cmd/trace-report.c.
 *
 * The fault stream is kvmmmu:kvm_mmu_spte_requested (gfn, pfn, level): KVM
 * traces it each time a page fault is about to install a mapping, on the
 * TDP, shadow and PVM MMUs alike. Faults fixed without one (the fast path
 * that only makes a present SPTE writable, MMIO) are not in it.
 */
#ifndef ZAPVM_TRACE_H
#define ZAPVM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- a tracepoint's format file -------------------------------------- */

#define TRACE_MAX_FIELDS 32

struct trace_field {
	char name[48];
	uint32_t offset, size;
	bool is_signed;
};

struct trace_format {
	char name[64];
	uint32_t id;
	unsigned int nfields;
	struct trace_field fields[TRACE_MAX_FIELDS];
};

/*
 * trace_format__parse - fill @f from the text of a tracefs `format` file
 * ("name:", "ID:" and its "field:TYPE NAME; offset:N; size:N; signed:N;"
 * lines; arrays keep their name without the brackets). 0, or -EINVAL when
 * the name, the ID or a field line is malformed, a field ends past 64 KiB,
 * or there are more than TRACE_MAX_FIELDS fields.
 */
int trace_format__parse(const char *text, struct trace_format *f);

/* trace_format__field - the field @name of @f, or NULL. */
const struct trace_field *trace_format__field(const struct trace_format *f,
					      const char *name);

/*
 * trace_field__read - the value of @fl (1, 2, 4 or 8 bytes, host order,
 * sign-extended when signed) in the raw record @raw of @len bytes.
 * 0, or -EINVAL when the field lies outside the record or has another size.
 */
int trace_field__read(const struct trace_field *fl, const void *raw, size_t len,
		      uint64_t *out);

/* ---- perf samples ---------------------------------------------------- */

/* One PERF_RECORD_SAMPLE with PERF_SAMPLE_TID | TIME | RAW. */
struct trace_sample {
	uint32_t pid, tid;
	uint64_t time; /* CLOCK_MONOTONIC ns (use_clockid) */
	const uint8_t *raw; /* the tracepoint record, common_type first */
	uint32_t raw_size;
};

/*
 * trace_sample__decode - decode the perf record at @rec of @len bytes (its
 * perf_event_header included). 1 for a sample, 0 for another record type
 * (*@lost gets a PERF_RECORD_LOST's count, else 0), -EINVAL when the
 * record's size or the raw data's size do not fit in @len.
 */
int trace_sample__decode(const void *rec, size_t len, struct trace_sample *s,
			 uint64_t *lost);

/* ---- events and their classification -------------------------------- */

enum trace_event {
	TEV_SPTE_REQUESTED, /* kvmmmu:kvm_mmu_spte_requested: the faults */
	TEV_PAGE_FAULT, /* kvm:kvm_page_fault (VMX, SVM) */
	TEV_EXIT, /* kvm:kvm_exit (VMX, SVM) */
	TEV_ZAP_ALL_FAST, /* kvmmmu:kvm_mmu_zap_all_fast */
	TEV_PREPARE_ZAP, /* kvmmmu:kvm_mmu_prepare_zap_page */
	TEV_SPTE_CHANGED, /* kvmmmu:kvm_tdp_mmu_spte_changed */
	TEV_SPLIT_HUGE, /* kvmmmu:kvm_mmu_split_huge_page */
	TEV_NR
};

/* "system:name" of @e, and the short name the reports use. */
const char *trace_event__path(enum trace_event e);
const char *trace_event__name(enum trace_event e);

/* One fault: a kvm_mmu_spte_requested record. */
struct trace_fault {
	uint64_t time; /* CLOCK_MONOTONIC ns */
	uint64_t gfn;
	uint32_t vcpu;
	uint8_t level; /* 1: 4K, 2: 2M, 3: 1G */
	bool has_error_code; /* a kvm_page_fault for this GFN preceded it */
	uint64_t error_code; /* that kvm_page_fault's error_code */
	/* Set by trace__classify(): */
	bool refault; /* the GFN faulted before in the run */
	uint8_t region; /* index into its phase's region_names */
	unsigned int phase;
};

/*
 * The last kvm:kvm_page_fault of one vCPU thread, for the
 * kvm_mmu_spte_requested of the same fault: KVM traces the exit's fault
 * (SVM: the NPF's GPA and error code; VMX: the EPT violation's GPA and
 * exit qualification; shadow paging: the #PF's address and error code)
 * before the fault installs its SPTE, in the same thread, so the next
 * spte_requested of the same GFN is that fault's. A fault fixed without an
 * SPTE (MMIO, the fast path) leaves one pending that the next page fault
 * replaces; a #PF's guest-virtual address rarely matches a GFN.
 */
struct trace_pf {
	uint64_t gfn, error_code;
	bool pending;
};

/* trace_pf__note - a kvm_page_fault at @addr with @error_code. */
void trace_pf__note(struct trace_pf *p, uint64_t addr, uint64_t error_code);

/*
 * trace_pf__take - give fault @f (a spte_requested of the same thread,
 * just read) the pending page fault's error code if it is for @f's GFN;
 * nothing is pending after it either way.
 */
void trace_pf__take(struct trace_pf *p, struct trace_fault *f);

/* Any other event: when and which; a kvm_exit's reason too. */
struct trace_mark {
	uint64_t time;
	enum trace_event ev;
	uint32_t reason; /* kvm_exit: exit_reason */
	uint8_t isa; /* kvm_exit: KVM_ISA_VMX (1) or KVM_ISA_SVM (2), 0 unknown */
};

/* kvm_exits of one reason. */
struct trace_exit_count {
	uint8_t isa;
	uint32_t reason;
	uint64_t count;
};

/* Reasons counted per phase and run; the rest under the last, "other". */
#define TRACE_MAX_EXITS 24

/*
 * trace_exit__name - "npf", "io", "msr", ... for @reason of @isa (the names
 * of the kernel's VMX_EXIT_REASONS / SVM_EXIT_REASONS tables, lower case),
 * else "vmx:N" / "svm:0xN" / "exit:N" into @buf of @len bytes. Returns the
 * name.
 */
const char *trace_exit__name(uint8_t isa, uint32_t reason, char *buf,
			     size_t len);

/* A guest-physical region of one layout: [gfn, gfn + npages). */
struct trace_region {
	char name[32];
	uint64_t gfn, npages;
};

#define TRACE_MAX_REGIONS 24

/*
 * The memory layout of one phase: phases are cut at every memslot change,
 * so a layout holds for the whole phase it begins.
 */
struct trace_layout {
	unsigned int phase;
	uint64_t start; /* CLOCK_MONOTONIC ns */
	unsigned int nregions;
	struct trace_region regions[TRACE_MAX_REGIONS];
};

/* Counts of one region (or of a whole phase, or the run). */
struct trace_count {
	uint64_t faults;
	uint64_t first; /* first-touch: the GFN had not faulted in the run */
	uint64_t refaults; /* the GFN had faulted before in the run */
	uint64_t distinct; /* distinct GFNs (in the phase, or the run) */
};

/* The name faults outside every region of the layout count under. */
#define TRACE_OTHER_REGION "other"

struct trace_phase {
	struct trace_count all;
	unsigned int nregions; /* the layout's, then "other" */
	char region_names[TRACE_MAX_REGIONS + 1][32];
	struct trace_count regions[TRACE_MAX_REGIONS + 1];
	uint64_t events[TEV_NR];
	/* kvm_exit by reason, in order of first appearance. */
	unsigned int nexits;
	struct trace_exit_count exits[TRACE_MAX_EXITS];
	uint64_t exits_other; /* reasons past TRACE_MAX_EXITS */
};

struct trace_summary {
	unsigned int nphases;
	struct trace_phase *phases; /* owned */
	struct trace_count all;
	uint64_t floor_gfns; /* distinct 4K GFNs faulted in the run */
	uint64_t floor_2m; /* distinct 2M regions faulted */
	uint64_t refaults; /* re-faults from first_churn_phase on */
	uint64_t events[TEV_NR];
	unsigned int nexits;
	struct trace_exit_count exits[TRACE_MAX_EXITS];
	uint64_t exits_other;
};

/*
 * trace__classify - count @n faults (sorted by time) into @nphases phases
 * whose layouts are @layouts (any order; a phase without one counts every
 * fault as "other"). A fault belongs to the last layout that started at or
 * before it (the first one if none did); a re-fault is a fault on a GFN
 * that faulted earlier in the run (sets faults[i].refault, .phase and
 * .region). @marks are
 * counted into their phases the same way. refaults counts those in phases
 * @first_churn on (0: no run-time memslot change, none counted). 0 or
 * -ENOMEM; free @out with trace_summary__free().
 */
int trace__classify(struct trace_fault *faults, size_t n,
		    const struct trace_mark *marks, size_t nmarks,
		    const struct trace_layout *layouts, unsigned int nlayouts,
		    unsigned int nphases, unsigned int first_churn,
		    struct trace_summary *out);
void trace_summary__free(struct trace_summary *s);

/*
 * trace_layout__phase_of - the index into @layouts of the layout @time
 * falls in: the one with the latest start at or before @time (ties: the
 * later phase), else the earliest. -1 when @nlayouts is 0.
 */
int trace_layout__phase_of(const struct trace_layout *layouts,
			   unsigned int nlayouts, uint64_t time);

/*
 * trace_layout__region - the index of the region of @l that holds @gfn,
 * or l->nregions when none does ("other").
 */
unsigned int trace_layout__region(const struct trace_layout *l, uint64_t gfn);

/* ---- the live trace (src/core/trace.c) -------------------------------- */

struct trace;
struct vm;
struct vcpu;

/*
 * trace__new - find tracefs (/sys/kernel/tracing, else
 * /sys/kernel/debug/tracing; mounted at /sys/kernel/tracing when neither
 * is and the mount is allowed), read the format of every enum trace_event
 * that exists, and prove perf_event_open may open kvm_mmu_spte_requested
 * for this thread. @extra (TRACE_EXTRA_*) adds events that fire on every
 * exit: with both a rig boot took 16-18% longer, where the faults and zaps
 * alone cost nothing measurable (README, docs/results.md). 0 with *@out;
 * -ENOENT (no tracefs, or no kvm_mmu_spte_requested), -EACCES/-EPERM (not
 * permitted), -ENOMEM; then *@why is one line that says which (static or
 * in @whybuf of @len).
 */
int trace__new(struct trace **out, unsigned int extra, const char **why,
	       char *whybuf, size_t len);

/* trace__new()'s @extra: kvm:kvm_page_fault (each fault's error code). */
#define TRACE_EXTRA_PF 1u
/* kvm:kvm_exit (exits by reason). */
#define TRACE_EXTRA_EXIT 2u

/*
 * trace__start - start the thread that drains the ring buffers. 0 or
 * -errno. trace__stop - drain them one last time and stop it; call after
 * the vCPU threads are joined. Safe on a trace that never started.
 */
int trace__start(struct trace *t);
void trace__stop(struct trace *t);
void trace__free(struct trace *t);

/*
 * trace__vcpu - open the trace's events for the calling thread, which is
 * vCPU @v's, before its first KVM_RUN (src/core/vcpu.c calls it when
 * vm->cfg->trace is set). A failure is logged once and leaves the trace
 * incomplete (trace__incomplete()); the vCPU runs on.
 */
void trace__vcpu(struct vcpu *v);

/*
 * trace__phase - phase @phase of @vm's phase log began now: note the
 * memslot layout (RAM, ROMs, the PCI BAR window) it runs with. Called
 * by the core at every mark that succeeded; nothing without a trace.
 */
void trace__phase(struct vm *vm, int phase);

/*
 * trace__result - after trace__stop(): classify what was read into @out
 * (trace__classify() over the run's phases). 0 or -ENOMEM.
 */
int trace__result(struct trace *t, unsigned int nphases,
		  unsigned int first_churn, struct trace_summary *out);

/* The faults read, sorted by time after trace__result(); and how many. */
const struct trace_fault *trace__faults(const struct trace *t, size_t *n);

/*
 * trace__available - whether event @e exists on this host (its format was
 * read and its perf event opened).
 */
bool trace__available(const struct trace *t, enum trace_event e);

/*
 * trace__traced - whether event @e is traced: available, and, for
 * kvm_exit and kvm_page_fault, asked for in trace__new()'s @extra.
 */
bool trace__traced(const struct trace *t, enum trace_event e);

/* Records the kernel dropped (ring buffer full), and vCPUs not traced. */
uint64_t trace__lost(const struct trace *t);
unsigned int trace__incomplete(const struct trace *t);

/* The CLOCK_MONOTONIC ns of the first phase, 0 if none: CSV times count from it. */
uint64_t trace__t0(const struct trace *t);

/*
 * For `zapvm exec`, whose vCPU threads are another process's:
 *
 * trace__tid - open the trace's events for thread @tid (of any process
 * perf_event_open lets us trace: root, CAP_PERFMON) as vCPU @vcpu's; a
 * thread already traced (and not turned off) is not opened twice. 0 or
 * -errno; a failure is logged once and counted as trace__incomplete().
 *
 * trace__tid_off - stop tracing thread @tid (it now runs another VM's
 * vCPU): what it traced so far is drained and kept.
 *
 * trace__layout - phase @phase (CLOCK_MONOTONIC @start) runs with the @n
 * @regions (gfn, npages, name), as trace__phase() notes for run's own VM.
 */
int trace__tid(struct trace *t, pid_t tid, unsigned int vcpu);
void trace__tid_off(struct trace *t, pid_t tid);
void trace__layout(struct trace *t, unsigned int phase, uint64_t start,
		   const struct trace_region *regions, unsigned int n);

#endif /* ZAPVM_TRACE_H */
