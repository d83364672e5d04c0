// SPDX-License-Identifier: GPL-2.0-only
/*
 * --trace without a kernel: the tracefs format parser and the perf record
 * decoder on records captured on a PVM host (6.18, a romtoggle run), the
 * GFN-to-region mapping and the first-touch / re-fault classification.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>

#include "bytes.h"
#include "tap.h"
#include "zapvm/trace.h"

/* The format files, as tracefs gave them. */
static const char fmt_spte[] =
	"name: kvm_mmu_spte_requested\n"
	"ID: 118\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\t"
	"signed:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:u64 gfn;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 pfn;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u8 level;\toffset:24;\tsize:1;\tsigned:0;\n"
	"\n"
	"print fmt: \"gfn %llx pfn %llx level %d\", REC->gfn, REC->pfn, "
	"REC->level\n";

static const char fmt_zap_all[] =
	"name: kvm_mmu_zap_all_fast\n"
	"ID: 121\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\t"
	"signed:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__u8 mmu_valid_gen;\toffset:8;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned int mmu_used_pages;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\n"
	"print fmt: \"kvm-mmu-valid-gen %u used_pages %x\", "
	"REC->mmu_valid_gen, REC->mmu_used_pages\n";

static const char fmt_prepare_zap[] =
	"name: kvm_mmu_prepare_zap_page\n"
	"ID: 125\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\t"
	"signed:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__u8 mmu_valid_gen;\toffset:8;\tsize:1;\tsigned:0;\n"
	"\tfield:__u64 gfn;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:__u32 role;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:__u32 root_count;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:bool unsync;\toffset:32;\tsize:1;\tsigned:0;\n"
	"\n"
	"print fmt: \"%s\", ({ const char *saved_ptr = "
	"trace_seq_buffer_ptr(p); saved_ptr; })\n";

