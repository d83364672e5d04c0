// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the faults-per-interval panels (src/bench/plot-timeline.c)
 * drawn by run --plot and bench --timeline, and bench's --timeline and
 * --sample-ms options (src/bench/out-timeline.c), speaking TAP: the data
 * block, the extent and sum of a timeline's intervals, the gnuplot quoting,
 * a panel's script, which run is sampled and the options' refusals.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/plot.h"

#include "../../src/bench/bench.h"
#include "tap.h"

/* Two vCPUs' cumulative pf_taken at 0, 4 and 9 ms; one memslot, one mark. */
static const char tl_json[] =
	"{\"interval_ms\": 4, \"samples\": ["
	"{\"t_ms\": 0.0, \"vm\": {}, \"vcpus\": [{\"pf_taken\": 0}, "
	"{\"pf_taken\": 0}]},"
	"{\"t_ms\": 4.0, \"vm\": {}, \"vcpus\": [{\"pf_taken\": 10}, "
	"{\"pf_taken\": 5}]},"
	"{\"t_ms\": 9.5, \"vm\": {}, \"vcpus\": [{\"pf_taken\": 12}, "
	"{\"pf_taken\": 33}]}],"
	"\"events\": [{\"t_ms\": 3.0, \"kind\": \"memslot\", \"name\": "
	"\"rom0-off\", \"phase\": 2}, {\"t_ms\": 5.0, \"kind\": \"mark\", "
	"\"name\": \"it's\", \"phase\": 3}], \"truncated\": false}";

/* What @fn writes on a memory stream, malloc()ed. */
static char *captured(void (*fn)(FILE *f, void *arg), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fn(f, arg);
	fclose(f);
	return buf;
}

static void data_of(FILE *f, void *arg)
{
	timeline_plot__data(f, arg);
}

static void str_of(FILE *f, void *arg)
{
	timeline_plot__str(f, arg);
}

static void panel_of(FILE *f, void *arg)
{
	timeline_plot__panel(f, arg);
}

static void test_data(struct json_object *tl)
{
	char *s = captured(data_of, tl);
	double t_end;
	uint64_t peak, sum;

	/* Intervals: 0-4 ms 15 faults, 4-9.5 ms 30; the last again at 9.5. */
	ok(s && !strcmp(s, "0.000 15 0\n4.000 30 0\n9.500 30 0\n"),
	   "data: a row per interval, the last again at its end");
	free(s);
	sum = timeline_plot__extent(tl, &t_end, &peak);
	is_int(sum, 45, "extent: the intervals' faults, last less first");
	ok(t_end == 9.5, "extent: ends at the last sample");
	is_int(peak, 30, "extent: the busiest interval");
	is_int(timeline_plot__nsamples(tl), 3, "3 samples");
	ok(!timeline_plot__traced(tl), "untraced: no trace member");
}

static void test_short(void)
{
	struct json_object *one = json_tokener_parse(
		"{\"samples\": [{\"t_ms\": 0, \"vcpus\": [{\"pf_taken\": 7}]}]}");
	char *s = captured(data_of, one);
	double t_end = 1;
	uint64_t peak = 1;

	ok(s && !*s, "one sample: no data");
	is_int(timeline_plot__extent(one, &t_end, &peak), 0,
	       "one sample: no faults");
	ok(t_end == 0 && peak == 0, "one sample: empty extent");
	free(s);
	json_object_put(one);
}

/* A counter that went down (a vCPU's stats gone) is no negative count. */
static void test_decrease(void)
{
	struct json_object *tl = json_tokener_parse(
		"{\"samples\": [{\"t_ms\": 0, \"vcpus\": [{\"pf_taken\": 9}], "
		"\"trace\": {\"refaults\": 1}}, {\"t_ms\": 2, \"vcpus\": "
		"[{\"pf_taken\": 4}], \"trace\": {\"refaults\": 3}}]}");
	char *s = captured(data_of, tl);

	ok(s && !strcmp(s, "0.000 0 2\n2.000 0 2\n"),
	   "a smaller later value counts 0; re-faults per interval");
	ok(timeline_plot__traced(tl), "traced: the samples' trace member");
	free(s);
	json_object_put(tl);
}

