// SPDX-License-Identifier: GPL-2.0-only
/*
 * --trace without a kernel: tracefs format files, perf sample records and
 * the first-touch / re-fault classification of the faults they carry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>

#include "zapvm/trace.h"
#include "zapvm/util.h"

static const char *const event_paths[TEV_NR] = {
	[TEV_SPTE_REQUESTED] = "kvmmmu/kvm_mmu_spte_requested",
	[TEV_PAGE_FAULT] = "kvm/kvm_page_fault",
	[TEV_EXIT] = "kvm/kvm_exit",
	[TEV_ZAP_ALL_FAST] = "kvmmmu/kvm_mmu_zap_all_fast",
	[TEV_PREPARE_ZAP] = "kvmmmu/kvm_mmu_prepare_zap_page",
	[TEV_SPTE_CHANGED] = "kvmmmu/kvm_tdp_mmu_spte_changed",
	[TEV_SPLIT_HUGE] = "kvmmmu/kvm_mmu_split_huge_page",
};

const char *trace_event__path(enum trace_event e)
{
	return e < TEV_NR ? event_paths[e] : NULL;
}

const char *trace_event__name(enum trace_event e)
{
	const char *p = trace_event__path(e);

	return p ? strchr(p, '/') + 1 : NULL;
}

/* The text after @key in @line, or NULL. */
static const char *after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? p + strlen(key) : NULL;
}

static int parse_uint(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v > 0xffffffffUL || (*end != ';' && *end != '\n' && *end))
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "field:TYPE NAME[N];\toffset:O;\tsize:S;\tsigned:G;" */
static int parse_field(const char *line, size_t len, struct trace_field *fl)
{
	char buf[256], *semi, *name, *br;
	uint32_t sig;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	semi = strchr(buf, ';');
	if (!semi)
		return -EINVAL;
	*semi = '\0';
	name = strrchr(buf, ' ');
	name = name ? name + 1 : NULL;
	if (!name || !*name)
		return -EINVAL;
	br = strchr(name, '[');
	if (br)
		*br = '\0';
	if (strlen(name) >= sizeof(fl->name) || !*name)
		return -EINVAL;
	strcpy(fl->name, name);
	if (parse_uint(after(semi + 1, "offset:"), &fl->offset) ||
	    parse_uint(after(semi + 1, "size:"), &fl->size) ||
	    parse_uint(after(semi + 1, "signed:"), &sig) || sig > 1 ||
	    !fl->size || fl->offset > 65536 || fl->size > 65536 - fl->offset)
		return -EINVAL;
	fl->is_signed = sig;
	return 0;
}

int trace_format__parse(const char *text, struct trace_format *f)
{
	bool has_name = false, has_id = false;
	const char *line = text;

	memset(f, 0, sizeof(*f));
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		len -= (size_t)(p - line);
		if (!strncmp(p, "name: ", 6) && !has_name) {
			if (len - 6 >= sizeof(f->name) || len == 6)
				return -EINVAL;
			memcpy(f->name, p + 6, len - 6);
			has_name = true;
		} else if (!strncmp(p, "ID: ", 4) && !has_id) {
			if (parse_uint(p + 4, &f->id))
				return -EINVAL;
			has_id = true;
		} else if (!strncmp(p, "field:", 6)) {
			if (f->nfields == TRACE_MAX_FIELDS ||
			    parse_field(p + 6, len - 6, &f->fields[f->nfields]))
				return -EINVAL;
			f->nfields++;
		}
		line = nl ? nl + 1 : NULL;
	}
	return has_name && has_id ? 0 : -EINVAL;
}

