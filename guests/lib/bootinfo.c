// SPDX-License-Identifier: GPL-2.0-only
/* Boot information from the FDT (layout in guest_abi.h) and zapvm,args. */
#include <libfdt.h>
#include <string.h>

#include "guest.h"

/* "reg" as one <u64 base, u64 size> pair (2 address and 2 size cells). */
static void fdt_reg(const void *fdt, int node, zu64 *base, zu64 *size)
{
	const fdt64_t *reg;
	int len;

	reg = fdt_getprop(fdt, node, "reg", &len);
	GUEST_ASSERT_EQ(len, 16);
	*base = fdt64_ld(&reg[0]);
	*size = fdt64_ld(&reg[1]);
}

static zu32 fdt_u32(const void *fdt, int node, const char *name)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, name, &len);
	GUEST_ASSERT_EQ(len, 4);
	return fdt32_ld(p);
}

static void parse_rom(struct boot_info *bi, int node)
{
	struct guest_rom *rom;
	zu32 index;

	index = fdt_u32(bi->fdt, node, "zapvm,index");
	GUEST_ASSERT(index < GUEST_MAX_ROMS);
	rom = &bi->rom[index];
	GUEST_ASSERT(!rom->present);
	rom->present = true;
	rom->index = index;
	rom->mapped = fdt_u32(bi->fdt, node, "zapvm,mapped");
	fdt_reg(bi->fdt, node, &rom->gpa, &rom->size);
	if (index >= bi->nr_roms)
		bi->nr_roms = index + 1;
}

void boot_info__parse(struct boot_info *bi, const void *fdt, unsigned int cpu)
{
	const fdt64_t *base;
	zu64 ram_base;
	int node, len;

	memset(bi, 0, sizeof(*bi));
	bi->fdt = fdt;
	bi->cpu = cpu;
	GUEST_ASSERT_EQ(fdt_check_header(fdt), 0);
	GUEST_ASSERT(!fdt_node_check_compatible(fdt, 0, ZAPVM_FDT_COMPATIBLE));

	node = fdt_path_offset(fdt, "/memory@0");
	GUEST_ASSERT(node >= 0);
	fdt_reg(fdt, node, &ram_base, &bi->ram_size);
	GUEST_ASSERT_EQ(ram_base, 0);

	node = fdt_path_offset(fdt, "/cpus");
	GUEST_ASSERT(node >= 0);
	bi->ncpus = fdt_u32(fdt, node, "#cpus");
	GUEST_ASSERT(cpu < bi->ncpus && bi->ncpus <= ZAPVM_MAX_CPUS);

	for (node = fdt_first_subnode(fdt, 0); node >= 0;
	     node = fdt_next_subnode(fdt, node)) {
		const char *name = fdt_get_name(fdt, node, &len);

		if (name && len > 4 && !memcmp(name, "rom@", 4))
			parse_rom(bi, node);
	}

	node = fdt_path_offset(fdt, "/chosen");
	GUEST_ASSERT(node >= 0);
	base = fdt_getprop(fdt, node, "zapvm,guest-base", &len);
	GUEST_ASSERT_EQ(len, 8);
	bi->guest_base = fdt64_ld(base);
	GUEST_ASSERT(bi->guest_base >= ZAPVM_BOOT_END &&
		     bi->guest_base <= bi->ram_size);
	/* How much GPA space is mapped, and so open to ROM_MOVE. */
	base = fdt_getprop(fdt, node, "zapvm,gpa-top", &len);
	GUEST_ASSERT_EQ(len, 8);
	bi->gpa_top = fdt64_ld(base);
	GUEST_ASSERT(bi->ram_size <= bi->gpa_top);
	/* The string is NUL-terminated unless the FDT is corrupt. */
	bi->args = fdt_getprop(fdt, node, "zapvm,args", &len);
	if (!bi->args || len <= 0)
		bi->args = "";
	else
		GUEST_ASSERT_EQ(bi->args[len - 1], '\0');
}