static void test_str_panel(struct json_object *tl)
{
	struct timeline_panel p = { .tl = tl,
				    .title = "policy=all (run 1)",
				    .data = "/tmp/d",
				    .index = 2,
				    .t_max = 9.5,
				    .y_max = 33 };
	char *s = captured(str_of, "a'b\nc");

	ok(s && !strcmp(s, "'a''bc'"), "quoting: ' doubled, controls dropped");
	free(s);
	s = captured(panel_of, &p);
	ok(s && strstr(s, "unset arrow\nunset label\n"),
	   "panel: the last panel's lines cleared");
	ok(s && strstr(s, "set title 'policy=all (run 1)'"),
	   "panel: its title");
	ok(s && strstr(s, "index 2 using 1:2 with steps"),
	   "panel: its block of the data file");
	ok(s && strstr(s, "set xrange [0:9.500]") &&
		   strstr(s, "set yrange [0:33]"),
	   "panel: the shared ranges");
	ok(s && strstr(s, "set arrow from 3.000, graph 0 to 3.000, graph 1") &&
		   strstr(s, "dt 2"),
	   "panel: a dashed line at the memslot change");
	ok(s && strstr(s, "set label 'it''s' at 5.000"),
	   "panel: the mark labelled, quoted");
	ok(s && !strstr(s, "rom0-off"), "panel: memslot changes unlabelled");
	ok(s && !strstr(s, "re-faults"), "panel: untraced, no re-fault line");
	free(s);
}

static void test_opts(void)
{
	struct bench_opts o = { 0 };
	struct bench b = { 0 };
	const struct bench_scenario *boot = scenario__find("boot", false);
	const struct bench_scenario *zaplat = scenario__find("zaplat", false);

	is_int(bench_tl__opt(BENCH_TL_OPT_SAMPLE_MS, "0", &o), 64,
	       "--sample-ms 0: 64");
	is_int(bench_tl__opt(BENCH_TL_OPT_SAMPLE_MS, "5x", &o), 64,
	       "--sample-ms 5x: 64");
	is_int(bench_tl__opt(BENCH_TL_OPT_SAMPLE_MS, "3600001", &o), 64,
	       "--sample-ms 3600001: 64 (run's bound)");
	is_int(bench_tl__opt('v', NULL, &o), 1, "not its option: 1");
	o.sc = boot;
	is_int(bench_tl__combine(&o), 0, "neither option: nothing to check");
	is_int(o.sample_ms, 0, "neither option: no sampling");
	is_int(bench_tl__opt(BENCH_TL_OPT_SAMPLE_MS, "3", &o), 0,
	       "--sample-ms 3");
	is_int(bench_tl__combine(&o), 64, "--sample-ms alone: 64");
	o.json = "x.json";
	is_int(bench_tl__combine(&o), 0, "--sample-ms --json: 0");
	o.sample_ms = 0;
	o.json = NULL;
	o.timeline = "t.svg";
	is_int(bench_tl__combine(&o), 0, "--timeline alone: 0");
	is_int(o.sample_ms, BENCH_TL_DEFAULT_MS, "--timeline alone: 5 ms");
	o.sc = zaplat;
	is_int(bench_tl__combine(&o), 64, "--timeline zaplat: 64");
	b.o = o;
	is_int(bench_tl__period(&b, 0), BENCH_TL_DEFAULT_MS,
	       "run 1 is sampled");
	is_int(bench_tl__period(&b, 1), 0, "run 2 is not");
}

int main(void)
{
	struct json_object *tl = json_tokener_parse(tl_json);

	ok(tl != NULL, "the sample timeline parses");
	test_data(tl);
	test_short();
	test_decrease();
	test_str_panel(tl);
	test_opts();
	json_object_put(tl);
	return tap_done();
}
