// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's memory, trace and firmware axes: --trace, --mem-backend,
 * --ram-slots and --slot-layout as lists (main.c's list table calls the
 * parsers here), --hugepage-size, --prefault, --firmware, --vga and --shm
 * as plain options, what goes with what, the checks before any run, and
 * each cell's VM configuration and label.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/backing.h"
#include "zapvm/cmd.h"
#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/memslot.h"
#include "zapvm/pam.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"
#include "zapvm/vga.h"

#include "bench.h"

int axes__parse_trace(const char *s, void *out, unsigned int i)
{
	uint8_t *v = &((uint8_t *)out)[i];

	if (!strcmp(s, "on") || !strcmp(s, "required"))
		*v = BENCH_TRACE_ON;
	else if (!strcmp(s, "all"))
		*v = BENCH_TRACE_ALL;
	else if (!strcmp(s, "off"))
		*v = BENCH_TRACE_OFF;
	else
		return -EINVAL;
	return 0;
}

const char *axes__trace_name(uint8_t t)
{
	return t == BENCH_TRACE_ALL ? "all" : t ? "on" : "off";
}

bool axes__trace_list(const char *s)
{
	size_t len;

	for (; *s; s += len + (s[len] == ',')) {
		len = strcspn(s, ",");
		if (!((len == 2 && !strncmp(s, "on", 2)) ||
		      (len == 3 && !strncmp(s, "off", 3)) ||
		      (len == 3 && !strncmp(s, "all", 3)) ||
		      (len == 8 && !strncmp(s, "required", 8))))
			return false;
	}
	return true;
}

/*
 * The list parser's token is a local buffer: file:PATH's PATH is copied
 * (kept to the end of the command, freed with the options).
 */
int axes__parse_backend(const char *s, void *out, unsigned int i)
{
	struct bench_backend *v = &((struct bench_backend *)out)[i];
	const char *path;

	memset(v, 0, sizeof(*v));
	if (mem_backend__parse(s, &v->kind, &path))
		return -EINVAL;
	if (path) {
		v->path = strdup(path);
		if (!v->path)
			return -ENOMEM;
	}
	return 0;
}

int axes__parse_ram_slots(const char *s, void *out, unsigned int i)
{
	uint64_t v;

	if (parse_u64(s, &v) || !v || v > RAM_SLOTS_MAX)
		return -EINVAL;
	((unsigned int *)out)[i] = (unsigned int)v;
	return 0;
}

int axes__parse_layout(const char *s, void *out, unsigned int i)
{
	return slot_layout__parse(s, &((enum slot_layout *)out)[i]);
}

