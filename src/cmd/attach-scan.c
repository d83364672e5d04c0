// SPDX-License-Identifier: GPL-2.0-only
/*
 * zapvm attach: the VMM's KVM descriptors (/proc/PID/fd) and, when it has
 * several VMs, which VM each vCPU belongs to. /proc names a vCPU's id
 * ("anon_inode:kvm-vcpu:N") but not its VM, and the kernel shows nothing
 * more of either descriptor (fdinfo is the same anon inode's). Only
 * debugfs links them: KVM makes kvm/TID-FD for each VM (TID: the thread
 * that created it, FD: the VM's descriptor number then) and a vcpuN
 * directory in it per vCPU (kvm_create_vm_debugfs() and
 * kvm_create_vcpu_debugfs() in 6.1 and 6.18 alike). So a vCPU whose id
 * only one VM has is that VM's; ids two VMs share cannot be told apart.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "zapvm/cmd.h"
#include "zapvm/exit.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

#include "attach.h"

#define DEBUGFS "/sys/kernel/debug"
#define DEBUGFS_MAGIC 0x64626720
#define MAX_VCPU_ID 4096

static int cmp_tfd(const void *x, const void *y)
{
	const struct attach_set *a = x, *b = y;

	return (a->tfd > b->tfd) - (a->tfd < b->tfd);
}

static void add_set(struct attach *a, int tfd, int vcpu)
{
	if (a->nsets == ATTACH_MAX_SETS)
		return;
	a->sets[a->nsets++] = (struct attach_set){
		.tfd = tfd, .vcpu = vcpu, .vm = -1, .st.fd = -1
	};
}

static void read_comm(struct attach *a)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)a->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(a->comm, sizeof(a->comm), f))
		a->comm[strcspn(a->comm, "\n")] = 0;
	fclose(f);
}

int attach__scan(struct attach *a)
{
	char path[64], link[64];
	struct dirent *d;
	DIR *dir;

	read_comm(a);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)a->pid);
	dir = opendir(path);
	if (!dir) {
		log_err("attach: %d: %s", (int)a->pid,
			errno == ENOENT ? "no such process" : strerror(errno));
		return errno == ENOENT ? ZAPVM_EXIT_NOINPUT : ZAPVM_EXIT_NOPERM;
	}
	while ((d = readdir(dir))) {
		char lp[64 + 256];
		ssize_t n;
		int vcpu;

		snprintf(lp, sizeof(lp), "%s/%s", path, d->d_name);
		n = readlink(lp, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!strcmp(link, "anon_inode:kvm-vm"))
			add_set(a, atoi(d->d_name), -1);
		else if (sscanf(link, "anon_inode:kvm-vcpu:%d", &vcpu) == 1)
			add_set(a, atoi(d->d_name), vcpu);
	}
	closedir(dir);
	qsort(a->sets, a->nsets, sizeof(a->sets[0]), cmp_tfd);
	for (unsigned int i = 0; i < a->nsets; i++) {
		if (a->sets[i].vcpu >= 0 || a->nvm == ATTACH_MAX_VMS)
			continue;
		a->sets[i].vm = (int)a->nvm;
		a->vm_tfd[a->nvm++] = a->sets[i].tfd;
	}
	if (!a->nvm) {
		log_err("attach: process %d (%s) has no KVM VM", (int)a->pid,
			a->comm);
		return ZAPVM_EXIT_NOINPUT;
	}
	return 0;
}

/*
 * debugfs at DEBUGFS: mounted already, or (root) mounted now in a mount
 * namespace of our own, so nothing stays mounted after attach. 0 or -errno.
 */
static int debugfs_ready(void)
{
	struct statfs sf;

	if (!statfs(DEBUGFS, &sf) && sf.f_type == DEBUGFS_MAGIC)
		return 0;
	if (geteuid())
		return -EPERM;
	if (unshare(CLONE_NEWNS))
		return -errno;
	/* Our mounts must not propagate back to the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("debugfs", DEBUGFS, "debugfs", 0, NULL))
		return -errno;
	log_info("attach: debugfs mounted at %s in a private mount namespace",
		 DEBUGFS);
	return 0;
}

/* Whether thread @tid belongs to a->pid (the VM's creator, in its name). */
static bool our_thread(const struct attach *a, int tid)
{
	char path[64];
	struct stat st;

	if (tid == a->pid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)a->pid, tid);
	return !stat(path, &st);
}

