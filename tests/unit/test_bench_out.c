// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm bench's CSV and JSON writers against golden output: a fixed bench
 * of two cells (policy all and slot) of a made-up scenario with two
 * metrics, written to a temporary file and compared byte for byte (the
 * zapvm version, which the build sets, is checked apart).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "test_bench.h"

static const struct bench_metric metrics[] = {
	{ "faults", "", "faults", M_TABLE | M_RATIO },
	{ "ms", "ms", "ms", M_TABLE },
};

static void fake_prepare(struct bench_cell *c, uint64_t base,
			 const char *user_args)
{
	snprintf(c->args, sizeof(c->args), "x=1");
	cell__add_floor(c, "floor", "faults", 8, 4);
}

static const struct bench_scenario fake = {
	.name = "fake",
	.seed = "999",
	.what = "a fixed input",
	.guest = "exit",
	.metrics = metrics,
	.nmetrics = 2,
	.prepare = fake_prepare,
};

static const double vals[2][2][3] = {
	{ { 10, 12, 14 }, { 1.5, 2.5, 2 } }, /* all */
	{ { 5, 6, 7 }, { 1, 1, 1 } }, /* slot */
};

static void fake_bench(struct bench *b)
{
	memset(b, 0, sizeof(*b));
	b->o.sc = &fake;
	b->guest = builtin__find(fake.guest);
	b->o.npolicy = 2;
	b->o.policy[0] = ZAP_ALL;
	b->o.policy[1] = ZAP_SLOT;
	b->o.nthp = b->o.nmem = b->o.ncpus = b->o.nprefetch = b->o.nroot_zap =
		1;
	b->o.thp[0] = THP_OFF;
	b->o.mem[0] = 32ULL << 20;
	b->o.cpus[0] = 2;
	b->o.prefetch[0] = -1;
	b->o.root_zap[0] = 0;
	b->o.runs = 3;
	b->o.jobs = 1;
	snprintf(b->host.kernel, sizeof(b->host.kernel), "6.1.0-test");
	snprintf(b->host.mmu, sizeof(b->host.mmu), "tdp");
	b->host.mmu_info.tdp_mmu = 1;
	snprintf(b->host.thp_enabled, sizeof(b->host.thp_enabled), "never");
	b->host.slot_ok = true;
	b->host.json = json_object_new_object();
	json_object_object_add(b->host.json, "kernel",
			       json_object_new_string("6.1.0-test"));
	snprintf(b->cmdline, sizeof(b->cmdline), "zapvm bench fake 'a b'");
	snprintf(b->date, sizeof(b->date), "2026-01-01T00:00:00Z");
	if (bench__cells(b))
		return;
	for (unsigned int k = 0; k < 2; k++) {
		struct bench_cell *c = &b->cells[k];
		struct json_object *r = json_object_new_object();

		for (unsigned int m = 0; m < 2; m++)
			memcpy(c->values[m], vals[k][m], sizeof(vals[k][m]));
		c->nok = 3;
		c->iface = ZAP_IFACE_NONE;
		json_object_object_add(r, "run", json_object_new_int(1));
		json_object_array_add(c->runs, r);
	}
	b->cells[1].nfailed = 1;
	bench__summarise(b);
}

static void fake_free(struct bench *b)
{
	for (unsigned int k = 0; b->cells && k < b->ncells; k++) {
		for (unsigned int i = 0; i < MAX_METRICS; i++)
			free(b->cells[k].values[i]);
		json_object_put(b->cells[k].runs);
	}
	free(b->cells);
	json_object_put(b->host.json);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 65536);
	size_t n;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Where @a and @b first differ, for the log. */
static void show_diff(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	printf("#   differ at byte %zu:\n#   got:  %.60s\n#   want: %.60s\n", i,
	       a + i, b + i);
}

static const char csv_want[] =
	"# command: zapvm bench fake 'a b'\n"
	"# date: 2026-01-01T00:00:00Z\n"
	"# host_kernel: 6.1.0-test; mmu: tdp; tdp_mmu: Y; thp_enabled: never; "
	"slot_zap: yes\n"
	"# memory: mem_backend anon; hugepage_size 2M; prefault off; "
	"ram_slots 1; trace off\n"
	"kind,scenario,policy,thp,mem_mib,cpus,prefetch,root_zap,zap_interface,metric,n,mean,sd,min,max,ci95_lo,ci95_hi,floor,trace,mem_backend,prefault,ram_slots,slot_layout,dirty_log\n"
	"cell,fake,all,off,32,2,-,1g,kernel default,faults,3,12,2,10,14,7.03172,16.9683,8,off,anon,off,1,-,off\n"
	"cell,fake,all,off,32,2,-,1g,kernel default,ms,3,2,0.5,1.5,2.5,0.757931,3.24207,,off,anon,off,1,-,off\n"
	"cell,fake,slot,off,32,2,-,1g,kernel default,faults,3,6,1,5,7,3.51586,8.48414,8,off,anon,off,1,-,off\n"
	"cell,fake,slot,off,32,2,-,1g,kernel default,ms,3,1,0,1,1,1,1,,off,anon,off,1,-,off\n"
	"ratio,fake,slot/all,off,32,2,-,1g,,faults,,0.5,,,,0.338661,0.738202,,off,anon,off,1,-,off\n"
	"ratio,fake,slot/all,off,32,2,-,1g,,ms,,0.5,,,,0.308445,1.31938,,off,anon,off,1,-,off\n";