/* PERF_RECORD_SAMPLEs (TID | TIME | RAW) as the ring buffer held them. */
static const uint8_t rec_fault_0x100[] = {
	0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x40, 0x00, 0x97, 0x6f, 0x00,
	0x00, 0x99, 0x6f, 0x00, 0x00, 0xcc, 0x10, 0xae, 0x6a, 0xfb, 0x03,
	0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x76, 0x00, 0x00, 0x02, 0x99,
	0x6f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x54, 0xea, 0x1b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t rec_zap_all_fast[] = {
	0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x30, 0x00, 0x97, 0x6f, 0x00, 0x00,
	0x99, 0x6f, 0x00, 0x00, 0x45, 0xfb, 0xb7, 0x6a, 0xfb, 0x03, 0x00, 0x00,
	0x14, 0x00, 0x00, 0x00, 0x79, 0x00, 0x00, 0x02, 0x99, 0x6f, 0x00, 0x00,
	0x00, 0xff, 0x0f, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t rec_prepare_zap[] = {
	0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x48, 0x00, 0x97, 0x6f, 0x00, 0x00,
	0x99, 0x6f, 0x00, 0x00, 0x28, 0x04, 0xb8, 0x6a, 0xfb, 0x03, 0x00, 0x00,
	0x2c, 0x00, 0x00, 0x00, 0x7d, 0x00, 0x00, 0x02, 0x99, 0x6f, 0x00, 0x00,
	0x00, 0xff, 0x0f, 0x00, 0x07, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x37, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void test_format(void)
{
	struct trace_format f;
	const struct trace_field *fl;
	char *bad;

	is_int(trace_format__parse(fmt_spte, &f), 0, "spte format parses");
	ok(!strcmp(f.name, "kvm_mmu_spte_requested"), "its name");
	is_int(f.id, 118, "its ID");
	is_int(f.nfields, 7, "seven fields");
	fl = trace_format__field(&f, "gfn");
	ok(fl && fl->offset == 8 && fl->size == 8 && !fl->is_signed,
	   "gfn at 8, 8 bytes");
	fl = trace_format__field(&f, "level");
	ok(fl && fl->offset == 24 && fl->size == 1, "level at 24, 1 byte");
	fl = trace_format__field(&f, "common_pid");
	ok(fl && fl->is_signed, "common_pid is signed");
	ok(!trace_format__field(&f, "error_code"), "no error_code field");
	is_int(trace_format__parse(fmt_prepare_zap, &f), 0,
	       "prepare_zap_page format parses despite its print fmt");
	fl = trace_format__field(&f, "gfn");
	ok(fl && fl->offset == 16, "its gfn at 16");
	is_int(trace_format__parse(fmt_zap_all, &f), 0, "zap_all_fast parses");

	is_int(trace_format__parse("name: x\nformat:\n", &f), -EINVAL,
	       "no ID: refused");
	is_int(trace_format__parse("ID: 3\n", &f), -EINVAL, "no name: refused");
	is_int(trace_format__parse("name: x\nID: 3x\n", &f), -EINVAL,
	       "a bad ID: refused");
	is_int(trace_format__parse("name: x\nID: 3\n\tfield:u64 g;\t"
				   "offset:8;\tsize:8;\n",
				   &f),
	       -EINVAL, "a field without signed: refused");
	is_int(trace_format__parse("name: x\nID: 3\n\tfield:u64 g;\t"
				   "offset:65535;\tsize:8;\tsigned:0;\n",
				   &f),
	       -EINVAL, "a field past 64 KiB: refused");
	is_int(trace_format__parse("name: x\nID: 3\n\tfield:char c[16];\t"
				   "offset:8;\tsize:16;\tsigned:1;\n",
				   &f),
	       0, "an array field parses");
	ok(trace_format__field(&f, "c") != NULL, "under its bare name");

	/* More fields than fit. */
	bad = malloc(64 * 80);
	strcpy(bad, "name: x\nID: 1\n");
	for (int i = 0; i <= TRACE_MAX_FIELDS; i++)
		sprintf(bad + strlen(bad),
			"\tfield:u8 f%d;\toffset:%d;\tsize:1;\tsigned:0;\n", i,
			i);
	is_int(trace_format__parse(bad, &f), -EINVAL,
	       "more than TRACE_MAX_FIELDS fields: refused");
	free(bad);
}

static void test_decode(void)
{
	struct trace_format spte, zap, pz;
	struct trace_sample s;
	uint8_t lost_rec[32], trunc[sizeof(rec_fault_0x100)];
	uint64_t v, lost;

	trace_format__parse(fmt_spte, &spte);
	trace_format__parse(fmt_zap_all, &zap);
	trace_format__parse(fmt_prepare_zap, &pz);

	is_int(trace_sample__decode(rec_fault_0x100, sizeof(rec_fault_0x100),
				    &s, &lost),
	       1, "a captured fault decodes as a sample");
	is_int(s.pid, 28567, "its pid");
	is_int(s.tid, 28569, "its tid (the vCPU thread)");
	ok(s.time == 4378361467084ULL, "its CLOCK_MONOTONIC time");
	is_int(s.raw_size, 36, "36 raw bytes");
	ok(!trace_field__read(trace_format__field(&spte, "common_type"), s.raw,
			      s.raw_size, &v) &&
		   v == 118,
	   "common_type is the spte event's ID");
	ok(!trace_field__read(trace_format__field(&spte, "gfn"), s.raw,
			      s.raw_size, &v) &&
		   v == 0x100,
	   "gfn 0x100 (the guest's image at 1 MiB)");
	ok(!trace_field__read(trace_format__field(&spte, "pfn"), s.raw,
			      s.raw_size, &v) &&
		   v == 1829460,
	   "its pfn");
	ok(!trace_field__read(trace_format__field(&spte, "level"), s.raw,
			      s.raw_size, &v) &&
		   v == 1,
	   "level 1 (4K)");
	ok(!trace_field__read(trace_format__field(&spte, "common_pid"), s.raw,
			      s.raw_size, &v) &&
		   v == 28569,
	   "common_pid, signed, reads back");

	is_int(trace_sample__decode(rec_zap_all_fast, sizeof(rec_zap_all_fast),
				    &s, &lost),
	       1, "a captured zap_all_fast decodes");
	ok(!trace_field__read(trace_format__field(&zap, "common_type"), s.raw,
			      s.raw_size, &v) &&
		   v == 121,
	   "as event 121");
	is_int(trace_sample__decode(rec_prepare_zap, sizeof(rec_prepare_zap),
				    &s, &lost),
	       1, "a captured prepare_zap_page decodes");
	ok(!trace_field__read(trace_format__field(&pz, "gfn"), s.raw,
			      s.raw_size, &v) &&
		   v == 2,
	   "its gfn");
	ok(!trace_field__read(trace_format__field(&pz, "role"), s.raw,
			      s.raw_size, &v) &&
		   v == 0x3704,
	   "its role");
	ok(trace_field__read(trace_format__field(&spte, "level"), s.raw, 20,
			     &v) == -EINVAL,
	   "a field past the raw record: refused");

	/* A record cut short, and one whose raw size overruns it. */
	is_int(trace_sample__decode(rec_fault_0x100, 40, &s, &lost), -EINVAL,
	       "a record longer than the bytes left: refused");
	memcpy(trunc, rec_fault_0x100, sizeof(trunc));
	wr(trunc, 24, 200, 4);
	is_int(trace_sample__decode(trunc, sizeof(trunc), &s, &lost), -EINVAL,
	       "a raw size past the record: refused");
	wr(trunc, 6, 4, 2);
	is_int(trace_sample__decode(trunc, sizeof(trunc), &s, &lost), -EINVAL,
	       "a record shorter than its header: refused");

	memset(lost_rec, 0, sizeof(lost_rec));
	wr(lost_rec, 0, PERF_RECORD_LOST, 4);
	wr(lost_rec, 6, 24, 2);
	wr(lost_rec, 16, 37, 8);
	is_int(trace_sample__decode(lost_rec, sizeof(lost_rec), &s, &lost), 0,
	       "PERF_RECORD_LOST is not a sample");
	ok(lost == 37, "and says how many were lost");
}

static struct trace_layout layout(unsigned int phase, uint64_t start,
				  bool rom_mapped)
{
	struct trace_layout l = { .phase = phase, .start = start };

	l.regions[l.nregions++] =
		(struct trace_region){ "ram", 0, 0x10000 }; /* 256 MiB */
	if (rom_mapped)
		l.regions[l.nregions++] =
			(struct trace_region){ "rom0", 0xfff00, 16 };
	l.regions[l.nregions++] =
		(struct trace_region){ "pci-mmio", 0xc0000, 0x3ec00 };
	return l;
}

static void test_regions(void)
{
	struct trace_layout ls[3] = { layout(0, 100, true),
				      layout(1, 200, false),
				      layout(2, 300, true) };

	is_int(trace_layout__region(&ls[0], 0), 0, "GFN 0 is RAM");
	is_int(trace_layout__region(&ls[0], 0xffff), 0, "the last RAM GFN");
	is_int(trace_layout__region(&ls[0], 0xfff00), 1, "ROM 0's first GFN");
	is_int(trace_layout__region(&ls[0], 0xfff0f), 1, "its last GFN");
	is_int(trace_layout__region(&ls[0], 0xfff10), 3, "past it: other");
	is_int(trace_layout__region(&ls[0], 0xc0000), 2,
	       "the PCI window's first GFN");
	is_int(trace_layout__region(&ls[1], 0xfff00), 2,
	       "ROM unmapped: its GFN is other");
	is_int(trace_layout__region(&ls[0], 0xfebff), 2,
	       "the PCI window's last GFN");
	is_int(trace_layout__region(&ls[0], 0x10000), 3,
	       "between RAM and the window: other");
	is_int(trace_layout__region(&ls[0], 0x100000000ULL), 3,
	       "far above: other");

	is_int(trace_layout__phase_of(ls, 3, 50), 0,
	       "before the first layout: the first");
	is_int(trace_layout__phase_of(ls, 3, 100), 0, "at its start");
	is_int(trace_layout__phase_of(ls, 3, 250), 1, "in the second");
	is_int(trace_layout__phase_of(ls, 3, 1000), 2, "after the last");
	ls[2].start = 200;
	is_int(trace_layout__phase_of(ls, 3, 250), 2,
	       "two starting at once: the later phase");
	is_int(trace_layout__phase_of(ls, 0, 250), -1, "no layouts");
}

static void test_classify(void)
{
	/* touch 3 pages, ROM churn (phase 2 on), retouch 2 of them. */
	struct trace_fault f[] = {
		{ .time = 10, .gfn = 0x100 }, /* image, read */
		{ .time = 11, .gfn = 0x100 }, /* image, write */
		{ .time = 110, .gfn = 0x105 },
		{ .time = 111, .gfn = 0x106 },
		{ .time = 112, .gfn = 0x107, .level = 2 },
		{ .time = 210, .gfn = 0xfff00 }, /* ROM read */
		{ .time = 310, .gfn = 0x105 },
		{ .time = 311, .gfn = 0x106 },
		{ .time = 312, .gfn = 0x106 },
		{ .time = 313, .gfn = 0xfff00 }, /* a ROM GFN, ROM unmapped */
	};
	struct trace_mark m[] = { { 205, TEV_ZAP_ALL_FAST },
				  { 206, TEV_PREPARE_ZAP },
				  { 305, TEV_PREPARE_ZAP },
				  { 306, TEV_NR } };
	struct trace_layout ls[] = { layout(2, 200, true), layout(0, 0, true),
				     layout(1, 100, true),
				     layout(3, 300, false) };
	struct trace_summary s;

	is_int(trace__classify(f, 10, m, 4, ls, 4, 4, 2, &s), 0, "classify");
	is_int(s.nphases, 4, "four phases");
	is_int(s.all.faults, 10, "ten faults");
	is_int(s.floor_gfns, 5, "floor: five distinct GFNs");
	is_int(s.floor_2m, 2, "in two 2M regions");
	is_int(s.all.first, 5, "five first touches");
	is_int(s.all.refaults, 5, "five re-faults in the run");
	is_int(s.refaults, 4, "four from the first churn phase on");
	ok(!f[0].refault && f[1].refault, "the image's write fault re-faults");
	ok(f[6].refault && f[6].phase == 3, "a retouch re-faults, phase 3");
	is_int(s.phases[0].all.faults, 2, "phase 0: two faults");
	is_int(s.phases[0].all.distinct, 1, "on one GFN");
	is_int(s.phases[1].all.first, 3, "phase 1: three first touches");
	is_int(s.phases[2].regions[1].faults, 1, "phase 2: one ROM fault");
	ok(!strcmp(s.phases[2].region_names[1], "rom0"), "named rom0");
	is_int(s.phases[2].events[TEV_ZAP_ALL_FAST], 1,
	       "phase 2: one zap_all_fast");
	is_int(s.phases[2].events[TEV_PREPARE_ZAP], 1,
	       "and one prepare_zap_page");
	is_int(s.phases[3].events[TEV_PREPARE_ZAP], 1,
	       "phase 3: one prepare_zap_page");
	is_int(s.events[TEV_SPTE_REQUESTED], 10, "ten spte_requested");
	is_int(s.phases[3].all.faults, 4, "phase 3: four faults");
	is_int(s.phases[3].all.distinct, 3, "on three GFNs");
	is_int(s.phases[3].all.refaults, 4, "all re-faults");
	is_int(s.phases[3].regions[0].faults, 3, "three in RAM");
	/* ROM unmapped in phase 3: its layout is ram, pci-mmio, other. */
	is_int(s.phases[3].nregions, 3, "phase 3: ram, pci-mmio, other");
	is_int(s.phases[3].regions[2].faults, 1,
	       "the unmapped ROM's GFN counts as other");
	ok(!strcmp(s.phases[3].region_names[2], TRACE_OTHER_REGION),
	   "named other");
	trace_summary__free(&s);

	is_int(trace__classify(f, 10, NULL, 0, NULL, 0, 1, 0, &s), 0,
	       "no layouts, one phase");
	is_int(s.phases[0].nregions, 1, "only other");
	is_int(s.phases[0].regions[0].faults, 10, "every fault is other");
	is_int(s.refaults, 0, "no churn: no churn re-faults");
	is_int(s.all.refaults, 5, "but five re-faults in the run");
	trace_summary__free(&s);
}

/* kvm_exit by reason per phase: names, order of appearance, overflow. */
static void test_exits(void)
{
	struct trace_mark m[TRACE_MAX_EXITS + 8];
	struct trace_layout ls[] = { layout(0, 0, true), layout(1, 100, true) };
	struct trace_summary s;
	unsigned int n = 0;
	char buf[32];

	m[n++] = (struct trace_mark){ 10, TEV_EXIT, 0x400, 2 }; /* npf */
	m[n++] = (struct trace_mark){ 11, TEV_EXIT, 0x7b, 2 }; /* io */
	m[n++] = (struct trace_mark){ 12, TEV_EXIT, 0x400, 2 };
	m[n++] = (struct trace_mark){ 13, TEV_ZAP_ALL_FAST };
	m[n++] = (struct trace_mark){ 110, TEV_EXIT, 48, 1 }; /* VMX EPT */
	/* Phase 1: TRACE_MAX_EXITS + 2 more reasons, the last two "other". */
	for (unsigned int i = 0; i < TRACE_MAX_EXITS + 2; i++)
		m[n++] =
			(struct trace_mark){ 120 + i, TEV_EXIT, 0x1000 + i, 2 };
	is_int(trace__classify(NULL, 0, m, n, ls, 2, 2, 1, &s), 0,
	       "classify exits");
	is_int(s.phases[0].nexits, 2, "phase 0: two reasons");
	ok(s.phases[0].exits[0].reason == 0x400 &&
		   s.phases[0].exits[0].count == 2,
	   "npf twice, first");
	ok(s.phases[0].exits[1].reason == 0x7b &&
		   s.phases[0].exits[1].count == 1,
	   "io once");
	is_int(s.phases[0].events[TEV_EXIT], 3, "three kvm_exit events");
	is_int(s.phases[1].nexits, TRACE_MAX_EXITS, "phase 1: table full");
	is_int(s.phases[1].exits_other, 3,
	       "phase 1: three past the table, other");
	is_int(s.nexits, TRACE_MAX_EXITS, "run: table full");
	is_int(s.exits[0].count, 2, "run: npf twice");
	is_int(s.exits_other, 5, "run: five past the table");
	trace_summary__free(&s);

	ok(!strcmp(trace_exit__name(2, 0x400, buf, sizeof(buf)), "npf"),
	   "SVM 0x400 is npf");
	ok(!strcmp(trace_exit__name(1, 48, buf, sizeof(buf)), "ept_violation"),
	   "VMX 48 is ept_violation");
	ok(!strcmp(trace_exit__name(2, 0x13, buf, sizeof(buf)), "write_cr3"),
	   "SVM 0x13 is write_cr3");
	ok(!strcmp(trace_exit__name(2, 0x4e, buf, sizeof(buf)), "excp14"),
	   "SVM 0x4e is excp14 (#PF)");
	ok(!strcmp(trace_exit__name(2, 0x999, buf, sizeof(buf)), "svm:0x999"),
	   "an unknown SVM code in hex");
	ok(!strcmp(trace_exit__name(1, 99, buf, sizeof(buf)), "vmx:99"),
	   "an unknown VMX reason in decimal");
	ok(!strcmp(trace_exit__name(0, 7, buf, sizeof(buf)), "exit:7"),
	   "no ISA field: exit:N");
}

static void test_names(void)
{
	ok(!strcmp(trace_event__name(TEV_SPTE_REQUESTED),
		   "kvm_mmu_spte_requested"),
	   "the fault event's name");
	ok(!strcmp(trace_event__path(TEV_PAGE_FAULT), "kvm/kvm_page_fault"),
	   "kvm_page_fault's tracefs path");
	ok(trace_event__name(TEV_NR) == NULL, "no name past the table");
}

/*
 * kvm_page_fault as Linux 6.1's arch/x86/kvm/trace.h lays it out (written
 * from the source: neither this PVM host nor the unit suite has the event
 * firing), and the pairing of its error code with the spte_requested that
 * follows it.
 */
static const char fmt_page_fault[] =
	"name: kvm_page_fault\n"
	"ID: 61\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\t"
	"signed:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned int vcpu_id;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long guest_rip;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 fault_address;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 error_code;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\n"
	"print fmt: \"vcpu %u rip 0x%lx address 0x%016llx error_code 0x%llx\", "
	"REC->vcpu_id, REC->guest_rip, REC->fault_address, REC->error_code\n";

static void test_page_fault_pairing(void)
{
	struct trace_format f;
	const struct trace_field *addr, *err;
	uint8_t raw[40] = { 61, 0 };
	uint64_t a = 0x12345678, e = 0x100000006ull, va = 0, ve = 0;
	struct trace_pf pf = { 0 };
	struct trace_fault flt = { .gfn = 0x12345 };

	ok(trace_format__parse(fmt_page_fault, &f) == 0 && f.id == 61,
	   "kvm_page_fault's format parses");
	addr = trace_format__field(&f, "fault_address");
	err = trace_format__field(&f, "error_code");
	ok(addr && err, "fault_address and error_code fields");
	if (!addr || !err)
		return;
	memcpy(raw + 24, &a, 8);
	memcpy(raw + 32, &e, 8);
	ok(!trace_field__read(addr, raw, sizeof(raw), &va) && va == a &&
		   !trace_field__read(err, raw, sizeof(raw), &ve) && ve == e,
	   "a record's address and error code read back");

	trace_pf__note(&pf, va, ve);
	trace_pf__take(&pf, &flt);
	ok(flt.has_error_code && flt.error_code == e,
	   "the next fault of the GFN gets the NPF's error code");
	flt = (struct trace_fault){ .gfn = 0x12345 };
	trace_pf__take(&pf, &flt);
	ok(!flt.has_error_code, "taken once: a second fault gets none");
	trace_pf__note(&pf, 0x5000, 4);
	flt = (struct trace_fault){ .gfn = 0x12345 };
	trace_pf__take(&pf, &flt);
	ok(!flt.has_error_code && !pf.pending,
	   "another GFN's page fault (MMIO, fast path) is dropped, not given");
	trace_pf__note(&pf, 0x12345fff, 2);
	flt = (struct trace_fault){ .gfn = 0x12345 };
	trace_pf__take(&pf, &flt);
	ok(flt.has_error_code && flt.error_code == 2,
	   "an address inside the page matches its GFN");
}

int main(void)
{
	test_format();
	test_decode();
	test_regions();
	test_classify();
	test_exits();
	test_names();
	test_page_fault_pairing();
	return tap_done();
}