struct guest_rom *boot_info__rom(struct boot_info *bi, unsigned int index)
{
	GUEST_ASSERT(index < GUEST_MAX_ROMS && bi->rom[index].present);
	return &bi->rom[index];
}

bool boot_info__fits(const struct boot_info *bi, zu64 gpa, zu64 len)
{
	zu64 end;

	return !__builtin_add_overflow(gpa, len, &end) && end <= bi->ram_size;
}

zu64 boot_info__free_gpa(const struct boot_info *bi, zu64 from, zu64 size)
{
	zu64 gpa = align_up(from > bi->ram_size ? from : bi->ram_size, SZ_2M);
	unsigned int i;

again:
	for (i = 0; i < bi->nr_roms; i++) {
		const struct guest_rom *r = &bi->rom[i];

		if (r->present && gpa < r->gpa + r->size &&
		    r->gpa < gpa + size) {
			gpa = align_up(r->gpa + r->size, SZ_2M);
			goto again;
		}
	}
	if (size > bi->gpa_top || gpa > bi->gpa_top - size)
		return 0;
	return gpa;
}

/* The next "key=value" word of @p: sets *@word and *@len, returns the rest. */
static const char *next_word(const char *p, const char **word, size_t *len)
{
	while (*p == ' ')
		p++;
	*word = p;
	while (*p && *p != ' ')
		p++;
	*len = p - *word;
	return p;
}

const char *arg_str(const struct boot_info *bi, const char *key, size_t *len)
{
	size_t klen = strlen(key), wlen;
	const char *p = bi->args, *w;

	for (p = next_word(p, &w, &wlen); wlen; p = next_word(p, &w, &wlen)) {
		if (wlen > klen && w[klen] == '=' && !memcmp(w, key, klen)) {
			*len = wlen - klen - 1;
			return w + klen + 1;
		}
	}
	return NULL;
}

bool arg_is(const struct boot_info *bi, const char *key, const char *value)
{
	const char *v;
	size_t len;

	v = arg_str(bi, key, &len);
	return v && len == strlen(value) && !memcmp(v, value, len);
}

zu64 arg_u64(const struct boot_info *bi, const char *key, zu64 def)
{
	const char *units = "KMG", *unit, *v;
	char *end;
	size_t len;
	zu64 val;
	int shift = 0;

	v = arg_str(bi, key, &len);
	if (!v)
		return def;
	val = strtoul(v, &end, 0);
	/* & ~0x20 upper-cases a letter: k, m, g are accepted too. */
	if (end < v + len && (unit = memchr(units, *end & ~0x20, 3))) {
		shift = 10 * (unit - units + 1);
		end++;
	}
	if (end == v || end != v + len || *v == '-' || val == ~0ULL ||
	    (val << shift) >> shift != val) {
		gprintf("zapvm,args: bad number in %s=%.*s\n", key, (int)len,
			v);
		GUEST_ASSERT(!"zapvm,args value: a number, optional K/M/G");
	}
	return val << shift;
}

void args_check(const struct boot_info *bi, const char *known)
{
	const char *p = bi->args, *w, *k, *eq;
	size_t wlen, klen;

	for (p = next_word(p, &w, &wlen); wlen; p = next_word(p, &w, &wlen)) {
		const char *q = known;
		bool found = false;

		eq = memchr(w, '=', wlen);
		if (eq) {
			for (q = next_word(q, &k, &klen); klen && !found;
			     q = next_word(q, &k, &klen))
				found = klen == (size_t)(eq - w) &&
					!memcmp(k, w, klen);
		}
		if (!found) {
			gprintf("zapvm,args: unknown argument '%.*s' (known: %s)\n",
				(int)wlen, w, known);
			GUEST_ASSERT(!"zapvm,args: only known key=value");
		}
	}
}
