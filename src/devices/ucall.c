// SPDX-License-Identifier: GPL-2.0-only
/* The ucall port of the test-guest ABI (guest_abi.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/guest_abi.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

/* Copy a guest string of @len bytes into @buf (NUL-terminated); -EFAULT. */
static int guest_str(struct vm *vm, uint64_t gpa, uint64_t len, char *buf,
		     size_t size)
{
	const char *src;

	if (len >= size)
		return -EINVAL;
	if (!len) {
		buf[0] = '\0';
		return 0;
	}
	src = vm__guest_mem(vm, gpa, len, false);
	if (!src)
		return -EFAULT;
	memcpy(buf, src, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)buf[i] < 0x20 ||
		    (unsigned char)buf[i] > 0x7e)
			buf[i] = '?';
	}
	return 0;
}

static int64_t ucall__print(struct vm *vm, const struct zapvm_ucall *uc)
{
	const void *text;

	if (uc->args[1] > ZAPVM_PRINT_MAX)
		return -EINVAL;
	if (!uc->args[1])
		return 0;
	text = vm__guest_mem(vm, uc->args[0], uc->args[1], false);
	if (!text)
		return -EFAULT;
	if (!vm->cfg->quiet_guest) {
		fwrite(text, 1, uc->args[1], stdout);
		fflush(stdout);
	}
	return 0;
}

static int64_t ucall__phase(struct vm *vm, const struct zapvm_ucall *uc)
{
	char name[ZAPVM_NAME_MAX];
	int ret = guest_str(vm, uc->args[0], uc->args[1], name, sizeof(name));

	if (ret)
		return ret;
	ret = vm__mark_phase(vm, name);
	return ret < 0 ? ret : 0;
}

static void ucall__assert(struct vcpu *v, const struct zapvm_ucall *uc)
{
	char file[256], expr[512];

	if (guest_str(v->vm, uc->args[0], uc->args[1], file, sizeof(file)))
		strcpy(file, "<bad file name>");
	if (guest_str(v->vm, uc->args[2], uc->args[3], expr, sizeof(expr)))
		strcpy(expr, "<bad expression>");
	log_err("guest assertion failed on vCPU %u: %s:%llu: %s "
		"(values 0x%llx, 0x%llx)",
		v->id, file, (unsigned long long)uc->args[4], expr,
		(unsigned long long)uc->args[5],
		(unsigned long long)uc->args[6]);
}

static void ucall__done(struct vcpu *v, uint64_t status)
{
	struct vm *vm = v->vm;
	pthread_mutex_lock(&vm->lock);
	if (status > vm->guest_status)
		vm->guest_status = status;
	pthread_mutex_unlock(&vm->lock);
	log_debug("vCPU %u: done, status %llu", v->id,
		  (unsigned long long)status);
}

static int ucall__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			 uint32_t len, bool is_write, void *opaque)
{
	struct vm *vm = v->vm;
	struct zapvm_ucall *guest, uc;
	uint32_t gpa;
	int64_t ret;

	if (len != 4 || !is_write) {
		log_err("vCPU %u: ucall port accessed with a %u-byte %s at RIP "
			"0x%llx; only 32-bit OUT is defined",
			v->id, len, is_write ? "write" : "read",
			(unsigned long long)vcpu__rip(v));
		return -EINVAL;
	}
	memcpy(&gpa, data, 4);
	guest = vm__guest_mem(vm, gpa, sizeof(*guest), true);
	if (!guest) {
		log_err("vCPU %u: ucall block at GPA 0x%x is not in guest RAM "
			"(RIP 0x%llx)",
			v->id, gpa, (unsigned long long)vcpu__rip(v));
		return -EFAULT;
	}
	/* One copy: another vCPU may rewrite the block while we work. */
	memcpy(&uc, guest, sizeof(uc));

	switch (uc.cmd) {
	case ZAPVM_UCALL_PRINT:
		ret = ucall__print(vm, &uc);
		break;
	case ZAPVM_UCALL_PHASE:
		ret = ucall__phase(vm, &uc);
		break;
	case ZAPVM_UCALL_ASSERT:
		ucall__assert(v, &uc);
		vm__stop(vm, VM_END_GUEST_ASSERT);
		return VCPU_DONE;
	case ZAPVM_UCALL_DONE:
		ucall__done(v, uc.args[0]);
		return VCPU_DONE;
	/* --rom regions only: the option ROM's slot follows its PCI BAR. */
	case ZAPVM_UCALL_ROM_UNMAP:
		ret = uc.args[0] >= vm->cfg->nroms ?
			      -EINVAL :
			      memslots__rom_unmap(&vm->slots,
						  (unsigned int)uc.args[0]);
		break;
	case ZAPVM_UCALL_ROM_MAP:
		ret = uc.args[0] >= vm->cfg->nroms ?
			      -EINVAL :
			      memslots__rom_map(&vm->slots,
						(unsigned int)uc.args[0]);
		break;
	case ZAPVM_UCALL_ROM_MOVE:
		ret = uc.args[0] >= vm->cfg->nroms ?
			      -EINVAL :
			      memslots__rom_move(&vm->slots,
						 (unsigned int)uc.args[0],
						 uc.args[1]);
		break;
	case ZAPVM_UCALL_CLOCK:
		ret = (int64_t)now_ns();
		break;
	default:
		ret = -ENOSYS;
		break;
	}
	if (ret < 0)
		log_debug("vCPU %u: ucall %u answered %lld", v->id, uc.cmd,
			  (long long)ret);
	__atomic_store_n(&guest->ret, ret, __ATOMIC_RELEASE);
	return 0;
}

static int ucall__init(struct vm *vm, void **priv)
{
	int ret = bus__register(&vm->pio, ZAPVM_UCALL_PORT, 4, ucall__handle,
				NULL, "ucall");

	if (ret)
		log_err("ucall port 0x%x: %s", ZAPVM_UCALL_PORT,
			strerror(-ret));
	return ret;
}

const struct device_ops ucall_device = {
	.name = "ucall",
	.init = ucall__init,
};
