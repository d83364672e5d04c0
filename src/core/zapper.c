// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VMM-side "zap all roots now", and `zapvm run --zap-churn` on it. The
 * probes of `zapvm bench zaplat` and `vcpustall` live in src/bench/.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "zapvm/guest_abi.h"
#include "zapvm/kvm.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/vmcore.h"
#include "zapvm/zapper.h"

#define ZAPPER_SIZE 4096ULL
#define NS_PER_MS 1000000ULL

int zapper__init(struct zapper *z, struct vm *vm)
{
	struct region r;
	uint64_t gpa;
	int ret;

	memset(z, 0, sizeof(*z));
	z->vm = vm;
	if (!kvm__check(vm->vm_fd, KVM_CAP_READONLY_MEM)) {
		log_err("zapper: not supported on this host: its read-only "
			"memslot needs KVM_CAP_READONLY_MEM");
		return -EOPNOTSUPP;
	}
	/* The top of the GPA space: firmware ROMs stack down from 4 GiB,
	 * but gpa_top is at least 4 GiB and a GiB multiple above RAM. */
	for (gpa = vm->gpa_top - ZAPPER_SIZE; gpa >= ZAPVM_BOOT_END;
	     gpa -= ZAPPER_SIZE) {
		if (!memslots__find(&vm->slots, gpa, &r))
			break;
	}
	if (gpa < ZAPVM_BOOT_END) {
		log_err("zapper: no free guest-physical page for its memslot");
		return -ENOSPC;
	}
	z->mem = mmap(NULL, ZAPPER_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (z->mem == MAP_FAILED) {
		z->mem = NULL;
		log_err("zapper: cannot allocate its page: %s",
			strerror(errno));
		return -ENOMEM;
	}
	ret = memslots__add(&vm->slots, REGION_ROM, "zapper", gpa, ZAPPER_SIZE,
			    z->mem);
	if (ret < 0)
		return ret;
	z->rom = (unsigned int)ret;
	z->gpa = gpa;
	log_debug("zapper: 4 KiB read-only slot at GPA 0x%llx (ROM %u)",
		  (unsigned long long)gpa, z->rom);
	return 0;
}

int zapper__zap(struct zapper *z, uint64_t *delete_ns, uint64_t *readd_ns)
{
	uint64_t t0 = now_ns(), t1;
	int ret = memslots__rom_unmap(&z->vm->slots, z->rom);

	t1 = now_ns();
	if (!ret)
		ret = memslots__rom_map(&z->vm->slots, z->rom);
	if (ret) {
		log_err("zapper: KVM_SET_USER_MEMORY_REGION on its slot "
			"failed: %s",
			strerror(-ret));
		return -EIO;
	}
	*delete_ns = t1 - t0;
	*readd_ns = now_ns() - t1;
	return 0;
}

void zapper__free(struct zapper *z)
{
	if (z->mem)
		munmap(z->mem, ZAPPER_SIZE);
	z->mem = NULL;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000ULL),
			       (long)(t % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* ---- zapvm run --zap-churn ------------------------------------------ */

int zap_churn__hook(struct vm *vm, void *opaque)
{
	struct zap_churn *c = opaque;
	uint64_t next, del, readd;
	int ret = zapper__init(&c->z, vm);

	if (ret)
		return ret;
	next = now_ns() + c->period_ms * NS_PER_MS;
	while (!vm__stopping(vm) && vm__vcpus_running(vm)) {
		/* Sleep in slices so a stop is seen within 10 ms. */
		uint64_t t = now_ns(), slice = t + 10 * NS_PER_MS;

		if (t < next) {
			sleep_until(slice < next ? slice : next);
			continue;
		}
		ret = zapper__zap(&c->z, &del, &readd);
		if (ret)
			return ret;
		c->zaps++;
		c->delete_ns_sum += del;
		c->delete_ns_max = del > c->delete_ns_max ? del :
							    c->delete_ns_max;
		next += c->period_ms * NS_PER_MS;
		if (next < now_ns())
			next = now_ns() + c->period_ms * NS_PER_MS;
	}
	log_info("zap churn: %llu zaps of all roots, delete %.3f ms mean, "
		 "%.3f ms max",
		 (unsigned long long)c->zaps,
		 c->zaps ? c->delete_ns_sum / 1e6 / (double)c->zaps : 0.0,
		 c->delete_ns_max / 1e6);
	return 0;
}

void zap_churn__free(struct zap_churn *c)
{
	zapper__free(&c->z);
}
