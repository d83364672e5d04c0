// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk over virtio-pci, one PCI function per --disk FILE[,ro]: raw
 * images (regular files or block devices) read and written with
 * preadv/pwritev at sector offsets. Requests run on the vCPU thread that
 * notifies, under the transport's lock, as in kvmtool's simplest mode: a
 * slow disk stalls that vCPU, never the others. The capacity is the file
 * size in whole sectors; a trailing partial sector is not visible (one
 * warning). Offered: SIZE_MAX and SEG_MAX (so that no request the driver
 * builds exceeds VIRTQ_MAX_CHAIN_BYTES), FLUSH (fdatasync), GET_ID (the file
 * name) and, with ,ro, RO. Not offered: indirect descriptors, EVENT_IDX,
 * multiple queues, discard, write zeroes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/util.h"
#include "zapvm/virtio.h"
#include "zapvm/vmcore.h"

#define SECTOR 512ULL
#define BLK_QUEUE_SIZE 256

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_ID_BYTES 20

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

struct blk_disk {
	struct virtio_pci *vp;
	const char *path;
	int fd;
	bool ro;
	uint64_t capacity; /* sectors */
	char name[24];
	char id[VIRTIO_BLK_ID_BYTES];
	uint8_t cfg[24]; /* capacity, size_max, seg_max, geometry, blk_size */
	bool warned_io;
	struct virtq_chain chain;
	struct iovec data[VIRTQ_MAX_SIZE];
};

struct blk_state {
	unsigned int n;
	struct blk_disk *d[VM_MAX_DISKS];
};

