// SPDX-License-Identifier: GPL-2.0-only
/*
 * Supervising a running VM from the thread that called vm__run(): start the
 * vCPU threads, the hook thread and the companion, wait for them to finish,
 * a stop, the timeout or an ending signal, then join them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/guest_abi.h"
#include "zapvm/log.h"
#include "zapvm/signals.h"
#include "zapvm/timeline.h"
#include "zapvm/trace.h"
#include "zapvm/util.h"
#include "zapvm/vm.h"
#include "zapvm/vmcore.h"

static void sigusr1_noop(int sig)
{
}

/* cfg->hook counts as running: the VM waits for it like for a vCPU. */
static void *vm__hook_thread(void *arg)
{
	struct vm *vm = arg;
	int ret = vm->cfg->hook->fn(vm, vm->cfg->hook->opaque);
	bool last;

	if (ret)
		vm__fail(vm, ret);
	pthread_mutex_lock(&vm->lock);
	last = --vm->running == 0;
	pthread_mutex_unlock(&vm->lock);
	if (last)
		pthread_kill(vm->main_thread, SIGUSR1);
	return NULL;
}

/*
 * Block the signals the wait loop takes with sigtimedwait(): every ending
 * signal (signals.h), which stops the VM, and SIGUSR1, which wakes it when
 * the last vCPU or the hook is done (the vCPU threads unblock SIGUSR1: it
 * kicks them out of KVM_RUN). The threads started from here inherit the
 * mask, so an ending signal sent to the process waits for the loop. @wait
 * gets the set vm__wait() waits for, @old the mask to put back.
 */
static void vm__block_signals(sigset_t *wait, sigset_t *old)
{
	struct sigaction sa = { .sa_handler = sigusr1_noop };

	sigaction(SIGUSR1, &sa, NULL);
	signals__ending(wait);
	sigaddset(wait, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, wait, old);
}

/* The run begins: memslot changes count as churn, the clocks start. */
static void vm__mark_start(struct vm *vm)
{
	vm->main_thread = pthread_self();
	if (vm->phases && phase_log__mark(vm->phases, "start") == 0)
		trace__phase(vm, 0);
	vm->changes_at_start = vm->slots.changes;
	vm->changes_as_at_start[0] = vm->slots.changes_as[0];
	vm->changes_as_at_start[1] = vm->slots.changes_as[1];
	vm->update_ns_at_start = vm->slots.update_ns;
	__atomic_store_n(&vm->started, true, __ATOMIC_RELEASE);
	vm->res->setup_ns = now_ns() - vm->res->setup_ns;
}

/* Start the vCPU threads; the first that cannot start stops the VM. */
static void vm__start_vcpus(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->t_start = now_ns();
	pthread_mutex_unlock(&vm->lock);
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		int err;

		pthread_mutex_lock(&vm->lock);
		vm->running++;
		vm->live_vcpus++;
		pthread_mutex_unlock(&vm->lock);
		err = pthread_create(&v->thread, NULL, vcpu__thread, v);
		if (err) {
			pthread_mutex_lock(&vm->lock);
			vm->running--;
			vm->live_vcpus--;
			pthread_mutex_unlock(&vm->lock);
			log_err("cannot start vCPU %u: %s", i, strerror(err));
			vm__fail(vm, -err);
			break;
		}
		v->started = true;
	}
}

/* Start cfg->hook's thread into @thread: true if it runs. */
static bool vm__start_hook(struct vm *vm, pthread_t *thread)
{
	int err;

	pthread_mutex_lock(&vm->lock);
	vm->running++;
	pthread_mutex_unlock(&vm->lock);
	err = pthread_create(thread, NULL, vm__hook_thread, vm);
	if (err) {
		pthread_mutex_lock(&vm->lock);
		vm->running--;
		pthread_mutex_unlock(&vm->lock);
		log_err("cannot start the VM's hook thread: %s", strerror(err));
		vm__fail(vm, -err);
	}
	return !err;
}

/*
 * Wait until every vCPU and the hook are done, stopping the VM at
 * @deadline (running time, CLOCK_MONOTONIC ns; 0: none) or on one of the
 * ending signals of @wait.
 */
static void vm__wait(struct vm *vm, const sigset_t *wait, uint64_t deadline)
{
	for (;;) {
		struct timespec ts = { 0, 100 * 1000000 };
		bool all_done;
		int sig;

		pthread_mutex_lock(&vm->lock);
		all_done = vm->running == 0;
		pthread_mutex_unlock(&vm->lock);
		if (all_done)
			break;
		/*
		 * A guest that writes its last bytes and then never exits
		 * again (it halts, it spins) still has them shown.
		 */
		coalesced__replay(vm, &vm->vcpus[0]);
		/*
		 * Kick again: vm__stop() skips a vCPU whose thread runs but is
		 * not marked started yet, and an AP waiting for SIPI never
		 * leaves KVM_RUN on its own.
		 */
		if (vm__stopping(vm))
			vm__kick_all(vm);
		if (deadline) {
			uint64_t now = now_ns();

			now -= vm__paused_ns(vm, now);
			if (now >= deadline) {
				log_err("timeout: the guest ran longer than %llu ms",
					(unsigned long long)vm->cfg->timeout_ms);
				vm__stop(vm, VM_END_TIMEOUT);
				deadline = 0;
				continue;
			}
			if (deadline - now < 100 * 1000000ULL)
				ts.tv_nsec = (long)(deadline - now);
		}
		sig = sigtimedwait(wait, NULL, &ts);
		if (sig > 0 && sig != SIGUSR1) {
			log_err("interrupted by signal %d: stopping the guest",
				sig);
			vm__stop(vm, VM_END_INTERRUPTED);
		}
	}
}

/* Join the vCPU threads and @hook (NULL: none), sum up their exits. */
static void vm__join(struct vm *vm, const pthread_t *hook)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vm->res->exits += vm->vcpus[i].exits;
	}
	if (hook)
		pthread_join(*hook, NULL);
	vm->res->wall_ns = now_ns() - vm->t_start;
}

/* Drop a wake-up SIGUSR1 that raced with the last check, put @old back. */
static void vm__restore_signals(const sigset_t *old)
{
	struct timespec zero = { 0, 0 };
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	while (sigtimedwait(&usr1, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void vm__run_vcpus(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const struct vm_companion *comp = cfg->companion;
	uint64_t deadline = 0;
	pthread_t hook_thread;
	bool hook_started = false;
	sigset_t wait, old;

	vm__block_signals(&wait, &old);
	vm__mark_start(vm);
	/* --sample-ms: time 0 is the start mark's (within microseconds). */
	if (cfg->timeline && vm->res->nstats)
		timeline__start(cfg->timeline, vm->res->stats, vm->res->nstats);
	if (cfg->timeout_ms)
		deadline = now_ns() + cfg->timeout_ms * 1000000ULL;
	vm__start_vcpus(vm);
	if (cfg->hook && !vm__stopping(vm))
		hook_started = vm__start_hook(vm, &hook_thread);
	if (comp && !vm__stopping(vm) && comp->start(vm, comp->opaque))
		vm__fail(vm, -EIO);
	vm__wait(vm, &wait, deadline);
	if (comp)
		comp->stop(comp->opaque);
	vm__join(vm, hook_started ? &hook_thread : NULL);
	timeline__stop(cfg->timeline); /* its last sample: the run's end */
	vm__restore_signals(&old);
}
