// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bench statistics against known samples. Expected values were worked
 * out by hand from the formulas in benchstat.h with Student's t taken from
 * published tables (t(0.975, df): 1 12.706205, 2 4.302653, 4 2.776445,
 * 7 2.364624, 10 2.228139, 30 2.042272, 100 1.983972).
 */
#include <errno.h>
#include <math.h>

#include "tap.h"
#include "zapvm/benchstat.h"
#include "zapvm/util.h"

#define near(got, want, tol, ...) ok(fabs((got) - (want)) <= (tol), __VA_ARGS__)

static void test_t(void)
{
	static const struct {
		double df, t;
	} table[] = {
		{ 1, 12.706205 },  { 2, 4.302653 },  { 4, 2.776445 },
		{ 7, 2.364624 },   { 10, 2.228139 }, { 30, 2.042272 },
		{ 100, 1.983972 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		double t = benchstat__t_quantile(0.975, table[i].df);

		near(t, table[i].t, 1e-6, "t(0.975, %g) = %.6f (got %.9f)",
		     table[i].df, table[i].t, t);
	}
	near(benchstat__t_quantile(0.975, 1e7), 1.959964, 1e-6,
	     "t(0.975) tends to the normal 1.959964");
	near(benchstat__t_quantile(0.025, 7), -2.364624, 1e-6,
	     "t(0.025, 7) = -t(0.975, 7)");
	near(benchstat__t_quantile(0.5, 3), 0.0, 0.0, "median is 0");
	/* df = 1 is the Cauchy distribution: P(T <= 1) = 3/4 exactly. */
	near(benchstat__t_cdf(1.0, 1.0), 0.75, 1e-12, "Cauchy cdf(1) = 0.75");
	/* df = 2 has a closed form: P(T <= t) = 1/2 + t / (2 sqrt(2 + t^2)). */
	near(benchstat__t_cdf(1.5, 2.0), 0.5 + 1.5 / (2 * sqrt(4.25)), 1e-12,
	     "df = 2 cdf(1.5) in closed form");
	near(benchstat__t_cdf(-1.5, 2.0), 0.5 - 1.5 / (2 * sqrt(4.25)), 1e-12,
	     "df = 2 cdf(-1.5) in closed form");
	ok(isnan(benchstat__t_quantile(0.975, 0)), "df 0: NAN");
	ok(isnan(benchstat__t_quantile(1.0, 5)), "p 1: NAN");
	ok(isnan(benchstat__t_cdf(0.0, -1)), "cdf with df < 0: NAN");
}

static void test_summary(void)
{
	/* mean 5, squared deviations 32, variance 32/7, t(7) = 2.364624 */
	static const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	static const double same[] = { 18956, 18956, 18956 };
	static const double one[] = { 42 };
	static const double bad[] = { 1, NAN };
	struct bstat s;

	is_int(benchstat__summary(x, 8, &s), 0, "summary of 8 values");
	is_int(s.n, 8, "n");
	near(s.mean, 5.0, 1e-12, "mean 5");
	near(s.sd, 2.138090, 1e-6, "sd sqrt(32/7) = 2.138090");
	near(s.min, 2.0, 0.0, "min 2");
	near(s.max, 9.0, 0.0, "max 9");
	near(s.ci_lo, 3.212512, 1e-6, "95%% CI low 5 - 2.364624 * sd/sqrt 8");
	near(s.ci_hi, 6.787488, 1e-6, "95%% CI high 6.787488");

	is_int(benchstat__summary(same, 3, &s), 0, "identical values");
	ok(s.sd == 0.0 && s.ci_lo == 18956 && s.ci_hi == 18956,
	   "identical values: sd 0, interval collapses to the mean");

	is_int(benchstat__summary(one, 1, &s), 0, "one value");
	ok(s.mean == 42 && s.min == 42 && s.max == 42,
	   "one value: mean/min/max");
	ok(isnan(s.sd) && isnan(s.ci_lo) && isnan(s.ci_hi),
	   "one value: no sd, no interval");

	is_int(benchstat__summary(x, 0, &s), -EINVAL, "no values: -EINVAL");
	is_int(benchstat__summary(bad, 2, &s), -EINVAL, "NAN value: -EINVAL");
	ok(s.n == 0 && isnan(s.mean), "failed summary is all NAN");
}

static void test_ratio(void)
{
	static const double num[] = { 9, 10, 11 }; /* mean 10, va 1/3 */
	static const double den[] = { 18, 20, 22 }; /* mean 20, vb 4/3 */
	static const double flat[] = { 4, 4, 4 };
	static const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	static const double wild[] = { 0.5, 1, 4 }; /* mean 11/6, vb 43/36 */
	static const double zero[] = { -1, 0, 1 };
	struct bstat a, b;
	struct bratio r;

	/*
	 * va = r^2 vb = 1/3, so Welch gives df = 2 (n - 1) = 4, t = 2.776445:
	 * q = 400 - t^2 4/3, roots (200 -+ t sqrt(100 4/3 + 400/3 - t^2 4/9))
	 * / q = 0.397599, 0.628774.
	 */
	benchstat__summary(num, 3, &a);
	benchstat__summary(den, 3, &b);
	is_int(benchstat__ratio(&a, &b, &r), 0, "Fieller ratio");
	near(r.ratio, 0.5, 1e-12, "ratio 0.5");
	near(r.df, 4.0, 1e-9, "Welch df 4");
	ok(r.bounded, "bounded interval");
	near(r.lo, 0.397599, 1e-6, "Fieller low 0.397599 (got %.6f)", r.lo);
	near(r.hi, 0.628774, 1e-6, "Fieller high 0.628774 (got %.6f)", r.hi);

	/* A constant denominator: the mean's own interval divided by it. */
	benchstat__summary(x, 8, &a);
	benchstat__summary(flat, 3, &b);
	is_int(benchstat__ratio(&a, &b, &r), 0, "constant denominator");
	near(r.df, 7.0, 1e-9, "df = n_num - 1 = 7");
	near(r.lo, 3.212512 / 4, 1e-6, "low = CI low / 4");
	near(r.hi, 6.787488 / 4, 1e-6, "high = CI high / 4");

	/* Both constant: the interval is the point. */
	benchstat__summary(flat, 3, &a);
	is_int(benchstat__ratio(&a, &b, &r), 0, "both constant");
	ok(r.ratio == 1.0 && r.lo == 1.0 && r.hi == 1.0 && r.df == 4.0,
	   "both constant: [1, 1], df n + n - 2");

	/* t^2 vb >= b^2: the denominator may be 0, no finite interval. */
	benchstat__summary(num, 3, &a);
	benchstat__summary(wild, 3, &b);
	is_int(benchstat__ratio(&a, &b, &r), 0, "noisy denominator");
	ok(!r.bounded && isinf(r.lo) && r.lo < 0 && isinf(r.hi) && r.hi > 0,
	   "noisy denominator: unbounded");
	near(r.ratio, 60.0 / 11.0, 1e-12, "noisy denominator: ratio 60/11");

	benchstat__summary(zero, 3, &b);
	is_int(benchstat__ratio(&a, &b, &r), -EDOM, "zero mean: -EDOM");
	ok(isnan(r.ratio), "zero mean: NAN ratio");

	benchstat__summary(x, 1, &b);
	is_int(benchstat__ratio(&a, &b, &r), -EINVAL, "one run: -EINVAL");
	ok(r.ratio == 5.0 && isnan(r.lo), "one run: ratio without interval");
}

int main(void)
{
	test_t();
	test_summary();
	test_ratio();
	return tap_done();
}
