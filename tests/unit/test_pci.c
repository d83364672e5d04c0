// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI core's config-space logic on a fake VM (no /dev/kvm): conf1,
 * BAR sizing, decoding and refusals, the ROM BAR's rom_update() calls,
 * read-only bits, functions that do not exist, registration errors, and
 * INTx on shared lines (KVM_IRQ_LINE caught by the ioctl() below).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"
#include "zapvm/bzimage.h"
#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/pci.h"
#include "zapvm/vmcore.h"
#include "zapvm/util.h"

#define WIN 0x40000000ULL
#define WIN_END 0x50000000ULL

static struct vm vm;
static struct vm_config cfg;

#define FAKE_VM_FD 1000 /* never a real descriptor here */
static int line_level[24]; /* the last KVM_IRQ_LINE level of each line */

/* Interposes on libc's: records KVM_IRQ_LINE on the fake VM fd. */
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == FAKE_VM_FD && req == KVM_IRQ_LINE) {
		const struct kvm_irq_level *l = arg;

		if (l->irq < 24)
			line_level[l->irq] = l->level;
		return 0;
	}
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

struct fake {
	struct pci_dev pci;
	unsigned int bar_calls, rom_calls, cfg_calls;
	uint64_t last_addr;
	bool rom_enabled;
	uint64_t rom_gpa;
	unsigned int cfg_off, cfg_len;
};

static int bar_io(struct vcpu *v, uint64_t addr, uint8_t *data, uint32_t len,
		  bool is_write, void *opaque)
{
	struct fake *f = opaque;

	f->bar_calls++;
	f->last_addr = addr;
	if (!is_write)
		memset(data, 0x42, len);
	return 0;
}

static int rom_update(struct pci_dev *d, bool enabled, uint64_t gpa,
		      void *opaque)
{
	struct fake *f = opaque;

	f->rom_calls++;
	f->rom_enabled = enabled;
	f->rom_gpa = gpa;
	return 0;
}

static void cfg_write(struct pci_dev *d, unsigned int off, unsigned int len,
		      void *opaque)
{
	struct fake *f = opaque;

	f->cfg_calls++;
	f->cfg_off = off;
	f->cfg_len = len;
}

static int pio(uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	const struct bus_range *r = bus__find(&vm.pio, port, len);

	if (!r)
		return -ENOENT;
	return r->handler(NULL, port, data, len, is_write, r->opaque);
}

static uint32_t io_in(uint64_t port, uint32_t len)
{
	uint8_t b[4] = { 0 };
	uint32_t v = 0;

	if (pio(port, b, len, false))
		return 0xdeadbeef;
	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)b[i] << (8 * i);
	return v;
}

