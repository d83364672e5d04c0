/* SPDX-License-Identifier: GPL-2.0-only */
/* Little-endian bytes in the unit tests: crafted images, firmware tables. */
#ifndef ZAPVM_TEST_BYTES_H
#define ZAPVM_TEST_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* wr - store @v as a little-endian integer of @bytes bytes at @p + @off. */
static inline void wr(uint8_t *p, size_t off, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

/* rd - the little-endian integer of @bytes bytes at @p + @off. */
static inline uint64_t rd(const uint8_t *p, size_t off, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

/* sum - the 8-bit checksum of @len bytes (0 for a valid ACPI/MP table). */
static inline uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

#endif /* ZAPVM_TEST_BYTES_H */