/* Move the whole of @iov (@n entries, consumed) to or from @off. */
static int blk__rw(int fd, struct iovec *iov, int n, uint64_t off, bool write)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(fd, iov, n, (off_t)off) :
				    preadv(fd, iov, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the file shrank under us */
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* A data transfer; returns a status, *@written the bytes put in RAM. */
static uint8_t blk__data(struct blk_disk *d, const struct virtq_chain *c,
			 uint64_t sector, bool write, uint32_t *written)
{
	uint64_t len = write ? c->out_bytes - 16 : c->in_bytes - 1;
	int n, ret;

	if (len % SECTOR || sector > d->capacity ||
	    len / SECTOR > d->capacity - sector)
		return VIRTIO_BLK_S_IOERR;
	if (write && d->ro)
		return VIRTIO_BLK_S_IOERR;
	if (write)
		n = iov__slice(c->iov, c->nout, 16, len, d->data,
			       VIRTQ_MAX_SIZE);
	else
		n = iov__slice(c->iov + c->nout, c->nin, 0, len, d->data,
			       VIRTQ_MAX_SIZE);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	ret = blk__rw(d->fd, d->data, n, sector * SECTOR, write);
	if (ret) {
		if (!d->warned_io) {
			d->warned_io = true;
			log_warn("%s: %s at sector %llu: %s (logged once)",
				 d->name, write ? "write" : "read",
				 (unsigned long long)sector, strerror(-ret));
		}
		return VIRTIO_BLK_S_IOERR;
	}
	if (!write)
		*written = (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

/* One request; returns the bytes written into the chain's buffers. */
static uint32_t blk__request(struct blk_disk *d, const struct virtq_chain *c)
{
	uint8_t hdr[16], status;
	uint32_t written = 0, type;
	uint64_t sector;

	if (!c->last_in)
		return 0; /* nowhere to put a status */
	if (c->err || c->out_bytes < sizeof(hdr) || !c->in_bytes) {
		*c->last_in = VIRTIO_BLK_S_IOERR;
		return 1;
	}
	iov__copy_from(c->iov, c->nout, 0, hdr, sizeof(hdr));
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	switch (type) {
	case VIRTIO_BLK_T_IN:
		status = blk__data(d, c, sector, false, &written);
		break;
	case VIRTIO_BLK_T_OUT:
		status = blk__data(d, c, sector, true, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = !d->ro && fdatasync(d->fd) ? VIRTIO_BLK_S_IOERR :
						      VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = (uint32_t)iov__copy_to(
			c->iov + c->nout, c->nin, 0, d->id,
			c->in_bytes - 1 < VIRTIO_BLK_ID_BYTES ?
				c->in_bytes - 1 :
				VIRTIO_BLK_ID_BYTES);
		status = VIRTIO_BLK_S_OK;
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	*c->last_in = status;
	return written + 1;
}

static void blk__notify(struct virtio_pci *vp, unsigned int q, void *opaque)
{
	struct blk_disk *d = opaque;
	struct virtq *vq = virtio_pci__queue(vp, q);
	bool used = false;
	int ret = 0;

	while (vq && (ret = virtq__pop(vq, &d->chain)) == 1) {
		virtq__push(vq, d->chain.head, blk__request(d, &d->chain));
		used = true;
	}
	if (ret < 0)
		virtio_pci__broken(vp, vq->why);
	if (used)
		virtio_pci__used(vp, q);
}

/* Open @spec; 0 or -errno after one line naming the file. */
static int blk__open(struct blk_disk *d, const struct disk_spec *spec)
{
	struct stat st;
	uint64_t size;
	int err;

	d->path = spec->path;
	d->ro = spec->ro;
	d->fd = open_input(spec->path, spec->ro ? O_RDONLY : O_RDWR, true, &st);
	if (d->fd < 0) {
		err = -d->fd;
		d->fd = -1;
		/* As open(O_RDWR) said it; ,ro gets the general line. */
		if (err == EINVAL && S_ISDIR(st.st_mode) && !spec->ro) {
			log_err("--disk %s: is a directory", spec->path);
			return -EINVAL;
		}
		if (err == EINVAL) {
			log_err("--disk %s: not a regular file or block device",
				spec->path);
			return -EINVAL;
		}
		if (!spec->ro &&
		    (err == EACCES || err == EROFS || err == EPERM)) {
			log_err("--disk %s: cannot open for writing: %s (add "
				",ro to attach it read-only)",
				spec->path, strerror(err));
			return -EACCES;
		}
		log_err("--disk %s: %s", spec->path, strerror(err));
		return -err;
	}
	if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else { /* open_input let only a block device through */
		if (ioctl(d->fd, BLKGETSIZE64, &size)) {
			err = errno;
			log_err("--disk %s: BLKGETSIZE64: %s", spec->path,
				strerror(err));
			return -err;
		}
	}
	if (size % SECTOR)
		log_warn("--disk %s: %llu bytes, not a multiple of 512: the "
			 "last %llu bytes are not visible to the guest",
			 spec->path, (unsigned long long)size,
			 (unsigned long long)(size % SECTOR));
	d->capacity = size / SECTOR;
	return 0;
}

static void blk__exit(struct vm *vm, void *priv)
{
	struct blk_state *s = priv;

	if (!s)
		return;
	for (unsigned int i = 0; i < s->n; i++) {
		virtio_pci__destroy(s->d[i]->vp);
		if (s->d[i]->fd >= 0)
			close(s->d[i]->fd);
		free(s->d[i]);
	}
	free(s);
}

static int blk__init(struct vm *vm, void **priv)
{
	const struct vm_config *cfg = vm->cfg;
	struct blk_state *s;
	int ret = 0;

	*priv = NULL;
	if (!cfg->ndisks)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (unsigned int i = 0; i < cfg->ndisks && !ret; i++) {
		struct virtio_dev_ops ops = { 0 };
		struct blk_disk *d = calloc(1, sizeof(*d));
		const char *base;
		/* seg_max x size_max stays below VIRTQ_MAX_CHAIN_BYTES. */
		uint32_t seg_max = BLK_QUEUE_SIZE - 2, size_max = 256 << 10;

		if (!d) {
			ret = -ENOMEM;
			break;
		}
		d->fd = -1;
		s->d[s->n++] = d;
		ret = blk__open(d, &cfg->disks[i]);
		if (ret)
			break;
		snprintf(d->name, sizeof(d->name), "virtio-blk%u", i);
		base = strrchr(d->path, '/');
		base = base ? base + 1 : d->path;
		memcpy(d->id, base, strnlen(base, sizeof(d->id)));
		memcpy(d->cfg, &d->capacity, 8);
		memcpy(d->cfg + 8, &size_max, 4);
		memcpy(d->cfg + 12, &seg_max, 4);
		ops = (struct virtio_dev_ops){
			.name = d->name,
			.device_id = VIRTIO_ID_BLOCK,
			.class_code = 0x018000, /* mass storage, other */
			.features = 1ULL << VIRTIO_BLK_F_SIZE_MAX |
				    1ULL << VIRTIO_BLK_F_SEG_MAX |
				    1ULL << VIRTIO_BLK_F_FLUSH |
				    (d->ro ? 1ULL << VIRTIO_BLK_F_RO : 0),
			.nqueues = 1,
			.queue_size = BLK_QUEUE_SIZE,
			.cfg = d->cfg,
			.cfg_size = sizeof(d->cfg),
			.notify = blk__notify,
			.opaque = d,
		};
		d->vp = virtio_pci__create(vm, &ops, &ret);
		if (d->vp)
			log_debug("%s: %s, %llu sectors%s", d->name, d->path,
				  (unsigned long long)d->capacity,
				  d->ro ? ", read-only" : "");
	}
	if (ret) {
		blk__exit(vm, s);
		return ret;
	}
	*priv = s;
	return 0;
}

const struct device_ops virtio_blk_device = {
	.name = "virtio-blk",
	.init = blk__init,
	.exit = blk__exit,
};
