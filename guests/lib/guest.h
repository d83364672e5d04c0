/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The freestanding library of the zapvm test guests: ucalls, printing,
 * assertions, boot information from the FDT, and SMP helpers.
 *
 * A guest provides guest_main(); lib/start.S calls it on every vCPU with
 * the FDT and the vCPU index, and reports its return value with
 * zapvm_done().
 */
#ifndef ZAPVM_GUEST_H
#define ZAPVM_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "zapvm/guest_abi.h"

#define PAGE_SIZE 4096ULL
#define SZ_2M 0x200000ULL

#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* The guest's entry point, called on every vCPU; returns the exit status. */
int guest_main(const void *fdt, unsigned int cpu);

/*
 * ucall - send @uc to the VMM and return its ->ret (>= 0 or -errno).
 * The VMM handles the call before the vCPU resumes.
 */
zs64 ucall(struct zapvm_ucall *uc);

/* zapvm_print - print @len bytes of @s on the host. */
zs64 zapvm_print(const char *s, size_t len);

/*
 * gprintf - printf through zapvm_print(): %d %u %x with l, ll or z, %s
 * (and %.*s), %c, %p, a 0 flag and a width.
 */
void gprintf(const char *fmt, ...) __printf(1, 2);
void gvprintf(const char *fmt, va_list ap) __printf(1, 0);

/* zapvm_phase - tell the VMM that the phase @name starts now. */
void zapvm_phase(const char *name);

/* zapvm_done - stop this vCPU with exit @status (0-63). */
void zapvm_done(int status) __noreturn;

/* zapvm_boot_done - mark the end of a (simulated) boot. */
void zapvm_boot_done(void);

/* zapvm_clock_ns - the host's CLOCK_MONOTONIC in nanoseconds. */
zu64 zapvm_clock_ns(void);

/* ROM memslot control; each returns the ucall's ret (0 or -errno). */
zs64 rom_unmap(zu64 index);
zs64 rom_map(zu64 index);
zs64 rom_move(zu64 index, zu64 gpa);

/*
 * __guest_assert - report a failed assertion to the VMM, which prints
 * "file:line: expr (a, b)" and ends the VM. Never returns.
 */
void __guest_assert(const char *file, unsigned int line, const char *expr,
		    zu64 a, zu64 b) __noreturn;

/* __FILE_NAME__ (GCC 12, clang 9) keeps the build directory out of it. */
#ifdef __FILE_NAME__
#define __GUEST_FILE __FILE_NAME__
#else
#define __GUEST_FILE __FILE__
#endif

#define GUEST_ASSERT(expr)                                                   \
	do {                                                                 \
		if (!(expr))                                                 \
			__guest_assert(__GUEST_FILE, __LINE__, #expr, 0, 0); \
	} while (0)

/* Both values are sent as 64-bit: a negative errno shows as 0xffff...ffea. */
#define GUEST_ASSERT_EQ(a, b)                                                \
	do {                                                                 \
		zu64 __a = (zu64)(a), __b = (zu64)(b);                       \
		if (__a != __b)                                              \
			__guest_assert(__GUEST_FILE, __LINE__, #a " == " #b, \
				       __a, __b);                            \
	} while (0)

/* The boot information of the FDT (see guest_abi.h). */
#define GUEST_MAX_ROMS 16

struct guest_rom {
	bool present; /* the FDT has a ROM with this index */
	bool mapped;
	zu32 index;
	zu64 gpa;
	zu64 size;
};

struct boot_info {
	const void *fdt;
	unsigned int cpu;
	unsigned int ncpus;
	zu64 ram_size; /* RAM is [0, ram_size) */
	zu64 gpa_top; /* the boot page tables map [0, gpa_top) */
	zu64 guest_base; /* first free GPA after the image */
	unsigned int nr_roms; /* highest ROM index + 1 */
	struct guest_rom rom[GUEST_MAX_ROMS];
	const char *args; /* /chosen zapvm,args, "" if none */
};

/* boot_info__parse - fill @bi from @fdt; asserts if the FDT is malformed. */
void boot_info__parse(struct boot_info *bi, const void *fdt, unsigned int cpu);

/* boot_info__rom - ROM region @index; asserts that it exists. */
struct guest_rom *boot_info__rom(struct boot_info *bi, unsigned int index);

/* boot_info__fits - whether [gpa, gpa + len) lies in RAM (overflow-safe). */
bool boot_info__fits(const struct boot_info *bi, zu64 gpa, zu64 len);

/*
 * boot_info__free_gpa - the lowest 2 MiB-aligned GPA >= @from where @size
 * bytes overlap neither RAM nor any ROM and lie below bi->gpa_top, or 0 if
 * there is none. For rom_move() targets.
 */
zu64 boot_info__free_gpa(const struct boot_info *bi, zu64 from, zu64 size);

/*
 * arg_u64 - the value of "@key=VALUE" in zapvm,args, or @def when absent.
 * VALUE is decimal, 0x-hex or 0-octal with an optional K, M or G suffix
 * (binary units); anything else is a failed assertion.
 */
zu64 arg_u64(const struct boot_info *bi, const char *key, zu64 def);

/*
 * arg_str - the value of "@key=VALUE" (not NUL-terminated: its length is
 * stored in *@len), or NULL when absent.
 */
const char *arg_str(const struct boot_info *bi, const char *key, size_t *len);

/* arg_is - whether zapvm,args has "@key=@value". */
bool arg_is(const struct boot_info *bi, const char *key, const char *value);

/*
 * args_check - assert that every key of zapvm,args is one of @known
 * (space-separated), so that a typo does not silently run the default.
 */
void args_check(const struct boot_info *bi, const char *known);

/*
 * smp_sync - wait until every vCPU of the VM has called it; a barrier for
 * all bi->ncpus vCPUs, reusable any number of times.
 */
void smp_sync(const struct boot_info *bi);

/*
 * zapvm_phase_sync - start phase @name for the whole VM: every vCPU calls
 * it, vCPU 0 reports the phase once all have finished the previous one,
 * and none starts the new one before it is reported.
 */
void zapvm_phase_sync(const struct boot_info *bi, const char *name);

/*
 * smp_share - the contiguous share [*first, *first + *count) of @n items
 * that belongs to vCPU bi->cpu.
 */
void smp_share(const struct boot_info *bi, zu64 n, zu64 *first, zu64 *count);

/* touch_pages - write one byte in each of @n pages at @gpa + i * @stride. */
void touch_pages(zu64 gpa, zu64 n, zu64 stride);

/* read_pages - read one byte of each of @n pages; returns their sum. */
zu64 read_pages(zu64 gpa, zu64 n, zu64 stride);

/* rdtsc - the time stamp counter. */
static inline zu64 rdtsc(void)
{
	zu32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((zu64)hi << 32) | lo;
}

/* align_up - @x rounded up to a multiple of @a, a power of two. */
static inline zu64 align_up(zu64 x, zu64 a)
{
	return (x + a - 1) & ~(a - 1);
}

/* gpa_ptr - the pointer to guest-physical address @gpa (identity map). */
static inline void *gpa_ptr(zu64 gpa)
{
	return (void *)(unsigned long)gpa;
}

#endif /* ZAPVM_GUEST_H */
