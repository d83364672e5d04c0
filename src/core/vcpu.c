// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPUs at run time: the thread that runs KVM_RUN and dispatches each
 * exit (port I/O and MMIO to the trap buses, system events, the exits that
 * end the VM as a crash), stopping the VM, and holding the vCPUs outside
 * KVM_RUN while it is paused.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "zapvm/guest_abi.h"
#include "zapvm/kvm.h"
#include "zapvm/kvm_compat.h"
#include "zapvm/log.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"
#include "zapvm/vmcore.h"

void vm__kick_all(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->started)
			continue;
		/* immediate_exit closes the race with a signal before KVM_RUN. */
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(v->thread, SIGUSR1);
	}
}

static void vm__end(struct vm *vm, enum vm_end end, int err)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm->stop_set) {
		vm->stop_set = true;
		vm->stop_end = end;
		vm->stop_err = err;
	}
	__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->lock);
	vm__kick_all(vm);
}

void vm__stop(struct vm *vm, enum vm_end end)
{
	vm__end(vm, end, 0);
}

void vm__fail(struct vm *vm, int err)
{
	vm__end(vm, VM_END_ERROR, err);
}

bool vm__stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE);
}

int vm__pause(struct vm *vm, unsigned int timeout_ms)
{
	struct timespec ts;
	int ret = 0;

	pthread_mutex_lock(&vm->lock);
	if (vm->stopping)
		ret = -ESHUTDOWN;
	else if (vm->pause_req)
		ret = -EALREADY;
	else
		__atomic_store_n(&vm->pause_req, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vm->lock);
	if (ret)
		return ret;
	vm__kick_all(vm);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&vm->lock);
	while (vm->held < vm->live_vcpus && !vm->stopping && !ret)
		ret = -pthread_cond_timedwait(&vm->pause_cond, &vm->lock, &ts);
	if (vm->stopping) {
		ret = -ESHUTDOWN;
	} else if (vm->held < vm->live_vcpus) {
		__atomic_store_n(&vm->pause_req, false, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&vm->pause_cond);
		ret = -ETIMEDOUT;
	} else {
		vm->paused_at = now_ns();
		ret = 0;
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int vm__resume(struct vm *vm)
{
	int ret = -EALREADY;

	pthread_mutex_lock(&vm->lock);
	if (vm->pause_req) {
		__atomic_store_n(&vm->pause_req, false, __ATOMIC_RELEASE);
		if (vm->paused_at)
			vm->paused_ns += now_ns() - vm->paused_at;
		vm->paused_at = 0;
		pthread_cond_broadcast(&vm->pause_cond);
		ret = 0;
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

bool vm__paused(struct vm *vm)
{
	bool paused;

	pthread_mutex_lock(&vm->lock);
	paused = vm->pause_req && vm->paused_at;
	pthread_mutex_unlock(&vm->lock);
	return paused;
}

uint64_t vm__paused_ns(struct vm *vm, uint64_t now)
{
	uint64_t ns;

	pthread_mutex_lock(&vm->lock);
	ns = vm->paused_ns + (vm->paused_at ? now - vm->paused_at : 0);
	pthread_mutex_unlock(&vm->lock);
	return ns;
}

uint64_t vcpu__rip(struct vcpu *v)
{
	struct kvm_regs regs;

	if (kvm_ioctl_quiet(v->fd, KVM_GET_REGS, &regs))
		return 0;
	return regs.rip;
}

/* ---- the vCPU loop --------------------------------------------------- */

/* Log an unclaimed access once per port (all MMIO shares bit 0x10000). */
static void vcpu__unclaimed(struct vcpu *v, const char *bus, uint64_t addr,
			    uint32_t len, bool is_write, unsigned int bit)
{
	uint8_t mask = (uint8_t)(1u << (bit & 7));

	if (__atomic_fetch_or(&v->vm->io_warned[bit >> 3], mask,
			      __ATOMIC_RELAXED) &
	    mask)
		return;
	log_debug("vCPU %u: unclaimed %u-byte %s of %s 0x%llx at RIP 0x%llx "
		  "(reads as all ones; logged once)",
		  v->id, len, is_write ? "write" : "read", bus,
		  (unsigned long long)addr, (unsigned long long)vcpu__rip(v));
}

static int vcpu__io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint32_t size = run->io.size, count = run->io.count;
	uint64_t bytes, end;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	if (__builtin_mul_overflow((uint64_t)size, count, &bytes) ||
	    __builtin_add_overflow(run->io.data_offset, bytes, &end) ||
	    end > v->run_size) {
		log_err("vCPU %u: KVM_EXIT_IO data outside kvm_run", v->id);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *data = (uint8_t *)run + run->io.data_offset + i * size;
		const struct bus_range *r =
			bus__find(&v->vm->pio, run->io.port, size);
		int ret;

		if (!r && v->vm->boot->lenient_io) {
			vcpu__unclaimed(v, "I/O port", run->io.port, size,
					is_write, run->io.port);
			if (!is_write)
				memset(data, 0xff, size);
			continue;
		}
		if (!r) {
			log_err("vCPU %u: unhandled %u-byte %s of I/O port 0x%x "
				"at RIP 0x%llx",
				v->id, size, is_write ? "write" : "read",
				run->io.port, (unsigned long long)vcpu__rip(v));
			return -ENODEV;
		}
		ret = r->handler(v, run->io.port, data, size, is_write,
				 r->opaque);
		if (ret)
			return ret;
	}
	return 0;
}

static int vcpu__mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t gpa = run->mmio.phys_addr;
	uint32_t len = run->mmio.len;
	const struct bus_range *r;
	struct region reg;

	if (len > sizeof(run->mmio.data) || !len) {
		log_err("vCPU %u: MMIO exit with length %u", v->id, len);
		return -EINVAL;
	}
	r = bus__find(&v->vm->mmio, gpa, len);
	if (r)
		return r->handler(v, gpa, run->mmio.data, len,
				  run->mmio.is_write, r->opaque);
	if (memslots__find(&v->vm->slots, gpa, &reg) &&
	    reg.kind == REGION_ROM) {
		if (run->mmio.is_write) {
			__atomic_add_fetch(&v->vm->slots.rom_writes, 1,
					   __ATOMIC_RELAXED);
			log_debug("vCPU %u: dropped %u-byte write to ROM %s at "
				  "GPA 0x%llx",
				  v->id, len, reg.name,
				  (unsigned long long)gpa);
		} else {
			/* An unmapped ROM decodes nothing: the bus floats high. */
			memset(run->mmio.data, 0xff, len);
		}
		return 0;
	}
	if (v->vm->boot->lenient_io) {
		vcpu__unclaimed(v, "MMIO GPA", gpa, len, run->mmio.is_write,
				0x10000);
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, len);
		return 0;
	}
	log_err("vCPU %u: %u-byte %s of unbacked GPA 0x%llx at RIP 0x%llx",
		v->id, len, run->mmio.is_write ? "write" : "read",
		(unsigned long long)gpa, (unsigned long long)vcpu__rip(v));
	return -EFAULT;
}