const struct trace_field *trace_format__field(const struct trace_format *f,
					      const char *name)
{
	for (unsigned int i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

int trace_field__read(const struct trace_field *fl, const void *raw, size_t len,
		      uint64_t *out)
{
	const uint8_t *p = (const uint8_t *)raw + fl->offset;
	union {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
	} v;

	if (fl->offset > len || fl->size > len - fl->offset)
		return -EINVAL;
	switch (fl->size) {
	case 1:
		memcpy(&v.u8, p, 1);
		*out = fl->is_signed ? (uint64_t)(int64_t)(int8_t)v.u8 : v.u8;
		return 0;
	case 2:
		memcpy(&v.u16, p, 2);
		*out = fl->is_signed ? (uint64_t)(int64_t)(int16_t)v.u16 :
				       v.u16;
		return 0;
	case 4:
		memcpy(&v.u32, p, 4);
		*out = fl->is_signed ? (uint64_t)(int64_t)(int32_t)v.u32 :
				       v.u32;
		return 0;
	case 8:
		memcpy(&v.u64, p, 8);
		*out = v.u64;
		return 0;
	default:
		return -EINVAL;
	}
}

int trace_sample__decode(const void *rec, size_t len, struct trace_sample *s,
			 uint64_t *lost)
{
	const uint8_t *p = rec;
	struct perf_event_header h;
	uint32_t raw_size;

	*lost = 0;
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, p, sizeof(h));
	if (h.size < sizeof(h) || h.size > len)
		return -EINVAL;
	if (h.type == PERF_RECORD_LOST) {
		/* u64 id, u64 lost */
		if (h.size < sizeof(h) + 16)
			return -EINVAL;
		memcpy(lost, p + sizeof(h) + 8, 8);
		return 0;
	}
	if (h.type != PERF_RECORD_SAMPLE)
		return 0;
	/* TID (u32 pid, u32 tid), TIME (u64), RAW (u32 size, data). */
	if (h.size < sizeof(h) + 8 + 8 + 4)
		return -EINVAL;
	p += sizeof(h);
	memcpy(&s->pid, p, 4);
	memcpy(&s->tid, p + 4, 4);
	memcpy(&s->time, p + 8, 8);
	memcpy(&raw_size, p + 16, 4);
	if (raw_size > h.size - (sizeof(h) + 20))
		return -EINVAL;
	s->raw = p + 20;
	s->raw_size = raw_size;
	return 1;
}

/* ---- classification ---------------------------------------------------- */

/* A set of GFNs: open addressing, key gfn + 1 (0 is empty). */
struct gfn_set {
	uint64_t *keys;
	size_t cap, n;
};

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static int gfn_set__grow(struct gfn_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	uint64_t *keys = calloc(cap, sizeof(*keys));

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->keys[i])
			continue;
		for (j = hash64(s->keys[i]) & (cap - 1); keys[j];
		     j = (j + 1) & (cap - 1))
			;
		keys[j] = s->keys[i];
	}
	free(s->keys);
	s->keys = keys;
	s->cap = cap;
	return 0;
}

/* Add @gfn: 1 if it is new, 0 if it was there, -ENOMEM. */
static int gfn_set__add(struct gfn_set *s, uint64_t gfn)
{
	uint64_t key = gfn + 1;
	size_t j;

	if (2 * (s->n + 1) > s->cap && gfn_set__grow(s))
		return -ENOMEM;
	for (j = hash64(key) & (s->cap - 1); s->keys[j];
	     j = (j + 1) & (s->cap - 1))
		if (s->keys[j] == key)
			return 0;
	s->keys[j] = key;
	s->n++;
	return 1;
}

static void gfn_set__clear(struct gfn_set *s)
{
	if (s->keys)
		memset(s->keys, 0, s->cap * sizeof(*s->keys));
	s->n = 0;
}

int trace_layout__phase_of(const struct trace_layout *layouts,
			   unsigned int nlayouts, uint64_t time)
{
	int best = -1, first = -1;

	for (unsigned int i = 0; i < nlayouts; i++) {
		const struct trace_layout *l = &layouts[i];

		if (first < 0 || l->start < layouts[first].start)
			first = (int)i;
		if (l->start > time)
			continue;
		if (best < 0 || l->start > layouts[best].start ||
		    (l->start == layouts[best].start &&
		     l->phase > layouts[best].phase))
			best = (int)i;
	}
	return best >= 0 ? best : first;
}

unsigned int trace_layout__region(const struct trace_layout *l, uint64_t gfn)
{
	for (unsigned int i = 0; i < l->nregions; i++)
		if (gfn >= l->regions[i].gfn &&
		    gfn - l->regions[i].gfn < l->regions[i].npages)
			return i;
	return l->nregions;
}

/* Name phase @p's regions after @l (NULL: only "other"). */
static void name_regions(struct trace_phase *p, const struct trace_layout *l)
{
	unsigned int n = l ? l->nregions : 0;

	for (unsigned int i = 0; i < n; i++)
		memcpy(p->region_names[i], l->regions[i].name,
		       sizeof(p->region_names[i]));
	strcpy(p->region_names[n], TRACE_OTHER_REGION);
	p->nregions = n + 1;
}