static void io_out(uint64_t port, uint32_t len, uint32_t v)
{
	uint8_t b[4];

	for (uint32_t i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	pio(port, b, len, true);
}

#define BDF(bus, dev, fn) ((uint32_t)((bus) << 16 | (dev) << 11 | (fn) << 8))

static uint32_t cfg_rd(uint32_t bdf, unsigned int off, uint32_t len)
{
	io_out(PCI_CONF1_ADDR_PORT, 4, 0x80000000U | bdf | (off & 0xfc));
	return io_in(PCI_CONF1_DATA_PORT + (off & 3), len);
}

static void cfg_wr(uint32_t bdf, unsigned int off, uint32_t len, uint32_t v)
{
	io_out(PCI_CONF1_ADDR_PORT, 4, 0x80000000U | bdf | (off & 0xfc));
	io_out(PCI_CONF1_DATA_PORT + (off & 3), len, v);
}

/* A 4-byte MMIO read through the bus; 0 if no range claims it. */
static uint32_t mmio_rd(uint64_t gpa)
{
	const struct bus_range *r = bus__find(&vm.mmio, gpa, 4);
	uint8_t b[4] = { 0 };

	if (!r || r->handler(NULL, gpa, b, 4, false, r->opaque))
		return 0;
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static void fake_init(struct fake *f, const char *name, uint16_t devid)
{
	memset(f, 0, sizeof(*f));
	f->pci.name = name;
	f->pci.vendor_id = 0x1234;
	f->pci.device_id = devid;
	f->pci.class_code = 0xff0000;
	f->pci.irq_pin = 1;
	f->pci.opaque = f;
}

/* Linux's e820 map leaves the MMIO window out, whatever the RAM size. */
static void check_e820(void)
{
	static const uint64_t sizes[] = { 64ULL << 20, 3ULL << 30, 4ULL << 30,
					  64ULL << 30 };
	struct boot_e820_entry e[16];

	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		int n = bzimage__e820(sizes[i], e, 16);
		bool clash = false;

		for (int j = 0; j < n; j++)
			clash |= e[j].addr < PCI_MMIO_WINDOW_END &&
				 PCI_MMIO_WINDOW < e[j].addr + e[j].size;
		ok(n > 0 && !clash,
		   "%llu MiB of RAM: no e820 entry in the window",
		   (unsigned long long)(sizes[i] >> 20));
	}
}

static bool same(const char *got, const char *want)
{
	return got && !strcmp(got, want);
}

/* vm_config__has_pci(): --pci on/off, and auto by the PCI devices. */
static void check_has_pci(void)
{
	struct vm_config c = { 0 };

	ok(!vm_config__has_pci(&c), "auto, no device: no PCI");
	ok(vm_config__pci_user(&c) == NULL, "... no option adds a PCI device");
	c.pci = PCI_ON;
	ok(vm_config__has_pci(&c), "--pci on, no device: PCI");
	c.pci = PCI_AUTO;
	c.ndisks = 1;
	ok(vm_config__has_pci(&c), "auto with --disk: PCI");
	ok(same(vm_config__pci_user(&c), "--disk"), "... which --disk needs");
	c.pci = PCI_OFF;
	ok(!vm_config__has_pci(&c), "--pci off: no PCI, even with --disk");
	c = (struct vm_config){ .console = CONSOLE_VIRTIO };
	ok(vm_config__has_pci(&c), "auto with --console virtio: PCI");
	c = (struct vm_config){ .has_pci_rom = true };
	ok(vm_config__has_pci(&c), "auto with --pci-rom: PCI");
	ok(same(vm_config__pci_user(&c), "--pci-rom"), "... named --pci-rom");
	c.kernel = "bzImage";
	ok(same(vm_config__pci_user(&c), "--rom"), "... and --rom for Linux");
	c = (struct vm_config){ .nroms = 2 };
	ok(!vm_config__has_pci(&c), "auto with ROM regions only: no PCI");
}

int main(void)
{
	static struct fake a, b, c, extra[PCI_MAX_SLOTS];
	uint32_t sa, sb, a_bar0, a_io, a_rom, b_bar0;
	void *priv = NULL;
	unsigned int n, calls;
	int ret;

	log_level = LOG_QUIET;
	check_e820();
	bus__init(&vm.pio, "pio");
	bus__init(&vm.mmio, "mmio");
	vm.cfg = &cfg;
	vm.vm_fd = FAKE_VM_FD;
	vm.pci_window_set = true;
	vm.pci_mmio_base = WIN;
	vm.pci_mmio_end = WIN_END;

	check_has_pci();
	fake_init(&a, "a", 1);
	is_int(pci__register(&vm, &a.pci), -ENODEV,
	       "no bus before pci_device's init");

	/* --pci auto without a PCI device: no bus, nothing registered. */
	is_int(pci_device.init(&vm, &priv), 0, "no PCI device: init succeeds");
	ok(vm.pci == NULL && priv == NULL, "... and leaves vm->pci NULL");
	ok(!bus__find(&vm.pio, PCI_CONF1_ADDR_PORT, 4) &&
		   !bus__find(&vm.pio, PCI_CONF1_DATA_PORT, 4) &&
		   !bus__find(&vm.pio, PCI_IO_WINDOW, 1) &&
		   !bus__find(&vm.mmio, WIN, 4),
	   "... with no conf1 ports and no windows on the buses");
	is_int(pci__register(&vm, &a.pci), -ENODEV,
	       "... so a device finds no bus");
	pci_device.exit(&vm, priv);

	cfg.pci = PCI_ON;
	is_int(pci_device.init(&vm, &priv), 0, "host bridge init (--pci on)");
	ok(vm.pci != NULL, "vm->pci is set");

	/* The host bridge and functions that do not exist. */
	is_int(cfg_rd(BDF(0, 0, 0), 0, 4), 0x12378086, "00:00.0 is an i440FX");
	is_int(cfg_rd(BDF(0, 0, 0), 8, 4) >> 8, 0x060000,
	       "... with the host-bridge class");
	is_int(cfg_rd(BDF(1, 0, 0), 0, 4), 0xffffffff, "bus 1 reads all ones");
	is_int(cfg_rd(BDF(255, 31, 7), 0x3c, 2), 0xffff,
	       "bus 255 reads all ones as a word");
	is_int(cfg_rd(BDF(0, 0, 1), 0, 4), 0xffffffff,
	       "function 1 reads all ones");
	is_int(cfg_rd(BDF(0, 31, 0), 0, 1), 0xff, "empty slot 31: all ones");
	io_out(PCI_CONF1_ADDR_PORT, 4, 0x00000000);
	is_int(io_in(PCI_CONF1_DATA_PORT, 4), 0xffffffff,
	       "enable bit clear: all ones");
	io_out(PCI_CONF1_ADDR_PORT, 4, 0x81000000);
	is_int(io_in(PCI_CONF1_DATA_PORT, 4), 0xffffffff,
	       "extended-register bits set: all ones");
	io_out(PCI_CONF1_ADDR_PORT, 4, 0x80001237);
	is_int(io_in(PCI_CONF1_ADDR_PORT, 4), 0x80001234,
	       "address register reads back, low two bits clear");
	io_out(PCI_CONF1_ADDR_PORT + 3, 1, 0x01);
	is_int(io_in(PCI_CONF1_ADDR_PORT, 4), 0x80001234,
	       "a byte write to 0xcfb leaves it alone");
	is_int(io_in(PCI_CONF1_ADDR_PORT + 1, 2), 0xffff,
	       "a word read of 0xcf9 reads all ones");
	cfg_wr(BDF(3, 1, 0), 4, 4, 0xffffffff); /* nobody there: no effect */

	/* Two devices. */
	fake_init(&a, "a", 1);
	a.pci.bars[0] = (struct pci_bar){ PCI_BAR_MEM32, 4096, bar_io, &a };
	a.pci.bars[2] = (struct pci_bar){ PCI_BAR_IO, 16, bar_io, &a };
	a.pci.rom_size = 8192;
	a.pci.rom_update = rom_update;
	a.pci.cfg_write = cfg_write;
	a.pci.cap_ptr = 0x40;
	a.pci.cfg[0x40] = 0x09; /* a vendor capability, last in the list */
	a.pci.cfg[0x44] = 0x11;
	a.pci.wmask[0x44] = 0xff;
	is_int(pci__register(&vm, &a.pci), 0, "device a registers");
	fake_init(&b, "b", 2);
	b.pci.bars[0] = (struct pci_bar){ PCI_BAR_MEM32, 4096, bar_io, &b };
	is_int(pci__register(&vm, &b.pci), 0, "device b registers");
	sa = BDF(0, a.pci.slot, 0);
	sb = BDF(0, b.pci.slot, 0);
	is_int(a.pci.slot, 1, "a in slot 1");
	is_int(b.pci.slot, 2, "b in slot 2");
	is_int(cfg_rd(sa, 0, 4), 0x00011234, "a's ids");
	is_int(cfg_rd(sa, 2, 2), 0x0001, "a's device id as a word at 2");
	is_int(cfg_rd(sa, 3, 1), 0x00, "a byte at 0xcff");
	is_int(pci__irq_line(&a.pci), 10, "slot 1 INTA# is line 10");
	is_int(pci__irq_line(&b.pci), 11, "slot 2 INTA# is line 11");
	is_int(cfg_rd(sa, 0x3c, 2), 0x010a, "a: interrupt line 10, pin A");
	is_int(cfg_rd(sa, 6, 2) & 0x10, 0x10, "status shows the cap list");
	is_int(cfg_rd(sa, 0x34, 1), 0x40, "capabilities pointer");
	is_int(cfg_rd(sa, 0x40, 2), 0x0009, "the capability is visible");

	a_bar0 = cfg_rd(sa, 0x10, 4);
	a_io = cfg_rd(sa, 0x18, 4);
	a_rom = cfg_rd(sa, 0x30, 4);
	b_bar0 = cfg_rd(sb, 0x10, 4);
	ok(a_bar0 >= WIN && a_bar0 + 4096 <= WIN_END && !(a_bar0 & 0xfff),
	   "a's BAR0 assigned in the window, aligned (0x%x)", a_bar0);
	ok((a_io & 1) && (a_io & ~3U) >= PCI_IO_WINDOW && !(a_io & 0xc),
	   "a's I/O BAR in the I/O window (0x%x)", a_io);
	ok(a_rom >= WIN && !(a_rom & 0x1fff), "a's ROM BAR aligned, off");
	ok(b_bar0 != a_bar0 &&
		   (b_bar0 + 4096 <= a_bar0 || b_bar0 >= a_bar0 + 4096),
	   "b's BAR0 apart from a's");
	is_int(pci__bar_addr(&a.pci, 0), 0, "decoding off: BAR0 not mapped");

	/* Sizing. */
	cfg_wr(sa, 0x10, 4, 0xffffffff);
	is_int(cfg_rd(sa, 0x10, 4), 0xfffff000, "BAR0 sizes as 4 KiB");
	cfg_wr(sa, 0x10, 4, a_bar0);
	cfg_wr(sa, 0x18, 4, 0xffffffff);
	is_int(cfg_rd(sa, 0x18, 4), 0xfffffff1, "I/O BAR sizes as 16 ports");
	cfg_wr(sa, 0x18, 4, a_io);
	cfg_wr(sa, 0x30, 4, 0xfffff800);
	is_int(cfg_rd(sa, 0x30, 4), 0xffffe000, "ROM BAR sizes as 8 KiB");
	cfg_wr(sa, 0x30, 4, a_rom);
	cfg_wr(sa, 0x14, 4, 0xffffffff);
	is_int(cfg_rd(sa, 0x14, 4), 0, "an unimplemented BAR sizes as 0");
	is_int(a.rom_calls, 0, "sizing with decoding off: no rom_update");

	/* Decoding. */
	is_int(mmio_rd(a_bar0), 0xffffffff, "BAR0 off: all ones");
	is_int(a.bar_calls, 0, "... without calling the device");
	cfg_wr(sa, 4, 2, 0x0003);
	is_int(pci__bar_addr(&a.pci, 0), a_bar0, "memory decoding on: mapped");
	is_int(mmio_rd(a_bar0 + 8), 0x42424242, "BAR0 reaches the device");
	is_int(a.last_addr, a_bar0 + 8, "with the absolute address");
	is_int(io_in(a_io - 1 + 4, 2), 0x4242, "the I/O BAR reaches it too");
	is_int(a.rom_calls, 0, "memory decoding alone: ROM stays off");
	cfg_wr(sa, 0x30, 4, a_rom | 1);
	is_int(a.rom_calls, 1, "ROM enabled: one rom_update");
	ok(a.rom_enabled && a.rom_gpa == a_rom, "... enabled at its BAR");
	cfg_wr(sa, 0x30, 4, a_rom | 1);
	is_int(a.rom_calls, 1, "the same value again: no call");
	cfg_wr(sa, 0x32, 1, ((a_rom + 0x10000) >> 16) & 0xff);
	is_int(a.rom_calls, 2, "a byte write moves the enabled ROM");
	is_int(a.rom_gpa, a_rom + 0x10000, "... to the new address");
	cfg_wr(sa, 4, 1, 0x01);
	is_int(a.rom_calls, 3, "memory decoding off: ROM off");
	ok(!a.rom_enabled && !pci__bar_addr(&a.pci, 0), "... and BAR0 too");
	cfg_wr(sa, 4, 1, 0x03);
	is_int(a.rom_calls, 4, "decoding on again: ROM on");

	/* Moves and refusals. */
	calls = a.bar_calls;
	cfg_wr(sa, 0x10, 4, a_bar0 + 0x100000);
	is_int(pci__bar_addr(&a.pci, 0), a_bar0 + 0x100000, "BAR0 moved");
	is_int(mmio_rd(a_bar0), 0xffffffff, "the old address decodes nothing");
	is_int(mmio_rd(a_bar0 + 0x100000), 0x42424242, "the new one does");
	is_int(a.bar_calls, calls + 1, "one device call for the two reads");
	cfg_wr(sa, 0x10, 4, a_bar0);
	cfg_wr(sb, 4, 2, 0x0002);
	is_int(pci__bar_addr(&b.pci, 0), b_bar0, "b's BAR0 mapped");
	cfg_wr(sb, 0x10, 4, a_bar0);
	is_int(pci__bar_addr(&b.pci, 0), 0, "b's BAR0 over a's: refused");
	is_int(cfg_rd(sb, 0x10, 4), a_bar0, "... though the register holds it");
	calls = a.bar_calls;
	is_int(mmio_rd(a_bar0), 0x42424242, "a's BAR0 still reaches a");
	is_int(a.bar_calls, calls + 1, "... and not b");
	cfg_wr(sb, 0x10, 4, (uint32_t)WIN_END);
	is_int(pci__bar_addr(&b.pci, 0), 0, "b's BAR0 above the window: off");
	cfg_wr(sb, 0x10, 4, (uint32_t)WIN - 0x1000);
	is_int(pci__bar_addr(&b.pci, 0), 0, "b's BAR0 below the window: off");
	cfg_wr(sb, 0x10, 4, 0x100000);
	is_int(pci__bar_addr(&b.pci, 0), 0, "b's BAR0 over RAM: off");
	cfg_wr(sb, 0x10, 4, b_bar0);
	is_int(pci__bar_addr(&b.pci, 0), b_bar0, "b's BAR0 back: on");
	cfg_wr(sa, 0x30, 4, b_bar0 | 1);
	ok(a.rom_calls == 5 && !a.rom_enabled,
	   "a's ROM over b's BAR0: rom_update(off)");
	cfg_wr(sb, 0x10, 4, a_rom);
	is_int(pci__bar_addr(&b.pci, 0), a_rom,
	       "b's BAR0 where a's ROM is, but off: on");
	cfg_wr(sb, 0x10, 4, b_bar0);
	cfg_wr(sa, 0x30, 4, a_rom | 1);
	ok(a.rom_calls == 6 && a.rom_enabled && a.rom_gpa == a_rom,
	   "a's ROM home: on");
	cfg_wr(sb, 0x10, 4, a_rom);
	is_int(pci__bar_addr(&b.pci, 0), 0,
	       "b's BAR0 over a's enabled ROM: off");
	cfg_wr(sb, 0x10, 4, b_bar0);
	cfg_wr(sa, 0x18, 4, 0x3f8);
	is_int(pci__bar_addr(&a.pci, 2), 0, "I/O BAR on COM1: off");
	cfg_wr(sa, 0x18, 4, a_io);
	is_int(pci__bar_addr(&a.pci, 2), a_io & ~3U, "I/O BAR back on");
	cfg_wr(sa, 4, 2, 0x0002);
	is_int(pci__bar_addr(&a.pci, 2), 0, "I/O decoding off: I/O BAR off");
	is_int(io_in(a_io - 1, 1), 0xff, "... its ports read all ones");
	cfg_wr(sa, 4, 2, 0x0003);

	/* Read-only and reserved bits, odd sizes and offsets. */
	cfg_wr(sa, 0, 2, 0xdead);
	cfg_wr(sa, 0x0b, 1, 0x01);
	cfg_wr(sa, 0x0e, 1, 0x80);
	cfg_wr(sa, 0x3d, 2, 0xffff);
	cfg_wr(sa, 0x06, 2, 0xffff);
	cfg_wr(sa, 0x34, 1, 0x80);
	is_int(cfg_rd(sa, 0, 4), 0x00011234, "ids are read-only");
	is_int(cfg_rd(sa, 8, 4) >> 8, 0xff0000, "class is read-only");
	is_int(cfg_rd(sa, 0x0e, 1), 0, "header type is read-only");
	is_int(cfg_rd(sa, 0x3d, 1), 1, "interrupt pin is read-only");
	is_int(cfg_rd(sa, 0x06, 2), 0x10, "status is read-only");
	is_int(cfg_rd(sa, 0x34, 1), 0x40, "cap pointer is read-only");
	cfg_wr(sa, 0x3c, 1, 0x05);
	is_int(cfg_rd(sa, 0x3c, 1), 5, "interrupt line is writable");
	is_int(pci__irq_line(&a.pci), 10, "... but the wiring stays line 10");
	cfg_wr(sa, 4, 2, 0xffff);
	is_int(cfg_rd(sa, 4, 2), 0x0547, "only the writable command bits");
	n = a.cfg_calls;
	cfg_wr(sa, 0x40, 4, 0xffffffff);
	is_int(cfg_rd(sa, 0x40, 4), 0x0009, "capability header is read-only");
	cfg_wr(sa, 0x45, 1, 0x77);
	cfg_wr(sa, 0x44, 1, 0x77);
	is_int(cfg_rd(sa, 0x44, 2), 0x0077, "the device's wmask applies");
	is_int(a.cfg_calls, n + 3, "cfg_write for each write past the header");
	ok(a.cfg_off == 0x44 && a.cfg_len == 1, "... with offset and length");
	n = a.cfg_calls;
	cfg_wr(sa, 0x3c, 1, 0x0a);
	is_int(a.cfg_calls, n, "no cfg_write for header writes");
	is_int(cfg_rd(sa, 0xfc, 4), 0, "unused config space reads 0");

	/* INTx: line 10 is shared by slots 1 and 3; INTx Disable masks. */
	cfg_wr(sa, 4, 2, 0x0003); /* INTx Disable clear again */
	fake_init(&c, "c", 3);
	is_int(pci__register(&vm, &c.pci), 0, "device c registers");
	is_int(pci__irq_line(&c.pci), 10, "c (slot 3) shares line 10 with a");
	is_int(pci__set_irq(&a.pci, 1), 0, "a asserts INTA#");
	is_int(line_level[10], 1, "line 10 high");
	pci__set_irq(&c.pci, 1);
	pci__set_irq(&a.pci, 0);
	is_int(line_level[10], 1, "a deasserts, c still asserts: line high");
	cfg_wr(BDF(0, c.pci.slot, 0), 4, 2, 0x0400);
	is_int(line_level[10], 0, "c's INTx Disable set: line low");
	pci__set_irq(&a.pci, 1);
	is_int(line_level[10], 1, "a asserts again: high");
	pci__set_irq(&a.pci, 0);
	is_int(line_level[10], 0, "a deasserts, c disabled: low");
	cfg_wr(BDF(0, c.pci.slot, 0), 4, 2, 0x0000);
	is_int(line_level[10], 1,
	       "c's INTx Disable cleared: its level is back");
	pci__set_irq(&b.pci, 1);
	is_int(line_level[11], 1, "b (slot 2) drives line 11");
	pci__set_irq(&c.pci, 0);
	is_int(line_level[10], 0, "c deasserts: line 10 low");
	ok(line_level[11] == 1, "... line 11 unaffected");
	pci__set_irq(&c.pci, 1);
	pci__unregister(&c.pci);
	is_int(line_level[10], 0, "c unregistered while asserting: line low");
	pci__set_irq(&b.pci, 0);

	/* Registration errors. */
	fake_init(&c, "bad", 3);
	c.pci.bars[0] = (struct pci_bar){ PCI_BAR_MEM32, 3000, bar_io, &c };
	is_int(pci__register(&vm, &c.pci), -EINVAL, "BAR size 3000 refused");
	fake_init(&c, "bad", 3);
	c.pci.rom_size = 1024;
	c.pci.rom_update = rom_update;
	is_int(pci__register(&vm, &c.pci), -EINVAL, "1 KiB ROM refused");
	fake_init(&c, "bad", 3);
	c.pci.rom_size = 4096;
	is_int(pci__register(&vm, &c.pci), -EINVAL, "ROM without rom_update");
	fake_init(&c, "bad", 3);
	c.pci.bars[0] = (struct pci_bar){ PCI_BAR_MEM32, 1U << 30, bar_io, &c };
	is_int(pci__register(&vm, &c.pci), -ENOSPC,
	       "a BAR larger than the window: no space");
	fake_init(&c, "bad", 3);
	c.pci.irq_pin = 5;
	is_int(pci__register(&vm, &c.pci), -EINVAL, "interrupt pin 5 refused");
	n = 0;
	for (unsigned int i = 0; i < PCI_MAX_SLOTS; i++) {
		fake_init(&extra[i], "extra", 0x100 + i);
		ret = pci__register(&vm, &extra[i].pci);
		if (ret)
			break;
		n++;
	}
	is_int(n, PCI_MAX_SLOTS - 3, "29 more devices fill bus 0");
	is_int(ret, -ENOSPC, "the 33rd slot: -ENOSPC");
	is_int(cfg_rd(BDF(0, 31, 0), 2, 2), 0x100 + 28, "slot 31 answers");
	is_int(pci__irq_line(&extra[0].pci), 10, "slot 3 INTA# is line 10");

	pci__unregister(&b.pci);
	is_int(cfg_rd(sb, 0, 4), 0xffffffff, "unregistered b: all ones");
	is_int(pci__bar_addr(&b.pci, 0), 0, "... and unmapped");
	for (unsigned int i = 0; i < n; i++)
		pci__unregister(&extra[i].pci);
	pci__unregister(&a.pci);
	pci_device.exit(&vm, priv);
	ok(vm.pci == NULL, "exit clears vm->pci");
	ok(!bus__find(&vm.pio, PCI_CONF1_ADDR_PORT, 4) &&
		   !bus__find(&vm.mmio, WIN, 4),
	   "exit frees the ports and the window");
	bus__exit(&vm.pio);
	bus__exit(&vm.mmio);
	return tap_done();
}