/* KVM_EXIT_SYSTEM_EVENT: the guest asked the platform to stop. */
static int vcpu__system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		log_info("vCPU %u: guest powered off (system event)", v->id);
		vm__stop(v->vm, VM_END_POWEROFF);
		return VCPU_DONE;
	case KVM_SYSTEM_EVENT_RESET:
		log_err("vCPU %u: the guest rebooted (system event)", v->id);
		vm__stop(v->vm, VM_END_REBOOT);
		return VCPU_DONE;
	case KVM_SYSTEM_EVENT_CRASH:
		log_err("vCPU %u: the guest reported a crash (system event)",
			v->id);
		vm__stop(v->vm, VM_END_PANIC);
		return VCPU_DONE;
	default:
		log_err("vCPU %u: KVM_EXIT_SYSTEM_EVENT type %u at RIP 0x%llx",
			v->id, v->run->system_event.type,
			(unsigned long long)vcpu__rip(v));
		return -EFAULT;
	}
}

/* --dirty-log ring: harvest; a ring this host overflowed ends the VM. */
static int vcpu__dirty_ring_full(struct vcpu *v)
{
	int ret = dirtylog__ring_full(v->vm->dirty, v->id);

	if (ret)
		vm__fail(v->vm, ret);
	return ret;
}

/*
 * An exit that ends the guest (KVM_EXIT_SHUTDOWN, _FAIL_ENTRY,
 * _INTERNAL_ERROR; @detail as kvm__describe_exit() takes it). On a triple
 * fault SVM resets the vCPU first, so its RIP (0xfff0) says nothing.
 * Which of the zapvm series' paths ran in this VM may (a stale SPTE is a
 * suspect): their counters, those this kernel has, end the line; it is as
 * before where the stats cannot be read.
 */
