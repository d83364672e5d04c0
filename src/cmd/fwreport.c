// SPDX-License-Identifier: GPL-2.0-only
/*
 * Phases of a firmware boot by cause (include/zapvm/fwreport.h). The
 * causes are read from the phase names the devices give their changes,
 * so the phase log stays the one record and nothing else counts twice.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "zapvm/fwcfg.h"
#include "zapvm/fwreport.h"
#include "zapvm/stats.h"
#include "zapvm/util.h"

static const struct {
	const char *prefix;
	enum fw_cause cause;
} cause_prefixes[] = {
	{ "pam-0x", FW_CAUSE_PAM },
	{ "optrom-", FW_CAUSE_ROM_BAR },
	{ "ram-bar-", FW_CAUSE_RAM_BAR },
	{ "legacy-window-", FW_CAUSE_LEGACY_WINDOW },
};

static const char *const cause_names[FW_NCAUSES] = {
	[FW_CAUSE_PAM] = "pam",
	[FW_CAUSE_ROM_BAR] = "rom-bar",
	[FW_CAUSE_RAM_BAR] = "ram-bar",
	[FW_CAUSE_LEGACY_WINDOW] = "legacy-window",
};

int fw_cause__of(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(cause_prefixes); i++)
		if (!strncmp(name, cause_prefixes[i].prefix,
			     strlen(cause_prefixes[i].prefix)))
			return (int)cause_prefixes[i].cause;
	return -1;
}

const char *fw_cause__name(int cause)
{
	return cause >= 0 && cause < FW_NCAUSES ? cause_names[cause] : "?";
}

static uint64_t value(const struct phase_log *l, unsigned int phase,
		      enum phase_scope scope, const char *name)
{
	uint64_t v = 0;

	return phase_log__value(l, phase, scope, name, &v) ? 0 : v;
}

static void span(const struct phase_log *l, unsigned int from, unsigned int to,
		 struct fw_span *s)
{
	memset(s, 0, sizeof(*s));
	s->from = from;
	s->to = to;
	for (unsigned int i = from; i < to; i++) {
		s->ns += phase_log__ns(l, i);
		s->faults += value(l, i, PHASE_VCPU, "pf_taken");
		s->ioctls += value(l, i, PHASE_ZAPVM, "memslot_changes");
	}
}

void fw_tally__phases(const struct phase_log *l, struct fw_tally *t)
{
	unsigned int n = phase_log__count(l);

	memset(t, 0, sizeof(*t));
	for (unsigned int i = 1; i < n; i++) {
		const char *name = phase_log__name(l, i);
		int c = fw_cause__of(name);

		if (c >= 0) {
			t->changes[c]++;
			t->ioctls[c] +=
				value(l, i - 1, PHASE_ZAPVM, "memslot_changes");
		}
		if (!t->kernel_entry && name &&
		    !strcmp(name, FWCFG_KERNEL_ENTRY_PHASE))
			t->kernel_entry = i;
	}
	span(l, 0, t->kernel_entry ? t->kernel_entry : n, &t->post);
	if (t->kernel_entry)
		span(l, t->kernel_entry, n, &t->kernel);
}

static struct json_object *span_json(const struct fw_span *s)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "first_phase",
			       json_object_new_uint64(s->from));
	json_object_object_add(o, "phases",
			       json_object_new_uint64(s->to - s->from));
	json_object_object_add(o, "ms", json_object_new_double(s->ns / 1e6));
	json_object_object_add(o, "faults", json_object_new_uint64(s->faults));
	json_object_object_add(o, "memslot_ioctls",
			       json_object_new_uint64(s->ioctls));
	return o;
}

/* "cause" on each phase a change began. */
static void label_phases(struct json_object *o)
{
	struct json_object *arr, *name;

	if (!json_object_object_get_ex(o, "phases", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		int c;

		if (!json_object_object_get_ex(p, "name", &name))
			continue;
		c = fw_cause__of(json_object_get_string(name));
		json_object_object_add(
			p, "cause",
			c >= 0 ? json_object_new_string(fw_cause__name(c)) :
				 NULL);
	}
}

int fw_report__json(struct json_object *o, const struct phase_log *l)
{
	struct json_object *r, *fw, *by;
	struct fw_tally t;

	if (!l || !json_object_object_get_ex(o, "result", &r))
		return 0;
	fw_tally__phases(l, &t);
	label_phases(o);
	fw = json_object_new_object();
	by = json_object_new_object();
	if (!fw || !by) {
		json_object_put(fw);
		json_object_put(by);
		return -ENOMEM;
	}
	for (int c = 0; c < FW_NCAUSES; c++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "changes",
				       json_object_new_uint64(t.changes[c]));
		json_object_object_add(e, "ioctls",
				       json_object_new_uint64(t.ioctls[c]));
		json_object_object_add(by, fw_cause__name(c), e);
	}
	json_object_object_add(fw, "memslot_changes_by_cause", by);
	json_object_object_add(
		fw, "kernel_entry_phase",
		t.kernel_entry ? json_object_new_uint64(t.kernel_entry) : NULL);
	json_object_object_add(fw, "post", span_json(&t.post));
	json_object_object_add(fw, "kernel",
			       t.kernel_entry ? span_json(&t.kernel) : NULL);
	json_object_object_add(r, "firmware", fw);
	return 0;
}

static void print_span(FILE *f, const char *what, const struct fw_span *s)
{
	fprintf(f,
		"zapvm: firmware: %s: phases %u-%u, %.3f ms, %llu faults, "
		"%llu memslot ioctls\n",
		what, s->from, s->to ? s->to - 1 : 0, s->ns / 1e6,
		(unsigned long long)s->faults, (unsigned long long)s->ioctls);
}

void fw_report__print(FILE *f, const struct phase_log *l)
{
	unsigned int n = phase_log__count(l);
	struct fw_tally t;

	fw_tally__phases(l, &t);
	fprintf(f, "zapvm: firmware: memslot changes by cause:");
	for (int c = 0; c < FW_NCAUSES; c++)
		fprintf(f, " %s %llu (%llu ioctls)%s", fw_cause__name(c),
			(unsigned long long)t.changes[c],
			(unsigned long long)t.ioctls[c],
			c + 1 < FW_NCAUSES ? "," : "\n");
	fprintf(f, "zapvm: firmware: phase causes:");
	for (unsigned int i = 1; i < n; i++) {
		int c = fw_cause__of(phase_log__name(l, i));

		if (c >= 0)
			fprintf(f, " %u:%s", i, fw_cause__name(c));
	}
	fputc('\n', f);
	print_span(f, t.kernel_entry ? "POST" : "POST (no kernel-entry)",
		   &t.post);
	if (t.kernel_entry)
		print_span(f, "kernel", &t.kernel);
}