/* The phase of @time and its layout (NULL when it has none). */
static unsigned int phase_at(const struct trace_layout *layouts,
			     unsigned int nlayouts, unsigned int nphases,
			     uint64_t time, const struct trace_layout **l)
{
	int i = trace_layout__phase_of(layouts, nlayouts, time);

	*l = NULL;
	if (i < 0 || layouts[i].phase >= nphases)
		return 0;
	*l = &layouts[i];
	return layouts[i].phase;
}

static void count(struct trace_count *c, bool refault, bool new_in_phase)
{
	c->faults++;
	if (refault)
		c->refaults++;
	else
		c->first++;
	if (new_in_phase)
		c->distinct++;
}

static int classify_faults(struct trace_fault *faults, size_t n,
			   const struct trace_layout *layouts,
			   unsigned int nlayouts, unsigned int first_churn,
			   struct trace_summary *out)
{
	struct gfn_set run = { 0 }, phase = { 0 }, huge = { 0 };
	unsigned int cur = 0;
	int ret = 0;

	for (size_t i = 0; i < n && ret >= 0; i++) {
		struct trace_fault *f = &faults[i];
		const struct trace_layout *l;
		unsigned int ph =
			phase_at(layouts, nlayouts, out->nphases, f->time, &l);
		struct trace_phase *p = &out->phases[ph];
		unsigned int r = l ? trace_layout__region(l, f->gfn) : 0;
		int in_run, in_phase;

		if (ph != cur) {
			gfn_set__clear(&phase);
			cur = ph;
		}
		in_run = gfn_set__add(&run, f->gfn);
		in_phase = gfn_set__add(&phase, f->gfn);
		ret = gfn_set__add(&huge, f->gfn >> 9);
		if (in_run < 0 || in_phase < 0)
			ret = -ENOMEM;
		if (ret < 0)
			break;
		f->refault = !in_run;
		f->phase = ph;
		f->region = (uint8_t)r;
		count(&p->all, f->refault, in_phase);
		count(&p->regions[r], f->refault, in_phase);
		count(&out->all, f->refault, in_run);
		if (f->refault && first_churn && ph >= first_churn)
			out->refaults++;
	}
	out->floor_gfns = run.n;
	out->floor_2m = huge.n;
	free(run.keys);
	free(phase.keys);
	free(huge.keys);
	return ret < 0 ? ret : 0;
}

/* ---- kvm_exit reasons --------------------------------------------------- */

struct exit_name {
	uint32_t reason;
	const char *name;
};

/* arch/x86/include/uapi/asm/vmx.h's VMX_EXIT_REASONS, the common ones. */
static const struct exit_name vmx_exits[] = {
	{ 0, "exception_nmi" },
	{ 1, "external_interrupt" },
	{ 2, "triple_fault" },
	{ 3, "init_signal" },
	{ 4, "sipi_signal" },
	{ 7, "interrupt_window" },
	{ 8, "nmi_window" },
	{ 9, "task_switch" },
	{ 10, "cpuid" },
	{ 12, "hlt" },
	{ 14, "invlpg" },
	{ 16, "rdtsc" },
	{ 18, "vmcall" },
	{ 28, "cr_access" },
	{ 29, "dr_access" },
	{ 30, "io_instruction" },
	{ 31, "msr_read" },
	{ 32, "msr_write" },
	{ 33, "invalid_state" },
	{ 40, "pause_instruction" },
	{ 43, "tpr_below_threshold" },
	{ 44, "apic_access" },
	{ 45, "eoi_induced" },
	{ 48, "ept_violation" },
	{ 49, "ept_misconfig" },
	{ 52, "preemption_timer" },
	{ 55, "xsetbv" },
	{ 56, "apic_write" },
};

/* arch/x86/include/uapi/asm/svm.h's SVM_EXIT_REASONS, the common ones. */
static const struct exit_name svm_exits[] = {
	{ 0x060, "intr" },
	{ 0x061, "nmi" },
	{ 0x062, "smi" },
	{ 0x063, "init" },
	{ 0x064, "vintr" },
	{ 0x06e, "rdtsc" },
	{ 0x070, "pushf" },
	{ 0x071, "popf" },
	{ 0x072, "cpuid" },
	{ 0x074, "iret" },
	{ 0x076, "invd" },
	{ 0x077, "pause" },
	{ 0x078, "hlt" },
	{ 0x079, "invlpg" },
	{ 0x07b, "io" },
	{ 0x07c, "msr" },
	{ 0x07d, "task_switch" },
	{ 0x07f, "shutdown" },
	{ 0x080, "vmrun" },
	{ 0x081, "vmmcall" },
	{ 0x087, "rdtscp" },
	{ 0x089, "wbinvd" },
	{ 0x08d, "xsetbv" },
	{ 0x400, "npf" },
	{ 0x401, "avic_incomplete_ipi" },
	{ 0x402, "avic_unaccelerated_access" },
};

