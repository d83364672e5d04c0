// SPDX-License-Identifier: GPL-2.0-only
/*
 * bootsim: a synthetic firmware + OS boot, the memory pattern of a VM boot
 * without the instructions KVM would have to emulate. vCPU 0 boots; the
 * other vCPUs wait and join in the last phase.
 *
 *   "firmware"   read ROM 0 (the firmware) through and checksum it
 *   "load"       expand a kernel=SIZE image from ROM 0 into RAM at guest-base
 *   "pagetables" write 4-level page-table-shaped data covering all RAM
 *                (just data: a CPL3 guest cannot load CR3)
 *   "probe"      probes=K times map ROM 1 (an option ROM), read its header
 *                and first KiBs, unmap it, as a PCI probe does; with move=1
 *                also map it, move it from one free 2 MiB-aligned GPA above
 *                RAM to another and back, and unmap it (skipped if the
 *                mapped GPA space has no room); skipped without a ROM 1
 *   (boot done: an OUT to ZAPVM_BOOT_DONE_PORT)
 *   "workload"   all vCPUs read the kernel image and page tables again, as
 *                a running kernel does, and touch ws=N pages spread evenly
 *                over the RAM left after the page tables, N capped to what
 *                fits
 *
 * zapvm,args: kernel=SIZE (8M) probes=K (8) move=0|1 (1) ws=N (16384)
 */
#include "guest.h"

#define PTE_FLAGS 0x7ULL /* present, writable, user: as x86 would have it */
#define PTES_PER_PAGE 512ULL
#define ROM_PEEK_MAX 0x1000ULL

/* FNV-1a over 64-bit words: a periodic ROM does not cancel itself out. */
static zu64 checksum(const zu64 *p, zu64 n)
{
	zu64 sum = 0xcbf29ce484222325ULL;

	for (; n; n--, p++)
		sum = (sum ^ *p) * 0x100000001b3ULL;
	return sum;
}

static zu64 firmware(const struct guest_rom *fw)
{
	GUEST_ASSERT(fw->mapped && fw->size >= 8);
	return checksum(gpa_ptr(fw->gpa), fw->size / 8);
}

/* The "decompressor": ROM 0 repeated, each word mixed with its offset. */
static void load_kernel(zu64 gpa, zu64 size, const struct guest_rom *fw)
{
	const zu64 *src = gpa_ptr(fw->gpa);
	zu64 *dst = gpa_ptr(gpa);
	zu64 i, j = 0;

	for (i = 0; i < size / 8; i++) {
		dst[i] = src[j] ^ (i * 0x9e3779b97f4a7c15ULL);
		if (++j == fw->size / 8)
			j = 0;
	}
}

static zu64 div_round_up(zu64 n, zu64 d)
{
	return (n + d - 1) / d;
}

/* The table pages of each level of a 4-level tree mapping RAM in 4 KiB. */
struct pt_shape {
	zu64 pt, pd, pdpt;
	zu64 bytes; /* all of them and the PML4 */
};

static struct pt_shape pt_shape(zu64 ram_size)
{
	struct pt_shape s;

	s.pt = div_round_up(ram_size / PAGE_SIZE, PTES_PER_PAGE);
	s.pd = div_round_up(s.pt, PTES_PER_PAGE);
	s.pdpt = div_round_up(s.pd, PTES_PER_PAGE);
	s.bytes = (1 + s.pdpt + s.pd + s.pt) * PAGE_SIZE;
	return s;
}

/* @n entries pointing at consecutive 4 KiB pages from @gpa. */
static void fill_table(zu64 table, zu64 n, zu64 gpa)
{
	zu64 *e = gpa_ptr(table), i;

	for (i = 0; i < n; i++)
		e[i] = (gpa + i * PAGE_SIZE) | PTE_FLAGS;
}

static void build_pagetables(zu64 pml4, zu64 ram_size, const struct pt_shape *s)
{
	zu64 pdpt = pml4 + PAGE_SIZE;
	zu64 pd = pdpt + s->pdpt * PAGE_SIZE;
	zu64 pt = pd + s->pd * PAGE_SIZE;

	fill_table(pt, ram_size / PAGE_SIZE, 0);
	fill_table(pd, s->pt, pt);
	fill_table(pdpt, s->pd, pd);
	fill_table(pml4, s->pdpt, pdpt);
}

/* What a PCI probe looks at: the 0x55AA signature word and the first KiBs. */
static zu64 rom_peek(const struct guest_rom *rom)
{
	zu64 n = rom->size < ROM_PEEK_MAX ? rom->size : ROM_PEEK_MAX;
	const volatile zu8 *sig = gpa_ptr(rom->gpa);

	return checksum(gpa_ptr(rom->gpa), n / 8) ^ sig[0] ^ (sig[1] << 8);
}