/* The vCPU ids of debugfs directory @dir into the bitmap @ids. */
static void read_vcpu_ids(const char *dir, uint8_t *ids)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int id;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "vcpu%d", &id) == 1 && id >= 0 &&
		    id < MAX_VCPU_ID)
			ids[id / 8] |= (uint8_t)(1u << (id % 8));
	closedir(d);
}

/* Each VM's vCPU ids from debugfs into @ids (MAX_VCPU_ID bits per VM). */
static int debugfs_ids(struct attach *a, uint8_t (*ids)[MAX_VCPU_ID / 8])
{
	bool seen[ATTACH_MAX_VMS] = { false };
	struct dirent *e;
	DIR *d;

	d = opendir(DEBUGFS "/kvm");
	if (!d)
		return set_why(a->why, sizeof(a->why), "%s/kvm: %s", DEBUGFS,
			       strerror(errno));
	while ((e = readdir(d))) {
		char sub[300];
		int tid, fd;

		if (sscanf(e->d_name, "%d-%d", &tid, &fd) != 2 ||
		    !our_thread(a, tid))
			continue;
		for (unsigned int v = 0; v < a->nvm; v++) {
			if (a->vm_tfd[v] != fd)
				continue;
			snprintf(sub, sizeof(sub), "%s/kvm/%s", DEBUGFS,
				 e->d_name);
			read_vcpu_ids(sub, ids[v]);
			seen[v] = true;
		}
	}
	closedir(d);
	for (unsigned int v = 0; v < a->nvm; v++)
		if (!seen[v])
			return set_why(a->why, sizeof(a->why),
				       "debugfs has no kvm/%d-%d for VM fd %d "
				       "(renumbered with dup2?)",
				       (int)a->pid, a->vm_tfd[v], a->vm_tfd[v]);
	return 0;
}

/* vCPU id @id's VM: the one VM whose debugfs set has it, else -1. */
static int owner_of(const struct attach *a, uint8_t (*ids)[MAX_VCPU_ID / 8],
		    int id)
{
	int owner = -1;

	if (id < 0 || id >= MAX_VCPU_ID)
		return -1;
	for (unsigned int v = 0; v < a->nvm; v++) {
		if (!(ids[v][id / 8] & (1u << (id % 8))))
			continue;
		if (owner >= 0)
			return -1;
		owner = (int)v;
	}
	return owner;
}

void attach__attribute(struct attach *a)
{
	uint8_t(*ids)[MAX_VCPU_ID / 8];
	unsigned int unknown = 0;
	int ret;

	if (a->nvm == 1) {
		for (unsigned int i = 0; i < a->nsets; i++)
			a->sets[i].vm = 0;
		a->attributed = true;
		return;
	}
	ret = debugfs_ready();
	if (ret) {
		set_why(a->why, sizeof(a->why),
			"debugfs is not mounted at %s%s", DEBUGFS,
			ret == -EPERM ? " (root could mount it)" : "");
		return;
	}
	ids = calloc(a->nvm, sizeof(*ids));
	if (!ids || debugfs_ids(a, ids)) {
		if (!ids)
			set_why(a->why, sizeof(a->why), "out of memory");
		free(ids);
		return;
	}
	for (unsigned int i = 0; i < a->nsets; i++) {
		struct attach_set *s = &a->sets[i];

		if (s->vcpu < 0)
			continue;
		s->vm = owner_of(a, ids, s->vcpu);
		unknown += s->vm < 0;
	}
	free(ids);
	a->attributed = !unknown;
	if (unknown)
		set_why(a->why, sizeof(a->why),
			"%u vCPUs have an id that more than one of its VMs has "
			"in debugfs",
			unknown);
}