static const char *exit_lookup(const struct exit_name *t, size_t n,
			       uint32_t reason)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].reason == reason)
			return t[i].name;
	return NULL;
}

const char *trace_exit__name(uint8_t isa, uint32_t reason, char *buf,
			     size_t len)
{
	const char *name = NULL;

	if (isa == 1)
		name = exit_lookup(vmx_exits, ARRAY_SIZE(vmx_exits), reason);
	else if (isa == 2 && reason <= 0x1f)
		snprintf(buf, len, "%s_cr%u", reason < 0x10 ? "read" : "write",
			 reason & 0xf);
	else if (isa == 2 && reason >= 0x40 && reason <= 0x5f)
		snprintf(buf, len, "excp%u", reason - 0x40);
	else if (isa == 2)
		name = exit_lookup(svm_exits, ARRAY_SIZE(svm_exits), reason);
	if (name)
		return name;
	if (isa == 2 && (reason <= 0x1f || (reason >= 0x40 && reason <= 0x5f)))
		return buf;
	snprintf(buf, len,
		 isa == 1 ? "vmx:%u" :
		 isa == 2 ? "svm:0x%x" :
			    "exit:%u",
		 reason);
	return buf;
}

/* One more exit of @m's reason in @e (@n reasons so far, *@other past). */
static void count_exit(struct trace_exit_count *e, unsigned int *n,
		       uint64_t *other, const struct trace_mark *m)
{
	for (unsigned int i = 0; i < *n; i++) {
		if (e[i].isa == m->isa && e[i].reason == m->reason) {
			e[i].count++;
			return;
		}
	}
	if (*n == TRACE_MAX_EXITS) {
		(*other)++;
		return;
	}
	e[(*n)++] = (struct trace_exit_count){ m->isa, m->reason, 1 };
}

int trace__classify(struct trace_fault *faults, size_t n,
		    const struct trace_mark *marks, size_t nmarks,
		    const struct trace_layout *layouts, unsigned int nlayouts,
		    unsigned int nphases, unsigned int first_churn,
		    struct trace_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->nphases = nphases ? nphases : 1;
	out->phases = calloc(out->nphases, sizeof(*out->phases));
	if (!out->phases)
		return -ENOMEM;
	for (unsigned int i = 0; i < out->nphases; i++) {
		const struct trace_layout *l = NULL;

		for (unsigned int k = 0; k < nlayouts; k++)
			if (layouts[k].phase == i)
				l = &layouts[k];
		name_regions(&out->phases[i], l);
	}
	/* A fault of a phase without a layout counts as "other" (index 0). */
	for (size_t i = 0; i < nmarks; i++) {
		const struct trace_layout *l;
		unsigned int ph = phase_at(layouts, nlayouts, out->nphases,
					   marks[i].time, &l);

		if (marks[i].ev >= TEV_NR)
			continue;
		out->phases[ph].events[marks[i].ev]++;
		out->events[marks[i].ev]++;
		if (marks[i].ev != TEV_EXIT)
			continue;
		count_exit(out->phases[ph].exits, &out->phases[ph].nexits,
			   &out->phases[ph].exits_other, &marks[i]);
		count_exit(out->exits, &out->nexits, &out->exits_other,
			   &marks[i]);
	}
	out->events[TEV_SPTE_REQUESTED] = n;
	for (size_t i = 0; i < n; i++) {
		const struct trace_layout *l;

		out->phases[phase_at(layouts, nlayouts, out->nphases,
				     faults[i].time, &l)]
			.events[TEV_SPTE_REQUESTED]++;
	}
	if (classify_faults(faults, n, layouts, nlayouts, first_churn, out)) {
		trace_summary__free(out);
		return -ENOMEM;
	}
	return 0;
}

void trace_summary__free(struct trace_summary *s)
{
	free(s->phases);
	s->phases = NULL;
	s->nphases = 0;
}

void trace_pf__note(struct trace_pf *p, uint64_t addr, uint64_t error_code)
{
	*p = (struct trace_pf){ .gfn = addr >> 12,
				.error_code = error_code,
				.pending = true };
}

void trace_pf__take(struct trace_pf *p, struct trace_fault *f)
{
	if (p->pending && p->gfn == f->gfn) {
		f->has_error_code = true;
		f->error_code = p->error_code;
	}
	p->pending = false;
}
