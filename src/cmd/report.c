// SPDX-License-Identifier: GPL-2.0-only
/* JSON and summary figures shared by run, demo and caps. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/hostmmu.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/outfile.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"

const char *report__fault_kind(const char *mmu)
{
	if (!strcmp(mmu, "tdp-ept"))
		return "EPT violations (TDP MMU)";
	if (!strcmp(mmu, "tdp-npt"))
		return "NPT faults (TDP MMU)";
	if (!strncmp(mmu, "shadow", 6))
		return "shadow-MMU page faults, not EPT violations";
	return "KVM page faults";
}

unsigned long long report__faults(const struct vm_result *res, int after_churn)
{
	uint64_t v = 0;
	unsigned int from = 0;

	if (!res->phases)
		return 0;
	if (after_churn) {
		if (!res->first_churn_phase)
			return 0;
		from = res->first_churn_phase;
	}
	if (phase_log__sum(res->phases, from, PHASE_VCPU, "pf_taken", &v))
		return 0;
	return v;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

struct json_object *report__host(void)
{
	struct json_object *o = json_object_new_object();
	struct zap_support zs;
	struct stats_set vmstats = { .fd = -1 };
	struct mmu_info mmu;
	struct utsname u;
	bool have_stats = false;
	int kfd, vfd;

	if (!o)
		return NULL;
	kfd = kvm__open();
	if (kfd < 0) {
		json_object_put(o);
		return NULL;
	}
	uname(&u);
	add_str(o, "kernel", u.release);
	add_str(o, "kvm_device", kvm__dev_path());
	add_u64(o, "kvm_api_version", KVM_API_VERSION);
	kvm__mmu_info(&mmu);
	add_str(o, "mmu", kvm__mmu_name(mmu.kind));
	add_str(o, "vendor_module", mmu.vendor_module);
	if (mmu.tdp_mmu < 0)
		json_object_object_add(o, "tdp_mmu", NULL);
	else
		add_bool(o, "tdp_mmu", mmu.tdp_mmu);
	add_bool(o, "readonly_memslots", kvm__check(kfd, KVM_CAP_READONLY_MEM));
	add_bool(o, "binary_stats", kvm__check(kfd, KVM_CAP_BINARY_STATS_FD));
	add_u64(o, "max_memslots",
		(uint64_t)kvm__check(kfd, KVM_CAP_NR_MEMSLOTS));
	add_u64(o, "max_vcpus", (uint64_t)kvm__check(kfd, KVM_CAP_MAX_VCPUS));

	vfd = kvm_ioctl(kfd, KVM_CREATE_VM, NULL);
	if (vfd >= 0) {
		int sfd = kvm_ioctl_quiet(vfd, KVM_GET_STATS_FD, NULL);

		have_stats = sfd >= 0 && !stats__open(&vmstats, sfd);
		zap_support__probe(vfd, have_stats ? &vmstats : NULL, &zs);
		close(vfd);
	} else {
		memset(&zs, 0, sizeof(zs));
	}
	struct json_object *z = json_object_new_object();

	add_bool(z, "series_cap", zs.series);
	add_u64(z, "series_flags", zs.series_flags);
	add_bool(z, "series_cap_without_sign", zs.series_cap_only);
	add_bool(z, "quirk_slot_zap_all", zs.quirk);
	add_bool(z, "policy_slot", zs.series || zs.quirk);
	json_object_object_add(o, "zap_interfaces", z);

	struct json_object *knobs = json_object_new_object();
	int c = kvm__read_param(ZAPVM_KNOB_PREFETCH);

	if (c < 0)
		json_object_object_add(knobs, "change_pte_prefetch", NULL);
	else
		add_bool(knobs, "change_pte_prefetch", c == 'Y' || c == '1');
	c = kvm__read_param(ZAPVM_KNOB_ROOT_ZAP_4K);
	if (c < 0)
		json_object_object_add(knobs, "root_zap_4k", NULL);
	else
		add_bool(knobs, "root_zap_4k", c == 'Y' || c == '1');
	json_object_object_add(o, "series_knobs", knobs);

	struct json_object *names = json_object_new_array();

	for (unsigned int i = 0; have_stats && i < vmstats.ndesc; i++)
		json_object_array_add(
			names, json_object_new_string(vmstats.desc[i].name));
	json_object_object_add(o, "vm_stats", names);
	json_object_object_add(o, "host_mmu", hostmmu__read("/"));
	if (have_stats)
		stats__close(&vmstats);
	close(kfd);
	return o;
}

/* --ram-slots and --dirty-log: config @c, result @r. */
static void report__json_memax(struct json_object *c, struct json_object *r,
			       const struct vm_config *cfg,
			       const struct vm_result *res)
{
	char mode[32];

	add_u64(c, "ram_slots", cfg->ram_slots ? cfg->ram_slots : 1);
	dirty_log_spec__name(&cfg->dirty_log, mode, sizeof(mode));
	add_str(c, "dirty_log", mode);
	add_u64(r, "ram_memslots", res->ram_memslots);
	if (cfg->dirty_log.mode == DIRTY_LOG_OFF) {
		json_object_object_add(r, "dirty_pages", NULL);
		return;
	}
	add_u64(r, "dirty_pages", res->dirty.pages);
	add_u64(r, "dirty_collections", res->dirty.collections);
	add_u64(r, "dirty_ring_full_exits", res->dirty.ring_full_exits);
	add_bool(r, "dirty_init_set", res->dirty.init_set);
}

