/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Force-included (-include) into every C file of the rig's KVM selftests.
 * 6.1.192's dirty_log_test.c uses TEST_ASSERT_EQ(), backported from a later
 * kernel without the macro itself, so the stock tree does not link.  Define
 * it the way upstream test_util.h does; the rig passes this header only
 * when the tree's test_util.h lacks it.  TEST_ASSERT() comes from
 * test_util.h when the macro is used.
 */
#ifndef __ASSEMBLER__
#define TEST_ASSERT_EQ(a, b)                                                \
	do {                                                                \
		typeof(a) __a = (a);                                        \
		typeof(b) __b = (b);                                        \
		TEST_ASSERT(__a == __b,                                     \
			    "%s == %s failed.\n\t%s is %#lx\n\t%s is %#lx", \
			    #a, #b, #a, (unsigned long)__a, #b,             \
			    (unsigned long)__b);                            \
	} while (0)
#endif
