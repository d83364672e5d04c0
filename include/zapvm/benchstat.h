/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The statistics of `zapvm bench`: summaries of repeated runs, the 95%
 * confidence interval of a mean (Student's t) and of a ratio of two means
 * (Fieller's theorem). Written here rather than taken from GSL because GSL
 * is GPL-3.0-or-later and zapvm is GPL-2.0-only.
 */
#ifndef ZAPVM_BENCHSTAT_H
#define ZAPVM_BENCHSTAT_H

#include <stdbool.h>

/* A sample of n runs. sd and the interval are NAN when n < 2. */
struct bstat {
	unsigned int n;
	double mean;
	double sd; /* sample standard deviation (n - 1 in the denominator) */
	double min, max;
	double ci_lo,
		ci_hi; /* 95% interval of the mean: mean -+ t * sd/sqrt(n) */
};

/*
 * benchstat__summary - mean, sample standard deviation, min, max and the
 * two-sided 95% confidence interval of the mean with Student's t at n - 1
 * degrees of freedom, of the @n values @x. Returns 0, or -EINVAL when @n is
 * 0 or a value is not finite (@out is then all NAN with n = 0).
 */
int benchstat__summary(const double *x, unsigned int n, struct bstat *out);

/*
 * benchstat__t_cdf - P(T <= @t) for Student's t with @df > 0 degrees of
 * freedom (not necessarily an integer); NAN for @df <= 0.
 */
double benchstat__t_cdf(double t, double df);

/*
 * benchstat__t_quantile - the @p quantile (0 < @p < 1) of Student's t with
 * @df > 0 degrees of freedom, to about 1e-10; NAN outside that domain.
 * benchstat__t_quantile(0.975, df) is the factor of a two-sided 95% interval.
 */
double benchstat__t_quantile(double p, double df);

/* The ratio of two means and its 95% interval. */
struct bratio {
	double ratio; /* mean(num) / mean(den); NAN when undefined */
	double lo, hi; /* -INFINITY / INFINITY when unbounded */
	double df; /* degrees of freedom used for t */
	bool bounded; /* false: the interval is not a finite range */
};

/*
 * benchstat__ratio - mean(@num) / mean(@den) of two independent samples and
 * its 95% interval by Fieller's theorem: the set of R for which
 * (a - R b)^2 <= t^2 (va + R^2 vb), with a, b the means and va, vb the
 * squared standard errors (sd^2 / n); t is Student's at the
 * Welch-Satterthwaite degrees of freedom of a - R b evaluated at the point
 * estimate (n_num + n_den - 2 when both variances are 0). When the
 * denominator's mean is not significantly different from 0
 * (t^2 vb >= b^2) the interval is unbounded: @out->bounded is false and
 * lo/hi are -INFINITY/INFINITY. Returns 0; -EDOM when mean(@den) is 0 (the
 * ratio is NAN); -EINVAL when a sample has fewer than 2 values (the ratio
 * is still computed, the interval is NAN).
 */
int benchstat__ratio(const struct bstat *num, const struct bstat *den,
		     struct bratio *out);

#endif /* ZAPVM_BENCHSTAT_H */