static int vcpu__fatal(struct vcpu *v, unsigned long long detail)
{
	static const char *const series[] = {
		ZAPVM_STAT_CHANGE_PTE_PREFETCH,
		ZAPVM_STAT_ROOT_ZAP_PASSES,
		ZAPVM_STAT_ROOT_ZAP_YIELDS,
		ZAPVM_STAT_ZAPS_SLOT,
		ZAPVM_STAT_ZAPS_ALL,
	};
	char stats[256] = "", what[96];

	if (v->vm->res->stats)
		stats__describe(&v->vm->res->stats[0], "VM stats", series,
				ARRAY_SIZE(series), stats, sizeof(stats));
	log_err("vCPU %u: %s at RIP 0x%llx%s%s%s", v->id,
		kvm__describe_exit(v->run->exit_reason, detail, what,
				   sizeof(what)),
		(unsigned long long)vcpu__rip(v), *stats ? " (" : "", stats,
		*stats ? ")" : "");
	return -EFAULT;
}

/* One exit: 0 to resume, VCPU_DONE, or < 0 for a crash (logged). */
static int vcpu__handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return vcpu__io(v);
	case KVM_EXIT_MMIO:
		return vcpu__mmio(v);
	case KVM_EXIT_SHUTDOWN:
		return vcpu__fatal(v, 0);
	case KVM_EXIT_HLT:
		log_err("vCPU %u: guest executed HLT at RIP 0x%llx", v->id,
			(unsigned long long)vcpu__rip(v));
		return -EFAULT;
	case KVM_EXIT_FAIL_ENTRY:
		return vcpu__fatal(
			v, run->fail_entry.hardware_entry_failure_reason);
	case KVM_EXIT_INTERNAL_ERROR:
		return vcpu__fatal(v, run->internal.suberror);
	case KVM_EXIT_SYSTEM_EVENT:
		return vcpu__system_event(v);
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_DIRTY_RING_FULL:
		return vcpu__dirty_ring_full(v);
	default:
		log_err("vCPU %u: unexpected exit reason %u at RIP 0x%llx",
			v->id, run->exit_reason,
			(unsigned long long)vcpu__rip(v));
		return -EFAULT;
	}
}

static void vcpu__finished(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool last;

	pthread_mutex_lock(&vm->lock);
	last = --vm->running == 0;
	vm->live_vcpus--;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->lock);
	if (last)
		pthread_kill(vm->main_thread, SIGUSR1);
}

/* Wait outside KVM_RUN while the VM is paused (vm__pause()). */
static void vcpu__hold(struct vcpu *v)
{
	struct vm *vm = v->vm;

	pthread_mutex_lock(&vm->lock);
	vm->held++;
	pthread_cond_broadcast(&vm->pause_cond);
	while (vm->pause_req && !vm->stopping)
		pthread_cond_wait(&vm->pause_cond, &vm->lock);
	vm->held--;
	pthread_mutex_unlock(&vm->lock);
}

void *vcpu__thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	trace__vcpu(v); /* --trace: before the first fault */

	while (!vm__stopping(vm)) {
		int ret;

		if (__atomic_load_n(&vm->pause_req, __ATOMIC_ACQUIRE)) {
			vcpu__hold(v);
			continue;
		}
		ret = ioctl(v->fd, KVM_RUN, 0);
		/* Buffered port writes happened before this exit. */
		if (coalesced__replay(vm, v) < 0) {
			vm__fail(vm, -EIO);
			break;
		}
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&v->run->immediate_exit, 0,
						 __ATOMIC_RELAXED);
				continue;
			}
			log_err("vCPU %u: KVM_RUN failed: %s", v->id,
				strerror(errno));
			vm__fail(vm, -EIO);
			break;
		}
		v->exits++;
		ret = vcpu__handle_exit(v);
		if (ret == VCPU_DONE)
			break;
		if (ret < 0) {
			vm__stop(vm, VM_END_GUEST_CRASH);
			break;
		}
	}
	log_debug("vCPU %u: stopped after %llu exits, RIP 0x%llx", v->id,
		  (unsigned long long)v->exits,
		  (unsigned long long)vcpu__rip(v));
	vcpu__finished(v);
	return NULL;
}
