// SPDX-License-Identifier: GPL-2.0-only
/*
 * hostile: vCPU 0 sends ucalls the VMM must refuse with an error reply and
 * survive, each checked with GUEST_ASSERT_EQ, then ends with done(0).
 * With mode=badptr it instead OUTs a ucall GPA outside RAM, which the VMM
 * must treat as a guest crash. With mode=phases it marks phases until the
 * VMM refuses one with ENOSPC (its phase log is full: PHASE_LOG_MAX), then
 * ends with done(0); run it with binary stats (the phase log needs them).
 *
 * There is no libc: the errno values are literals (Linux x86).
 *
 * zapvm,args: mode=badptr|phases (default: the error-reply checks)
 */
#include "guest.h"

#define E_FAULT (-14) /* EFAULT */
#define E_INVAL (-22) /* EINVAL */
#define E_EXIST (-17) /* EEXIST: the target overlaps another region */
#define E_NOSYS (-38) /* ENOSYS */
#define E_NOSPC (-28) /* ENOSPC */

/* More than the VMM's PHASE_LOG_MAX (include/zapvm/stats.h, 4096). */
#define PHASE_FLOOD_MAX 100000

static zs64 raw_ucall(zu32 cmd, zu64 a0, zu64 a1)
{
	struct zapvm_ucall uc = { .cmd = cmd, .args = { a0, a1 } };

	return ucall(&uc);
}

static void badptr(const struct boot_info *bi)
{
	zu64 gpa = bi->ram_size; /* the first byte after RAM */

	GUEST_ASSERT(gpa <= 0xffffffffULL - sizeof(struct zapvm_ucall));
	asm volatile("outl %0, %1"
		     :
		     : "a"((zu32)gpa), "Nd"((unsigned short)ZAPVM_UCALL_PORT)
		     : "memory");
	/* Only reached if the VMM answered the call: a = GPA. */
	__guest_assert(__GUEST_FILE, __LINE__, "ucall outside RAM ends the VM",
		       gpa, 0);
}

static void phase_flood(void)
{
	static const char name[] = "flood";
	zs64 ret = 0;
	zu64 n;

	for (n = 0; n < PHASE_FLOOD_MAX; n++) {
		ret = raw_ucall(ZAPVM_UCALL_PHASE, (zu64)(unsigned long)name,
				sizeof(name) - 1);
		if (ret < 0)
			break;
	}
	GUEST_ASSERT_EQ(ret, E_NOSPC);
	/* Refused for good: the next one too; printing still works. */
	GUEST_ASSERT_EQ(raw_ucall(ZAPVM_UCALL_PHASE, (zu64)(unsigned long)name,
				  sizeof(name) - 1),
			E_NOSPC);
	gprintf("hostile: the phase log stopped at %llu\n",
		(unsigned long long)n);
}

static void bad_ucalls(struct boot_info *bi)
{
	struct guest_rom *rom = boot_info__rom(bi, 0);
	zu64 buf = bi->guest_base, far, t0, t1;
	const volatile zu8 *p = gpa_ptr(rom->gpa);
	const char ok[] = "hostile: every bad ucall was refused\n";
	zu8 byte;

	GUEST_ASSERT(rom->mapped);
	GUEST_ASSERT(boot_info__fits(bi, buf, ZAPVM_PRINT_MAX + 1));
	byte = *p;

	/* A good call first: the VMM answers at all. */
	t0 = zapvm_clock_ns();
	t1 = zapvm_clock_ns();
	GUEST_ASSERT(t0 > 0 && t1 >= t0);

	/* Unknown commands. */
	GUEST_ASSERT_EQ(raw_ucall(0, 0, 0), E_NOSYS);
	GUEST_ASSERT_EQ(raw_ucall(0xffffffff, 0, 0), E_NOSYS);

	/* ROM indexes out of range; 1 << 32 catches a truncation to 0. */
	GUEST_ASSERT_EQ(rom_unmap(bi->nr_roms), E_INVAL);
	GUEST_ASSERT_EQ(rom_map(bi->nr_roms), E_INVAL);
	GUEST_ASSERT_EQ(rom_map(1ULL << 32), E_INVAL);
	far = boot_info__free_gpa(bi, 0, rom->size);
	GUEST_ASSERT(far != 0);
	GUEST_ASSERT_EQ(rom_move(bi->nr_roms, far), E_INVAL);

	/* Text outside RAM, also where GPA + length wraps around. */
	GUEST_ASSERT_EQ(zapvm_print(gpa_ptr(bi->ram_size), 16), E_FAULT);
	GUEST_ASSERT_EQ(zapvm_print(gpa_ptr(~0ULL - 7), 16), E_FAULT);

	/* Too long, though all in RAM: filled so a wrong accept shows. */
	__builtin_memset(gpa_ptr(buf), '!', ZAPVM_PRINT_MAX + 1);
	GUEST_ASSERT_EQ(zapvm_print(gpa_ptr(buf), ZAPVM_PRINT_MAX + 1),
			E_INVAL);

	/*
	 * ROM moves onto RAM, to a GPA aligned to nothing, just past the
	 * mapped GPA space, and where GPA + size wraps around.
	 */
	GUEST_ASSERT_EQ(rom_move(0, 0), E_EXIST);
	GUEST_ASSERT_EQ(rom_move(0, (bi->ram_size - 1) & ~(SZ_2M - 1)),
			E_EXIST);
	GUEST_ASSERT_EQ(rom_move(0, far + 0x800), E_INVAL);
	GUEST_ASSERT_EQ(rom_move(0, bi->gpa_top), E_INVAL);
	GUEST_ASSERT_EQ(rom_move(0, ~(SZ_2M - 1)), E_INVAL);

	/* Nothing moved: ROM 0 still reads the same at its place. */
	GUEST_ASSERT_EQ(*p, byte);
	GUEST_ASSERT(zapvm_print(ok, sizeof(ok) - 1) >= 0);
}

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	size_t len;

	if (cpu != 0)
		return 0;
	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "mode");
	if (arg_is(&bi, "mode", "phases")) {
		phase_flood();
		return 0;
	}
	if (arg_str(&bi, "mode", &len)) {
		GUEST_ASSERT(arg_is(&bi, "mode", "badptr"));
		badptr(&bi);
	}
	bad_ucalls(&bi);
	return 0;
}
