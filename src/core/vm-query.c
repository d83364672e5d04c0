// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a VM hook (struct vm_hook) may ask of its running VM, so that the
 * hooks outside the core (zapvm bench's probes and boot-done watch) read
 * no field of struct vm.
 */
#include <errno.h>
#include <stdlib.h>

#include "zapvm/kvm.h"
#include "zapvm/vmcore.h"

void vm__progress(struct vm *vm, bool *boot_done, bool *idle)
{
	pthread_mutex_lock(&vm->lock);
	*boot_done = vm->boot_done;
	*idle = vm->live_vcpus == 0;
	pthread_mutex_unlock(&vm->lock);
}

/* The hook counts in vm->running: more than one means a vCPU runs. */
bool vm__vcpus_running(struct vm *vm)
{
	unsigned int n;

	pthread_mutex_lock(&vm->lock);
	n = vm->running;
	pthread_mutex_unlock(&vm->lock);
	return n > 1;
}

int vm__stat(struct vm *vm, const char *name, uint64_t *val)
{
	const struct stats_set *s = vm->res->stats;
	uint64_t *vals;
	int i, ret;

	if (!s || s->fd < 0)
		return -ENOENT;
	i = stats__find(s, name);
	if (i < 0)
		return -ENOENT;
	vals = calloc(s->nvalues, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	ret = stats__snapshot(s, vals);
	if (!ret)
		*val = vals[s->desc[i].first];
	free(vals);
	return ret;
}

int vm__tsc_khz(struct vm *vm)
{
	return kvm_ioctl_quiet(vm->vm_fd, KVM_GET_TSC_KHZ, NULL);
}
