// SPDX-License-Identifier: GPL-2.0-only
/* zapvm caps: the host facts a user needs before measuring anything. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/hostmmu.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

static const char *yesno(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "n/a";
	return json_object_get_boolean(v) ? "yes" : "no";
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	return json_object_get_string(v);
}

int cmd_caps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct json_object *host, *z, *k, *stats;
	bool json = false;
	int c, kfd;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			printf("usage: zapvm caps [--json]\n");
			return 0;
		} else if (!common_opt(c)) {
			return ZAPVM_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		log_err("caps: unexpected argument '%s'", argv[optind]);
		return ZAPVM_EXIT_USAGE;
	}
	/*
	 * The status run has for the same /dev/kvm: 69 when there is none,
	 * 77 when it may not be opened (kvm__open() said which, one line).
	 */
	kfd = kvm__open();
	if (kfd < 0)
		return kfd == -ENOENT ? ZAPVM_EXIT_UNAVAILABLE :
					errno_to_exit(kfd);
	close(kfd);
	host = report__host();
	if (!host)
		return ZAPVM_EXIT_UNAVAILABLE;
	if (json) {
		int ret = report__write_json(host, "-");

		json_object_put(host);
		return ret;
	}
	json_object_object_get_ex(host, "zap_interfaces", &z);
	json_object_object_get_ex(host, "series_knobs", &k);
	json_object_object_get_ex(host, "vm_stats", &stats);
	printf("kernel                %s\n", str(host, "kernel"));
	printf("kvm device            %s (API %s)\n", str(host, "kvm_device"),
	       str(host, "kvm_api_version"));
	printf("mmu                   %s (vendor module %s, tdp_mmu %s)\n",
	       str(host, "mmu"), str(host, "vendor_module"),
	       yesno(host, "tdp_mmu"));
	printf("read-only memslots    %s\n", yesno(host, "readonly_memslots"));
	printf("binary stats          %s (%zu VM stats)\n",
	       yesno(host, "binary_stats"),
	       stats ? json_object_array_length(stats) : (size_t)0);
	printf("max memslots          %s\n", str(host, "max_memslots"));
	printf("max vcpus             %s\n", str(host, "max_vcpus"));
	printf("zap control (series)  %s%s\n", yesno(z, "series_cap"),
	       json_object_get_boolean(
		       json_object_object_get(z, "series_cap_without_sign")) ?
		       " (cap answers, but the series' stats are missing: "
		       "not trusted)" :
		       "");
	printf("slot-zap quirk (6.12) %s\n", yesno(z, "quirk_slot_zap_all"));
	printf("zap policies          default all%s\n",
	       json_object_get_boolean(
		       json_object_object_get(z, "policy_slot")) ?
		       " slot" :
		       "");
	printf("change_pte prefetch   %s\n", yesno(k, "change_pte_prefetch"));
	printf("root zap 4K           %s\n", yesno(k, "root_zap_4k"));
	hostmmu__print(stdout, json_object_object_get(host, "host_mmu"));
	json_object_put(host);
	return 0;
}
