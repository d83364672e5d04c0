/* SPDX-License-Identifier: GPL-2.0-only */
/* What the libFuzzer targets share. */
#ifndef ZAPVM_FUZZ_H
#define ZAPVM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort (libFuzzer's crash) unless @cond holds. */
static inline void check(int cond)
{
	if (!cond)
		abort();
}

/*
 * The loader targets' preamble: data[1..2] pick the end of RAM below 4 GiB
 * (1 MiB to 3 GiB), data[3..5] the initrd size (16-byte steps).
 */
static inline uint64_t fuzz_low_end(const uint8_t *data)
{
	return ((uint64_t)(data[1] | data[2] << 8) % 3072 + 1) << 20;
}

static inline uint64_t fuzz_initrd_size(const uint8_t *data)
{
	return (uint64_t)(data[3] | data[4] << 8 | data[5] << 16) << 4;
}

/*
 * check_initrd - an initrd of @want bytes (0: none) placed at @gpa with
 * @size bytes: page-aligned, at or above @after, ending by @low_end.
 */
static inline void check_initrd(uint64_t gpa, uint64_t size, uint64_t want,
				uint64_t after, uint64_t low_end)
{
	if (!want) {
		check(!gpa);
		return;
	}
	check(!(gpa & 0xfff) && size == want);
	check(gpa >= after);
	check(gpa + want <= low_end);
}

#endif /* ZAPVM_FUZZ_H */
