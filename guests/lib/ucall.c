// SPDX-License-Identifier: GPL-2.0-only
/* ucalls: the only way a guest talks to the VMM. */
#include <string.h>

#include "guest.h"

/* guest.ld links the image at this address. */
_Static_assert(ZAPVM_BOOT_END == 0x100000, "update guests/lib/guest.ld");

zs64 ucall(struct zapvm_ucall *uc)
{
	/*
	 * Guest memory is identity mapped and every ucall block lives on a
	 * stack in the boot area or in the image, both below 4 GiB, so a
	 * 32-bit OUT carries the whole GPA. "memory": the VMM reads *uc and
	 * writes uc->ret behind the compiler's back.
	 */
	asm volatile("outl %0, %1"
		     :
		     : "a"((zu32)(unsigned long)uc),
		       "Nd"((unsigned short)ZAPVM_UCALL_PORT)
		     : "memory");
	return uc->ret;
}

static zs64 ucall2(zu32 cmd, zu64 a0, zu64 a1)
{
	struct zapvm_ucall uc = { .cmd = cmd, .args = { a0, a1 } };

	return ucall(&uc);
}

zs64 zapvm_print(const char *s, size_t len)
{
	return ucall2(ZAPVM_UCALL_PRINT, (zu64)(unsigned long)s, len);
}

void zapvm_phase(const char *name)
{
	ucall2(ZAPVM_UCALL_PHASE, (zu64)(unsigned long)name, strlen(name));
}

void zapvm_done(int status)
{
	ucall2(ZAPVM_UCALL_DONE, (zu64)status, 0);
	/* The VMM never resumes a vCPU that is done: make it a crash if so. */
	for (;;)
		asm volatile("ud2");
}

void zapvm_boot_done(void)
{
	asm volatile("outb %b0, %1"
		     :
		     : "a"(1), "Nd"((unsigned short)ZAPVM_BOOT_DONE_PORT)
		     : "memory");
}

zu64 zapvm_clock_ns(void)
{
	return (zu64)ucall2(ZAPVM_UCALL_CLOCK, 0, 0);
}

zs64 rom_unmap(zu64 index)
{
	return ucall2(ZAPVM_UCALL_ROM_UNMAP, index, 0);
}

zs64 rom_map(zu64 index)
{
	return ucall2(ZAPVM_UCALL_ROM_MAP, index, 0);
}

zs64 rom_move(zu64 index, zu64 gpa)
{
	return ucall2(ZAPVM_UCALL_ROM_MOVE, index, gpa);
}

void __guest_assert(const char *file, unsigned int line, const char *expr,
		    zu64 a, zu64 b)
{
	struct zapvm_ucall uc = {
		.cmd = ZAPVM_UCALL_ASSERT,
		.args = { (zu64)(unsigned long)file, strlen(file),
			  (zu64)(unsigned long)expr, strlen(expr), line, a, b },
	};

	ucall(&uc);
	for (;;)
		asm volatile("ud2");
}

/*
 * Code built with -fstack-protector (ours and the distribution's libfdt.a)
 * calls this when the canary at %fs:0x28 changed: report where.
 */
void __stack_chk_fail(void) __noreturn;
void __stack_chk_fail(void)
{
	__guest_assert("__stack_chk_fail", 0,
		       "stack canary intact (a = return address)",
		       (zu64)(unsigned long)__builtin_return_address(0), 0);
}

/* gprintf: format into a small stack buffer, one PRINT ucall per fill. */
struct pbuf {
	size_t len;
	char buf[256];
};

static void pbuf_flush(struct pbuf *p)
{
	if (p->len)
		zapvm_print(p->buf, p->len);
	p->len = 0;
}

static void pbuf_putc(struct pbuf *p, char c)
{
	if (p->len == sizeof(p->buf))
		pbuf_flush(p);
	p->buf[p->len++] = c;
}

static void pbuf_num(struct pbuf *p, zu64 v, unsigned int base, bool neg,
		     int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg) {
		if (pad == '0')
			pbuf_putc(p, '-');
		else
			tmp[n++] = '-';
		width--;
	}
	for (; width > n; width--)
		pbuf_putc(p, pad);
	while (n)
		pbuf_putc(p, tmp[--n]);
}

void gvprintf(const char *fmt, va_list ap)
{
	struct pbuf p = { .len = 0 };
	const char *s;
	size_t len;

	for (; *fmt; fmt++) {
		int width = 0, prec = -1, lng = 0;
		char pad = ' ';
		zu64 u;
		zs64 d;

		if (*fmt != '%') {
			pbuf_putc(&p, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = *fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		if (*fmt == '.' && fmt[1] == '*') {
			prec = va_arg(ap, int);
			fmt += 2;
		}
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng = 1;
		switch (*fmt) {
		case 'd':
			d = lng ? va_arg(ap, zs64) : va_arg(ap, int);
			pbuf_num(&p, d < 0 ? -(zu64)d : (zu64)d, 10, d < 0,
				 width, pad);
			break;
		case 'u':
		case 'x':
			/* long, long long and size_t are all 64-bit here. */
			u = lng ? va_arg(ap, zu64) : va_arg(ap, unsigned int);
			pbuf_num(&p, u, *fmt == 'u' ? 10 : 16, false, width,
				 pad);
			break;
		case 'p':
			pbuf_putc(&p, '0');
			pbuf_putc(&p, 'x');
			pbuf_num(&p, (unsigned long)va_arg(ap, void *), 16,
				 false, width, pad);
			break;
		case 'c':
			pbuf_putc(&p, (char)va_arg(ap, int));
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = strnlen(s, prec < 0 ? ~0UL : (size_t)prec);
			for (; width > (int)len; width--)
				pbuf_putc(&p, ' ');
			while (len--)
				pbuf_putc(&p, *s++);
			break;
		case '%':
			pbuf_putc(&p, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end */
			break;
		default:
			pbuf_putc(&p, '%');
			pbuf_putc(&p, *fmt);
			break;
		}
	}
	pbuf_flush(&p);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
}
