// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CMOS RTC (MC146818) at ports 0x70 (index, bit 7 masks NMIs) and 0x71
 * (data): the date and time registers read the host's UTC clock, in BCD
 * and 24-hour mode unless the guest switches register B; the rest is 128
 * bytes of CMOS RAM. Time writes are ignored: the host clock is the truth.
 * No interrupts (IRQ 8) are raised.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zapvm/devices.h"
#include "zapvm/firmware.h"
#include "zapvm/log.h"

#define RTC_INDEX 0x70
#define RTC_DATA 0x71

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_WEEKDAY 0x06
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32 /* the FADT's CENTURY field points here */

#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04
#define RTC_D_VRT 0x80 /* valid RAM and time */

struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[128];
};

static uint8_t rtc__encode(const struct rtc *r, unsigned int v)
{
	if (r->ram[RTC_REG_B] & RTC_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t rtc__read(struct rtc *r, uint8_t reg)
{
	time_t now = time(NULL);
	struct tm tm;
	unsigned int h;

	gmtime_r(&now, &tm);
	switch (reg) {
	case RTC_SECONDS:
		return rtc__encode(r, (unsigned int)tm.tm_sec);
	case RTC_MINUTES:
		return rtc__encode(r, (unsigned int)tm.tm_min);
	case RTC_HOURS:
		if (r->ram[RTC_REG_B] & RTC_B_24H)
			return rtc__encode(r, (unsigned int)tm.tm_hour);
		h = (unsigned int)tm.tm_hour % 12;
		return rtc__encode(r, h ? h : 12) |
		       (tm.tm_hour >= 12 ? 0x80 : 0);
	case RTC_WEEKDAY:
		return rtc__encode(r, (unsigned int)tm.tm_wday + 1);
	case RTC_DAY:
		return rtc__encode(r, (unsigned int)tm.tm_mday);
	case RTC_MONTH:
		return rtc__encode(r, (unsigned int)tm.tm_mon + 1);
	case RTC_YEAR:
		return rtc__encode(r, (unsigned int)(tm.tm_year + 1900) % 100);
	case RTC_CENTURY:
		return rtc__encode(r, (unsigned int)(tm.tm_year + 1900) / 100);
	case RTC_REG_A:
		return r->ram[RTC_REG_A] &
		       0x7f; /* never "update in progress" */
	case RTC_REG_C: {
		uint8_t v = r->ram[RTC_REG_C];

		r->ram[RTC_REG_C] = 0; /* read to clear */
		return v;
	}
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return r->ram[reg & 0x7f];
	}
}

static void rtc__write(struct rtc *r, uint8_t reg, uint8_t v)
{
	switch (reg) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_WEEKDAY:
	case RTC_DAY:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		log_debug("rtc: time register 0x%02x write ignored", reg);
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* read-only */
	default:
		r->ram[reg & 0x7f] = v;
		return;
	}
}

static int rtc__handle(struct vcpu *v, uint64_t port, uint8_t *data,
		       uint32_t len, bool is_write, void *opaque)
{
	struct rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	if (port == RTC_INDEX) {
		if (is_write)
			r->index = data[0] & 0x7f;
		else
			data[0] = 0xff; /* the index register is write-only */
	} else if (is_write) {
		rtc__write(r, r->index, data[0]);
	} else {
		data[0] = rtc__read(r, r->index);
	}
	if (!is_write && len > 1)
		memset(data + 1, 0xff, len - 1);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void rtc__exit(struct vm *vm, void *priv)
{
	struct rtc *r = priv;

	pthread_mutex_destroy(&r->lock);
	free(r);
}

static int rtc__init(struct vm *vm, void **priv)
{
	struct rtc *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	r->ram[RTC_REG_A] = 0x26; /* 32.768 kHz base, 1024 Hz rate */
	r->ram[RTC_REG_B] = RTC_B_24H;
	if (vm->cfg->firmware) {
		const struct firmware *fw = vm->boot_priv;

		firmware__cmos(r->ram, fw->low_end, fw->high_size, vm->ncpus);
	}
	ret = bus__register(&vm->pio, RTC_INDEX, 1, rtc__handle, r,
			    "rtc-index");
	if (!ret)
		ret = bus__register(&vm->pio, RTC_DATA, 1, rtc__handle, r,
				    "rtc-data");
	if (ret) {
		log_err("rtc: ports 0x70/0x71: %s", strerror(-ret));
		bus__unregister(&vm->pio, RTC_INDEX);
		rtc__exit(vm, r);
		return ret;
	}
	*priv = r;
	return 0;
}

const struct device_ops rtc_device = {
	.name = "rtc",
	.init = rtc__init,
	.exit = rtc__exit,
};