int axes__opt(int c, const char *arg, struct bench_opts *o)
{
	switch (c) {
	case RUNOPT_HUGEPAGE_SIZE:
		if (hugepage_size__parse(arg, &o->hugepage_size)) {
			log_err("--hugepage-size '%s': expected 2M or 1G", arg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	case RUNOPT_PREFAULT:
		o->prefault = true;
		return 0;
	case AXES_OPT_FIRMWARE:
		o->firmware = arg;
		return 0;
	case AXES_OPT_VGA:
		if (vga__parse(arg, &o->vga_std)) {
			log_err("--vga '%s': expected std or none", arg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	case AXES_OPT_SHM:
		if (parse_size(arg, &o->shm_size) ||
		    shm__check_size(o->shm_size)) {
			log_err("--shm '%s': expected a power of two from 4K to "
				"256M",
				arg);
			return ZAPVM_EXIT_USAGE;
		}
		return 0;
	default:
		return 1;
	}
}

void axes__defaults(struct bench_opts *o)
{
	if (!o->ntrace) {
		o->trace[0] = BENCH_TRACE_OFF;
		o->ntrace = 1;
	}
	if (!o->nbackend) {
		o->backend[0].kind = MEM_BACKEND_ANON;
		o->nbackend = 1;
	}
	if (!o->nram_slots) {
		o->ram_slots[0] = 0;
		o->nram_slots = 1;
	}
	if (!o->nlayout) {
		o->layout[0] = SLOT_LAYOUT_QEMU;
		o->nlayout = 1;
	}
}

/* Whether any value of the --mem-backend list is @kind. */
static bool has_backend(const struct bench_opts *o, enum mem_backend kind)
{
	for (unsigned int i = 0; i < o->nbackend; i++)
		if (o->backend[i].kind == kind)
			return true;
	return false;
}

int axes__combine(struct bench_opts *o, bool layout_given, bool axes_given)
{
	if (o->sc->vmm && (axes_given || o->prefault || o->hugepage_size ||
			   o->firmware || o->vga_std || o->shm_size)) {
		log_err("bench exec: --trace, --mem-backend, --ram-slots, "
			"--hugepage-size, --prefault and --firmware are zapvm's "
			"own VM options; give the VMM its own");
		return ZAPVM_EXIT_USAGE;
	}
	if (o->hugepage_size && !has_backend(o, MEM_BACKEND_HUGETLB)) {
		log_err("bench: --hugepage-size goes with --mem-backend "
			"hugetlb");
		return ZAPVM_EXIT_USAGE;
	}
	if (o->firmware && !o->kernel) {
		log_err("bench: --firmware goes with boot --kernel (the kernel "
			"the firmware hands over to)");
		return ZAPVM_EXIT_USAGE;
	}
	if (!o->firmware && (layout_given || o->vga_std || o->shm_size)) {
		log_err("bench: --slot-layout, --vga and --shm go with "
			"--firmware");
		return ZAPVM_EXIT_USAGE;
	}
	return 0;
}

void axes__free(struct bench_opts *o)
{
	for (unsigned int i = 0; i < MAX_VALUES; i++) {
		free((char *)o->backend[i].path);
		o->backend[i].path = NULL;
	}
}

/* The cells' VM configuration from their axes. */
void axes__cfg(const struct bench *b, const struct bench_cell *c,
	       struct vm_config *cfg)
{
	cfg->mem_backend = c->backend;
	cfg->mem_file = c->mem_file;
	/* Only a hugetlb cell takes a page size (vm.c refuses it elsewhere). */
	cfg->hugepage_size =
		c->backend == MEM_BACKEND_HUGETLB ? b->o.hugepage_size : 0;
	cfg->prefault = b->o.prefault;
	cfg->ram_slots = c->ram_slots;
	if (!b->o.firmware)
		return;
	cfg->firmware = b->o.firmware;
	cfg->slot_layout = c->layout;
	cfg->vga_std = b->o.vga_std;
	cfg->shm_size = b->o.shm_size;
}

/* "hugetlb-2M", "file", ... as the CSV and the labels name a backing. */
const char *axes__backend_name(const struct bench_cell *c)
{
	if (c->backend != MEM_BACKEND_HUGETLB)
		return mem_backend__name(c->backend);
	return c->hugepage_size == (1ULL << 30) ? "hugetlb-1G" : "hugetlb-2M";
}

void axes__label(const struct bench *b, const struct bench_cell *c, char *buf,
		 size_t len)
{
	const struct bench_opts *o = &b->o;
	size_t n = 0;

	buf[0] = '\0';
	if (o->ntrace > 1 || o->trace[0])
		n += (size_t)snprintf(buf + n, len - n, " trace=%s",
				      axes__trace_name(c->trace));
	if (n < len && (o->nbackend > 1 || c->backend != MEM_BACKEND_ANON))
		n += (size_t)snprintf(buf + n, len - n, " backing=%s",
				      axes__backend_name(c));
	if (n < len && o->prefault)
		n += (size_t)snprintf(buf + n, len - n, " prefault");
	if (n < len && c->ram_slots)
		n += (size_t)snprintf(buf + n, len - n, " ram-slots=%u",
				      c->ram_slots);
	if (n < len && o->firmware)
		snprintf(buf + n, len - n, " layout=%s",
			 slot_layout__name(c->layout));
}

/*
 * Hugetlb cells: every run at once (--jobs) needs its RAM in free huge
 * pages; checked before any run so none dies half-way (hugepages__check()
 * names the sysctl).
 */
static int axes__check_hugetlb(const struct bench *b)
{
	uint64_t need = 0,
		 page = b->o.hugepage_size ? b->o.hugepage_size : PAGE_2M;
	unsigned int nruns = 0;
	int ret;

	for (unsigned int k = 0; k < b->ncells; k++) {
		if (b->cells[k].backend != MEM_BACKEND_HUGETLB)
			continue;
		nruns += b->o.runs;
		if (b->cells[k].mem > need)
			need = b->cells[k].mem;
	}
	if (!nruns)
		return 0;
	need *= nruns < b->o.jobs ? nruns : b->o.jobs;
	ret = hugepages__check("", page, need);
	if (ret == -ENODEV || ret == -ENXIO)
		return ZAPVM_EXIT_UNAVAILABLE;
	return ret ? ZAPVM_EXIT_IOERR : 0;
}

/*
 * Traced cells: whether the trace can be opened here, once for all. When
 * it cannot, one line says why and the traced cells run untraced (their
 * trace metrics missing), or --trace=required ends the command with 77.
 */
static int axes__check_trace(struct bench *b)
{
	static char why_buf[256];
	struct trace *t = NULL;
	const char *why;
	bool any = false;

	for (unsigned int k = 0; k < b->ncells; k++)
		any |= b->cells[k].trace != BENCH_TRACE_OFF;
	if (!any)
		return 0;
	if (!trace__new(&t, 0, &why, why_buf, sizeof(why_buf))) {
		trace__free(t);
		return 0;
	}
	if (b->o.trace_required) {
		log_err("--trace=required: %s", why);
		return ZAPVM_EXIT_NOPERM;
	}
	log_warn("bench: --trace: %s; the trace=on cells run untraced", why);
	b->untraced = why;
	return 0;
}

int axes__preflight(struct bench *b)
{
	int ret = axes__check_hugetlb(b);

	return ret ? ret : axes__check_trace(b);
}

/* The host MMU settings (hostmmu.h) as "k=v" words, "n/a" for a null. */
static void env_hostmmu(FILE *f, struct json_object *o, const char *key)
{
	json_object_object_foreach(o, k, v)
	{
		char name[96];

		snprintf(name, sizeof(name), "%s%s%s", key ? key : "",
			 key ? "." : "", k);
		if (json_object_is_type(v, json_type_object))
			env_hostmmu(f, v, name);
		else
			fprintf(f, " %s=%s", name,
				v ? json_object_get_string(v) : "n/a");
	}
}

void axes__env(const struct bench *b, FILE *f, const char *pfx)
{
	const struct bench_opts *o = &b->o;
	struct json_object *mmu;

	if (json_object_object_get_ex(b->host.json, "host_mmu", &mmu) && mmu) {
		fprintf(f, "%shost_mmu:", pfx);
		env_hostmmu(f, mmu, NULL);
		fputc('\n', f);
	}
	if (o->sc->vmm)
		return;
	fprintf(f, "%smemory: mem_backend", pfx);
	for (unsigned int i = 0; i < o->nbackend; i++)
		fprintf(f, "%s%s%s%s", i ? "," : " ",
			mem_backend__name(o->backend[i].kind),
			o->backend[i].path ? ":" : "",
			o->backend[i].path ? o->backend[i].path : "");
	fprintf(f, "; hugepage_size %s; prefault %s; ram_slots",
		o->hugepage_size == (1ULL << 30) ? "1G" : "2M",
		o->prefault ? "on" : "off");
	for (unsigned int i = 0; i < o->nram_slots; i++)
		fprintf(f, "%s%u", i ? "," : " ",
			o->ram_slots[i] ? o->ram_slots[i] : 1);
	fprintf(f, "; trace");
	for (unsigned int i = 0; i < o->ntrace; i++)
		fprintf(f, "%s%s", i ? "," : " ",
			axes__trace_name(o->trace[i]));
	fprintf(f, "%s\n", b->untraced ? " (ran untraced)" : "");
	if (!o->firmware)
		return;
	fprintf(f, "%sfirmware: %s; slot_layout", pfx, o->firmware);
	for (unsigned int i = 0; i < o->nlayout; i++)
		fprintf(f, "%s%s", i ? "," : " ",
			slot_layout__name(o->layout[i]));
	fprintf(f, "; vga %s; shm %llu\n", o->vga_std ? "std" : "none",
		(unsigned long long)o->shm_size);
}

void axes__json_env(const struct bench *b, struct json_object *env)
{
	const struct bench_opts *o = &b->o;
	struct json_object *x = json_object_new_object();

	json_object_object_add(x, "hugepage_size",
			       json_object_new_uint64(o->hugepage_size ?
							      o->hugepage_size :
							      PAGE_2M));
	json_object_object_add(x, "prefault",
			       json_object_new_boolean(o->prefault));
	json_object_object_add(
		x, "trace_untraced",
		b->untraced ? json_object_new_string(b->untraced) : NULL);
	json_object_object_add(
		x, "firmware",
		o->firmware ? json_object_new_string(o->firmware) : NULL);
	json_object_object_add(
		x, "vga", json_object_new_string(o->vga_std ? "std" : "none"));
	json_object_object_add(x, "shm_size",
			       json_object_new_uint64(o->shm_size));
	json_object_object_add(env, "bench_axes", x);
}
