// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's cells: the cross product of the option lists, policy
 * innermost, each prepared by the scenario; their names and floors.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

#include "bench.h"

/* The first GPA after the guest's image, as the boot FDT tells it. */
static int guest_base(const struct builtin_guest *g, uint64_t *base)
{
	Elf *e;
	size_t n;
	uint64_t end = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = elf_memory((char *)g->elf, g->size);
	if (!e)
		return -EINVAL;
	if (elf_getphdrnum(e, &n)) {
		elf_end(e);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_paddr + ph.p_memsz > end)
			end = ph.p_paddr + ph.p_memsz;
	}
	elf_end(e);
	*base = bench__div_up(end, PAGE_4K) * PAGE_4K;
	return end ? 0 : -EINVAL;
}

int bench__cells(struct bench *b)
{
	const struct bench_opts *o = &b->o;
	unsigned int n;
	uint64_t base = 0;
	unsigned int k, m;

	axes__defaults(&b->o);
	/* No --dirty-log list (ndirty_log 0) is one value: off. */
	n = o->nprefetch * o->nroot_zap * o->nmem * o->ncpus * o->nthp *
	    o->npolicy * o->ntrace * o->nbackend * o->nram_slots * o->nlayout *
	    (o->ndirty_log ? o->ndirty_log : 1);

	if (b->guest && guest_base(b->guest, &base)) {
		log_err("bench: cannot read the builtin %s guest's image",
			b->guest->name);
		return ZAPVM_EXIT_SOFTWARE;
	}
	if (n > MAX_CELLS) {
		log_err("bench: %u cells; at most %d", n, MAX_CELLS);
		return ZAPVM_EXIT_USAGE;
	}
	b->cells = calloc(n, sizeof(*b->cells));
	if (!b->cells)
		return ZAPVM_EXIT_SOFTWARE;
	b->ncells = n;
	/*
	 * Policy innermost: the cells a ratio compares are neighbours; the
	 * trace next, so a traced cell sits beside its untraced twin. A
	 * hugetlb backing takes no THP advice: of its cells that differ only
	 * in --thp, the first stands for all (m counts the cells kept).
	 */
	for (k = 0, m = 0; k < n; k++) {
		struct bench_cell *c = &b->cells[m];
		unsigned int x = k, thp_i;

		c->policy = o->policy[x % o->npolicy];
		x /= o->npolicy;
		c->trace = o->trace[x % o->ntrace];
		x /= o->ntrace;
		thp_i = x % o->nthp;
		c->thp = o->thp[thp_i];
		x /= o->nthp;
		c->cpus = o->cpus[x % o->ncpus];
		x /= o->ncpus;
		c->mem = o->mem[x % o->nmem];
		x /= o->nmem;
		c->backend = o->backend[x % o->nbackend].kind;
		c->mem_file = o->backend[x % o->nbackend].path;
		x /= o->nbackend;
		c->ram_slots = o->ram_slots[x % o->nram_slots];
		x /= o->nram_slots;
		c->layout = o->layout[x % o->nlayout];
		x /= o->nlayout;
		c->root_zap = o->root_zap[x % o->nroot_zap];
		x /= o->nroot_zap;
		c->prefetch = o->prefetch[x % o->nprefetch];
		x /= o->nprefetch;
		if (o->ndirty_log)
			c->dirty_log = o->dirty_log[x];
		if (c->backend != MEM_BACKEND_HUGETLB || !thp_i)
			m++;
	}
	n = m;
	b->ncells = n;
	for (k = 0; k < n; k++) {
		struct bench_cell *c = &b->cells[k];

		if (b->guest && c->mem < b->guest->min_mem) {
			log_err("--mem %lluM: the %s guest needs at least "
				"%lluM",
				(unsigned long long)(c->mem >> 20),
				b->guest->name, b->guest->min_mem >> 20);
			return ZAPVM_EXIT_USAGE;
		}
		/* Huge pages already: no THP advice (vm.c refuses one). */
		if (c->backend == MEM_BACKEND_HUGETLB)
			c->thp = THP_DEFAULT;
		c->floor_2m = c->backend == MEM_BACKEND_HUGETLB ||
			      c->thp == THP_ON ||
			      (c->thp == THP_DEFAULT &&
			       !strcmp(b->host.thp_enabled, "always"));
		c->hugepage_size = c->backend == MEM_BACKEND_HUGETLB ?
					   (o->hugepage_size ?: PAGE_2M) :
					   0;
		c->prefault = o->prefault;
		axes__label(b, c, c->axes, sizeof(c->axes));
		o->sc->prepare(c, base, o->args);
		for (unsigned int i = 0; i < o->sc->nmetrics; i++) {
			c->values[i] = calloc(o->runs, sizeof(double));
			if (!c->values[i])
				return ZAPVM_EXIT_SOFTWARE;
		}
		c->runs = json_object_new_array();
		c->first_error = 0;
	}
	b->total = n * o->runs;
	return 0;
}

const char *cell__thp_name(enum thp_mode t)
{
	return t == THP_ON ? "on" : t == THP_OFF ? "off" : "default";
}

const char *cell__onoff(int v)
{
	return v < 0 ? "-" : v ? "on" : "off";
}

const char *cell__root_zap_name(int v)
{
	return v < 0 ? "-" : v ? "4k" : "1g";
}

void cell__label(const struct bench_cell *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "policy=%s thp=%s mem=%lluM cpus=%u",
			 zap_policy__name(c->policy), cell__thp_name(c->thp),
			 (unsigned long long)(c->mem >> 20), c->cpus);

	if (c->prefetch >= 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " prefetch=%s",
			      cell__onoff(c->prefetch));
	if (c->root_zap >= 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " root-zap=%s",
			      cell__root_zap_name(c->root_zap));
	if (c->dirty_log.mode != DIRTY_LOG_OFF && n > 0 && (size_t)n < len) {
		char mode[32];

		dirty_log_spec__name(&c->dirty_log, mode, sizeof(mode));
		n += snprintf(buf + n, len - n, " dirty-log=%s", mode);
	}
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, "%s", c->axes);
}

void cell__add_floor(struct bench_cell *c, const char *name, const char *metric,
		     double v4k, double v2m)
{
	if (c->nfloors < MAX_FLOORS)
		c->floors[c->nfloors++] =
			(struct bench_floor){ name, metric, v4k, v2m };
}

const struct bench_floor *cell__floor(const struct bench_cell *c,
				      const char *metric)
{
	for (unsigned int i = 0; i < c->nfloors; i++)
		if (!strcmp(c->floors[i].metric, metric))
			return &c->floors[i];
	return NULL;
}

double floor__value(const struct bench_cell *c, const struct bench_floor *f)
{
	return c->floor_2m ? f->v2m : f->v4k;
}

int bench__guest_floor(const char *scenario, uint64_t mem, bool thp2m,
		       const char *args, const char *name, double *out)
{
	const struct bench_scenario *sc = scenario__find(scenario, false);
	const struct builtin_guest *g = sc ? builtin__find(sc->guest) : NULL;
	struct bench_cell c = { .mem = mem, .floor_2m = thp2m };
	uint64_t base;

	if (!g || guest_base(g, &base))
		return -ENOENT;
	sc->prepare(&c, base, args);
	for (unsigned int i = 0; i < c.nfloors; i++) {
		if (!strcmp(c.floors[i].name, name)) {
			*out = thp2m ? c.floors[i].v2m : c.floors[i].v4k;
			return 0;
		}
	}
	return -ENOENT;
}
