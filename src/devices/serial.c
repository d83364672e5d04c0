// SPDX-License-Identifier: GPL-2.0-only
/*
 * An 8250/16550A UART on COM1 (ports 0x3f8-0x3ff, ISA IRQ 4), the Linux
 * console. Transmission is instant, so THR is always empty; received bytes
 * wait in the console's input ring. Enough of the chip for the 8250 driver's
 * probe: scratch register, IER read-back, loopback with its modem lines.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ 4

/* Registers (offset from the base) and bits, as in linux/serial_reg.h. */
#define UART_RX 0
#define UART_TX 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_FIFO 0xc0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_LCR_DLAB 0x80
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

struct serial {
	struct vm *vm;
	struct console *con;
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_ipending; /* a THR-empty interrupt not yet acknowledged */
	bool lo_valid; /* loopback: a byte sent to ourselves */
	uint8_t lo_byte;
	int irq_level;
	bool coalesce; /* THR writes are coalesced while THRI is off */
};

/*
 * While the THR-empty interrupt is off the guest polls LSR before each
 * byte, and that read's exit replays the byte written before it: so the
 * THR write need not exit (coalesced.h). With THRI on, a write must raise
 * the interrupt at once, so it exits again.
 */
static void serial__coalesce(struct serial *s, bool on)
{
	int ret;

	if (!s->coalesce)
		return;
	ret = on ? coalesced__add(s->vm, COM1_BASE + UART_TX, 1) :
		   coalesced__del(s->vm, COM1_BASE + UART_TX, 1);
	if (ret) {
		log_warn("serial: cannot %s coalesced PIO: %s",
			 on ? "start" : "stop", strerror(-ret));
		s->coalesce = false;
	}
}

static bool serial__data_ready(struct serial *s)
{
	if (s->mcr & UART_MCR_LOOP)
		return s->lo_valid;
	return console__pending(s->con);
}

static uint8_t serial__iir(struct serial *s)
{
	if ((s->ier & UART_IER_RDI) && serial__data_ready(s))
		return UART_IIR_RDI;
	if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

/* Drive the IRQ line from the interrupt state; called with the lock held. */
static void serial__update_irq(struct serial *s)
{
	int level = serial__iir(s) != UART_IIR_NO_INT;

	if (level == s->irq_level)
		return;
	if (!vm__irq_line(s->vm, COM1_IRQ, level))
		s->irq_level = level;
}

static uint8_t serial__msr(struct serial *s)
{
	uint8_t msr = 0;

	if (!(s->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	/* Loopback wires the modem outputs to the inputs. */
	if (s->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (s->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (s->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (s->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

static uint8_t serial__read(struct serial *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t v;
	int c;

	switch (reg) {
	case UART_RX:
		if (dlab)
			return s->dll;
		if (s->mcr & UART_MCR_LOOP) {
			v = s->lo_byte;
			s->lo_valid = false;
		} else {
			c = console__getc(s->con);
			v = c < 0 ? 0 : (uint8_t)c;
		}
		serial__update_irq(s);
		return v;
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		v = serial__iir(s);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if (v == UART_IIR_THRI)
			s->thr_ipending = false;
		serial__update_irq(s);
		return v | (s->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT |
		       (serial__data_ready(s) ? UART_LSR_DR : 0);
	case UART_MSR:
		return serial__msr(s);
	case UART_SCR:
	default:
		return s->scr;
	}
}

static void serial__write(struct serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t old;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			s->dll = v;
			return;
		}
		if (s->mcr & UART_MCR_LOOP) {
			s->lo_byte = v;
			s->lo_valid = true;
		} else {
			console__write(s->con, &v, 1);
		}
		s->thr_ipending = true; /* sent at once: THR is empty again */
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
			return;
		}
		old = s->ier;
		s->ier = v & 0x0f;
		if ((s->ier & UART_IER_THRI) && !(old & UART_IER_THRI))
			s->thr_ipending = true;
		if ((s->ier ^ old) & UART_IER_THRI)
			serial__coalesce(s, !(s->ier & UART_IER_THRI));
		break;
	case UART_FCR:
		s->fcr = v & 0xc9;
		if (v & UART_FCR_CLEAR_RCVR)
			s->lo_valid = false;
		break;
	case UART_LCR:
		s->lcr = v;
		return;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		return;
	case UART_LSR:
	case UART_MSR:
	default:
		return; /* read-only */
	}
	serial__update_irq(s);
}

static int serial__handle(struct vcpu *v, uint64_t port, uint8_t *data,
			  uint32_t len, bool is_write, void *opaque)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < len; i++) {
		unsigned int reg = (unsigned int)(port + i - COM1_BASE) & 7;

		if (is_write)
			serial__write(s, reg, data[i]);
		else
			data[i] = serial__read(s, reg);
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Input arrived on the console's thread. */
static void serial__input(void *opaque)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	serial__update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial__exit(struct vm *vm, void *priv)
{
	struct serial *s = priv;

	console__attach(s->con, NULL, NULL);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int serial__init(struct vm *vm, void **priv)
{
	struct serial *s;
	int ret;

	if (!vm->console) {
		log_err("serial: no console (the device table is out of order)");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->vm = vm;
	s->con = vm->console;
	pthread_mutex_init(&s->lock, NULL);
	ret = bus__register(&vm->pio, COM1_BASE, 8, serial__handle, s,
			    "serial");
	if (ret) {
		log_err("serial: ports 0x%x-0x%x: %s", COM1_BASE, COM1_BASE + 7,
			strerror(-ret));
		pthread_mutex_destroy(&s->lock);
		free(s);
		return ret;
	}
	/* IER is 0 after reset: coalesce from the start. */
	s->coalesce = vm->coalesced.page_off != 0;
	if (s->coalesce && coalesced__add(vm, COM1_BASE + UART_TX, 1)) {
		log_debug("serial: no coalesced PIO");
		s->coalesce = false;
	}
	console__attach(s->con, serial__input, s);
	*priv = s;
	return 0;
}

const struct device_ops serial_device = {
	.name = "serial",
	.init = serial__init,
	.exit = serial__exit,
};