struct json_object *report__json_run(const struct vm_config *cfg,
				     const struct vm_result *res)
{
	struct json_object *o = json_object_new_object();
	struct json_object *c = json_object_new_object();
	struct json_object *r = json_object_new_object();
	struct json_object *roms = json_object_new_array();
	struct mmu_info mmu;
	struct utsname u;

	if (!o || !c || !r || !roms) {
		json_object_put(o);
		json_object_put(c);
		json_object_put(r);
		json_object_put(roms);
		return NULL;
	}
	add_str(o, "zapvm", ZAPVM_VERSION);
	uname(&u);
	kvm__mmu_info(&mmu);
	add_str(o, "host_kernel", u.release);
	add_str(o, "mmu", kvm__mmu_name(mmu.kind));
	json_object_object_add(o, "host_mmu", hostmmu__read("/"));

	add_str(c, "guest", cfg->guest_name);
	add_u64(c, "mem", cfg->mem_size);
	add_u64(c, "cpus", cfg->ncpus);
	add_str(c, "args", cfg->args);
	add_str(c, "zap_policy", zap_policy__name(cfg->policy));
	add_str(c, "thp",
		cfg->thp == THP_ON  ? "on" :
		cfg->thp == THP_OFF ? "off" :
				      "default");
	add_str(c, "mem_backend", mem_backend__name(cfg->mem_backend));
	if (cfg->mem_backend == MEM_BACKEND_FILE)
		add_str(c, "mem_file", cfg->mem_file);
	if (cfg->mem_backend == MEM_BACKEND_HUGETLB)
		add_u64(c, "hugepage_size",
			cfg->hugepage_size ? cfg->hugepage_size : 2ULL << 20);
	else
		json_object_object_add(c, "hugepage_size", NULL);
	add_bool(c, "prefault", cfg->prefault);
	report__json_memax(c, r, cfg, res);
	for (unsigned int i = 0; i < cfg->nroms; i++) {
		struct json_object *rom = json_object_new_object();

		add_str(rom, "file", cfg->roms[i].path);
		if (cfg->roms[i].has_gpa)
			add_u64(rom, "gpa", cfg->roms[i].gpa);
		json_object_array_add(roms, rom);
	}
	json_object_object_add(c, "roms", roms);
	add_bool(c, "pci", vm_config__has_pci(cfg));
	if (cfg->has_pci_rom) {
		struct json_object *rom = json_object_new_object();

		if (cfg->pci_rom.path)
			add_str(rom, "file", cfg->pci_rom.path);
		else
			add_u64(rom, "pattern_len", cfg->pci_rom.pattern_len);
		json_object_object_add(c, "pci_rom", rom);
	}
	json_object_object_add(o, "config", c);

	add_str(r, "policy", zap_policy__name(cfg->policy));
	add_str(r, "zap_interface", zap_iface__name(res->iface));
	add_u64(r, "exit_code", (uint64_t)exit__from_vm(res));
	add_u64(r, "faults_total", report__faults(res, 0));
	add_u64(r, "faults_after_churn", report__faults(res, 1));
	add_u64(r, "memslot_changes", res->memslot_changes);
	json_object_object_add(
		r, "memslot_update_ms",
		json_object_new_double(res->memslot_update_ns / 1e6));
	add_u64(r, "rom_writes_dropped", res->rom_writes);
	add_u64(r, "vcpu_exits", res->exits);
	json_object_object_add(r, "coalesced_pio",
			       json_object_new_boolean(res->coalesced_pio));
	add_u64(r, "coalesced_writes", res->coalesced_writes);
	json_object_object_add(r, "wall_ms",
			       json_object_new_double(res->wall_ns / 1e6));
	json_object_object_add(r, "setup_ms",
			       json_object_new_double(res->setup_ns / 1e6));
	json_object_object_add(o, "result", r);
	if (res->phases) {
		struct json_object *p = phase_log__to_json(res->phases);
		struct json_object *arr;

		/* Flatten {"phases": [...]} into ours. */
		if (p && json_object_object_get_ex(p, "phases", &arr))
			json_object_object_add(o, "phases",
					       json_object_get(arr));
		json_object_put(p);
	}
	return o;
}

int report__write_json(struct json_object *obj, const char *path)
{
	const char *text = json_object_to_json_string_ext(
		obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			     JSON_C_TO_STRING_NOSLASHESCAPE);
	struct outfile of;
	int ret = outfile__open(&of, "--json", path);

	if (ret)
		goto out;
	if (fputs(text, of.f) < 0 || fputc('\n', of.f) < 0) {
		ret = -errno; /* a flush inside fputs failed: ENOSPC... */
		log_err("--json %s: write failed: %s", path, strerror(-ret));
		outfile__abort(&of);
		goto out;
	}
	ret = outfile__commit(&of);
out:
	if (ret == -ENAMETOOLONG)
		return ZAPVM_EXIT_USAGE;
	return ret ? ZAPVM_EXIT_IOERR : 0;
}