static void probe(struct boot_info *bi, zu64 probes, bool move)
{
	struct guest_rom *rom = &bi->rom[1];
	zu64 gpa[3], expect = 0, i;
	bool have = false;

	if (!rom->present) {
		gprintf("bootsim: no ROM 1 to probe\n");
		return;
	}
	GUEST_ASSERT(rom->size >= 8);
	/* Firmware leaves the ROM BAR disabled until a driver probes it. */
	if (rom->mapped) {
		expect = rom_peek(rom);
		have = true;
		GUEST_ASSERT_EQ(rom_unmap(1), 0);
	}
	for (i = 0; i < probes; i++) {
		GUEST_ASSERT_EQ(rom_map(1), 0);
		if (!have)
			expect = rom_peek(rom);
		have = true;
		GUEST_ASSERT_EQ(rom_peek(rom), expect);
		GUEST_ASSERT_EQ(rom_unmap(1), 0);
	}
	rom->mapped = false;
	if (!move)
		return;

	/*
	 * ROM_MOVE takes 2 MiB-aligned targets, which the ROM's own GPA need
	 * not be: so A -> B -> A, all above RAM, rather than back home.
	 */
	gpa[0] = boot_info__free_gpa(bi, 0, rom->size);
	gpa[1] = boot_info__free_gpa(bi, gpa[0] + rom->size, rom->size);
	gpa[2] = gpa[0];
	if (!gpa[0] || !gpa[1]) {
		gprintf("bootsim: no room for ROM 1 above RAM: not moved\n");
		return;
	}
	GUEST_ASSERT_EQ(rom_map(1), 0);
	if (!have)
		expect = rom_peek(rom);
	for (i = 0; i < 3; i++) {
		GUEST_ASSERT_EQ(rom_move(1, gpa[i]), 0);
		rom->gpa = gpa[i];
		GUEST_ASSERT_EQ(rom_peek(rom), expect);
	}
	GUEST_ASSERT_EQ(rom_unmap(1), 0);
}

int guest_main(const void *fdt, unsigned int cpu)
{
	struct boot_info bi;
	struct guest_rom *fw;
	struct pt_shape pts;
	zu64 kernel, probes, move, ws, sum, pt_gpa, ws_gpa, avail, stride;
	zu64 first, n;

	boot_info__parse(&bi, fdt, cpu);
	args_check(&bi, "kernel probes move ws");
	kernel = arg_u64(&bi, "kernel", 8 << 20);
	probes = arg_u64(&bi, "probes", 8);
	move = arg_u64(&bi, "move", 1);
	ws = arg_u64(&bi, "ws", 16384);

	/* The RAM layout: kernel, page tables, then the working set. */
	GUEST_ASSERT(boot_info__fits(&bi, bi.guest_base, kernel));
	kernel = align_up(kernel, PAGE_SIZE);
	pt_gpa = bi.guest_base + kernel;
	pts = pt_shape(bi.ram_size);
	GUEST_ASSERT(boot_info__fits(&bi, pt_gpa, pts.bytes));
	ws_gpa = pt_gpa + pts.bytes;
	avail = (bi.ram_size - ws_gpa) / PAGE_SIZE;
	if (ws > avail)
		ws = avail;
	stride = ws ? avail / ws * PAGE_SIZE : PAGE_SIZE;

	if (cpu == 0) {
		fw = boot_info__rom(&bi, 0);
		zapvm_phase("firmware");
		sum = firmware(fw);
		zapvm_phase("load");
		load_kernel(bi.guest_base, kernel, fw);
		zapvm_phase("pagetables");
		build_pagetables(pt_gpa, bi.ram_size, &pts);
		zapvm_phase("probe");
		probe(&bi, probes, move);
		zapvm_boot_done();
		gprintf("bootsim: firmware %llu KiB (checksum %llx), kernel %llu KiB, page tables %llu KiB, %llu probes, working set %llu pages\n",
			fw->size >> 10, sum, kernel >> 10, pts.bytes >> 10,
			probes, ws);
	}

	/*
	 * The other vCPUs wait here for the boot. Then the "kernel" runs: its
	 * image and page tables are read again (what a zap-all after the
	 * probe makes fault a second time) and the working set is touched.
	 */
	zapvm_phase_sync(&bi, "workload");
	smp_share(&bi, (kernel + pts.bytes) / PAGE_SIZE, &first, &n);
	read_pages(bi.guest_base + first * PAGE_SIZE, n, PAGE_SIZE);
	smp_share(&bi, ws, &first, &n);
	touch_pages(ws_gpa + first * stride, n, stride);
	return 0;
}