static void test_csv(const char *dir)
{
	struct bench b;
	char path[256], head[64], *got, *body;
	int ret;

	fake_bench(&b);
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	ret = bench__csv(&b, path);
	is_int(ret, 0, "bench__csv");
	got = slurp(path);
	ok(got != NULL, "the CSV is there");
	if (!got)
		goto out;
	snprintf(head, sizeof(head), "# zapvm %s bench fake (seed 999), ",
		 got + strlen("# zapvm "));
	body = strchr(got, '\n');
	ok(!strncmp(got, "# zapvm ", 8) && body &&
		   strstr(got, " bench fake (seed 999), builtin:exit\n") ==
			   body - strlen(" bench fake (seed 999), builtin:exit"),
	   "first line: zapvm's version, scenario, seed, guest");
	if (body && !ok(!strcmp(body + 1, csv_want), "the CSV as golden"))
		show_diff(body + 1, csv_want);
	if (body && getenv("BENCH_GOLDEN"))
		printf("%s", body + 1);
	free(got);
	snprintf(path, sizeof(path), "%s/no/such/dir/out.csv", dir);
	is_int(bench__csv(&b, path), 74, "an unwritable --csv: 74");
out:
	fake_free(&b);
}

/* --csv -: standard output (it made a file named "-"), through outfile. */
static void test_csv_stdout(const char *dir)
{
	struct bench b;
	char path[256], *got;
	int saved, fd, ret, cwd = open(".", O_RDONLY | O_DIRECTORY);

	/* In @dir, where no "-" is left from anything else. */
	if (cwd < 0 || chdir(dir)) {
		printf("Bail out! %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	fake_bench(&b);
	snprintf(path, sizeof(path), "%s/stdout.csv", dir);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	ret = bench__csv(&b, "-");
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	is_int(ret, 0, "bench__csv -");
	ok(access("-", F_OK) != 0, "no file named '-'");
	unlink("-");
	if (fchdir(cwd))
		printf("Bail out! back to the first directory\n");
	close(cwd);
	got = slurp(path);
	ok(got && strstr(got, csv_want), "the CSV on standard output");
	free(got);
	unlink(path);
	fake_free(&b);
}

static const char json_want[] =
	"{\"command\":\"zapvm bench fake 'a b'\",\"argv\":[\"zapvm\"],\"dat"
	"e\":\"2026-01-01T00:00:00Z\",\"environment\":{\"kernel\":\"6.1.0-t"
	"est\",\"bench_axes\":{\"hugepage_size\":2097152,\"prefault\":false"
	",\"trace_untraced\":null,\"firmware\":null,\"vga\":\"none\",\"shm_"
	"size\":0}},\"scenario\":\"fake\",\"seed\":\"999\",\"description\":"
	"\"a fixed input\",\"guest\":\"exit\",\"runs_per_cell\":3,\"jobs\":"
	"1,\"interrupted\":false,\"statistics\":\"mean, sample sd, min, max"
	"; ci95: Student's t interval of the mean; ratios: Fieller's 95% in"
	"terval for independent samples, t at Welch-Satterthwaite df\",\"ce"
	"lls\":[{\"policy\":\"all\",\"thp\":\"off\",\"mem\":33554432,\"cpus"
	"\":2,\"prefetch\":null,\"root_zap\":\"1g\",\"trace\":false,\"trace"
	"_all\":false,\"mem_backend\":\"anon\",\"mem_file\":null,\"prefault"
	"\":false,\"ram_slots\":1,\"slot_layout\":null,\"args\":\"x=1\",\"z"
	"ap_interface\":\"kernel default\",\"runs_ok\":3,\"runs_failed\":0,"
	"\"runs_interrupted\":0,\"metrics\":{\"faults\":{\"unit\":\"\",\"n"
	"\":3,\"mean\":12.0,\"sd\":2.0,\"min\":10.0,\"max\":14.0,\"ci95\":["
	"7.0317245764993981,16.9682754235006],\"values\":[10.0,12.0,14.0],"
	"\"floor\":8.0,\"excess_over_floor\":4.0},\"ms\":{\"unit\":\"ms\","
	"\"n\":3,\"mean\":2.0,\"sd\":0.5,\"min\":1.5,\"max\":2.5,\"ci95\":["
	"0.75793114412484952,3.2420688558751505],\"values\":[1.5,2.5,2.0]}}"
	",\"floors\":{\"floor\":{\"metric\":\"faults\",\"frames_4k\":8.0,\""
	"regions_2m\":4.0,\"applies\":\"4k\"}},\"runs\":[{\"run\":1}]},{\"p"
	"olicy\":\"slot\",\"thp\":\"off\",\"mem\":33554432,\"cpus\":2,\"pre"
	"fetch\":null,\"root_zap\":\"1g\",\"trace\":false,\"trace_all\":fal"
	"se,\"mem_backend\":\"anon\",\"mem_file\":null,\"prefault\":false,"
	"\"ram_slots\":1,\"slot_layout\":null,\"args\":\"x=1\",\"zap_interf"
	"ace\":\"kernel default\",\"runs_ok\":3,\"runs_failed\":1,\"runs_in"
	"terrupted\":0,\"metrics\":{\"faults\":{\"unit\":\"\",\"n\":3,\"mea"
	"n\":6.0,\"sd\":1.0,\"min\":5.0,\"max\":7.0,\"ci95\":[3.51586228824"
	"9699,8.4841377117503001],\"values\":[5.0,6.0,7.0],\"floor\":8.0,\""
	"excess_over_floor\":-2.0},\"ms\":{\"unit\":\"ms\",\"n\":3,\"mean\""
	":1.0,\"sd\":0.0,\"min\":1.0,\"max\":1.0,\"ci95\":[1.0,1.0],\"value"
	"s\":[1.0,1.0,1.0]}},\"floors\":{\"floor\":{\"metric\":\"faults\","
	"\"frames_4k\":8.0,\"regions_2m\":4.0,\"applies\":\"4k\"}},\"runs\""
	":[{\"run\":1}]}],\"ratios\":[{\"thp\":\"off\",\"mem\":33554432,\"c"
	"pus\":2,\"prefetch\":null,\"root_zap\":\"1g\",\"trace\":false,\"tr"
	"ace_all\":false,\"mem_backend\":\"anon\",\"mem_file\":null,\"prefa"
	"ult\":false,\"ram_slots\":1,\"slot_layout\":null,\"numerator\":\"s"
	"lot\",\"denominator\":\"all\",\"metric\":\"faults\",\"ratio\":0.5,"
	"\"ci95\":[0.33866082617066234,0.73820170707909627],\"bounded\":tru"
	"e,\"df\":4.0,\"reduction_pct\":50.0,\"reduction_pct_ci95\":[26.179"
	"829292090375,66.133917382933774]},{\"thp\":\"off\",\"mem\":3355443"
	"2,\"cpus\":2,\"prefetch\":null,\"root_zap\":\"1g\",\"trace\":false"
	",\"trace_all\":false,\"mem_backend\":\"anon\",\"mem_file\":null,\""
	"prefault\":false,\"ram_slots\":1,\"slot_layout\":null,\"numerator"
	"\":\"slot\",\"denominator\":\"all\",\"metric\":\"ms\",\"ratio\":0."
	"5,\"ci95\":[0.30844502213080366,1.319381064825693],\"bounded\":tru"
	"e,\"df\":2.0,\"reduction_pct\":50.0,\"reduction_pct_ci95\":[-31.93"
	"8106482569296,69.155497786919625]}]}";

static void test_json(void)
{
	struct bench b;
	struct json_object *o, *v;
	const char *got;

	fake_bench(&b);
	o = bench__json(&b);
	ok(o && json_object_object_get_ex(o, "zapvm", &v) &&
		   json_object_is_type(v, json_type_string),
	   "zapvm's version is a string");
	json_object_object_del(o, "zapvm");
	got = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!ok(!strcmp(got, json_want), "the JSON as golden"))
		show_diff(got, json_want);
	if (getenv("BENCH_GOLDEN"))
		printf("%s\n", got);
	json_object_put(o);
	fake_free(&b);
}

/* The table's ratio lines name the knob axes of the pair they compare. */
static void test_table_ratio(void)
{
	struct bench b;
	char *got = NULL;
	size_t len = 0;
	FILE *f;

	fake_bench(&b);
	f = open_memstream(&got, &len);
	if (f) {
		bench__print(&b, f);
		fclose(f);
	}
	ok(got && strstr(got, "  32M 2 off prefetch=- root-zap=1g slot/all "
			      "faults "),
	   "a ratio line names the root-zap axis");
	if (got && !strstr(got, "root-zap=1g slot/all"))
		printf("# %s", got);
	free(got);
	fake_free(&b);
}

int main(void)
{
	char dir[] = "/tmp/zapvm-test-bench.XXXXXX";
	char path[256];

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_csv(dir);
	test_csv_stdout(dir);
	test_json();
	test_table_ratio();
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
