// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <math.h>

#include "zapvm/benchstat.h"

#define CF_MAX_ITER 500
#define CF_EPS 1e-15
#define CF_TINY 1e-300

/*
 * The continued fraction of the regularized incomplete beta function,
 * evaluated with the modified Lentz method; it converges quickly for
 * x < (a + 1) / (a + b + 2), which the caller ensures.
 */
static double beta_cf(double a, double b, double x)
{
	double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), f;

	if (fabs(d) < CF_TINY)
		d = CF_TINY;
	d = 1.0 / d;
	f = d;
	for (int m = 1; m <= CF_MAX_ITER; m++) {
		double num, delta;

		/* Even step: d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m)). */
		num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		d = fabs(d) < CF_TINY ? 1.0 / CF_TINY : 1.0 / d;
		c = fabs(c) < CF_TINY ? CF_TINY : c;
		f *= d * c;
		/* Odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)). */
		num = -(a + m) * (a + b + m) * x /
		      ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
		d = 1.0 + num * d;
		c = 1.0 + num / c;
		d = fabs(d) < CF_TINY ? 1.0 / CF_TINY : 1.0 / d;
		c = fabs(c) < CF_TINY ? CF_TINY : c;
		delta = d * c;
		f *= delta;
		if (fabs(delta - 1.0) < CF_EPS)
			break;
	}
	return f;
}

/* I_x(a, b), the regularized incomplete beta function, 0 <= x <= 1. */
static double beta_inc(double a, double b, double x)
{
	double front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		    b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_cf(a, b, x) / a;
	return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

/* P(T > t) for t >= 0, computed directly so small tails keep precision. */
static double t_upper(double t, double df)
{
	return 0.5 * beta_inc(df / 2.0, 0.5, df / (df + t * t));
}

double benchstat__t_cdf(double t, double df)
{
	if (!(df > 0.0) || isnan(t))
		return NAN;
	if (t >= 0.0)
		return 1.0 - t_upper(t, df);
	return t_upper(-t, df);
}

double benchstat__t_quantile(double p, double df)
{
	double tail, lo = 0.0, hi = 1.0;

	if (!(df > 0.0) || !(p > 0.0 && p < 1.0))
		return NAN;
	if (p == 0.5)
		return 0.0;
	if (p < 0.5)
		return -benchstat__t_quantile(1.0 - p, df);
	tail = 1.0 - p;
	/* t_upper() falls from 0.5 to 0 as t grows: bracket, then bisect. */
	while (t_upper(hi, df) > tail) {
		lo = hi;
		hi *= 2.0;
		if (hi > 1e300)
			return INFINITY;
	}
	for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
		double mid = 0.5 * (lo + hi);

		if (t_upper(mid, df) > tail)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

int benchstat__summary(const double *x, unsigned int n, struct bstat *out)
{
	double sum = 0.0, ss = 0.0, half;

	*out = (struct bstat){ 0, NAN, NAN, NAN, NAN, NAN, NAN };
	if (!n)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return -EINVAL;
	out->n = n;
	out->min = out->max = x[0];
	for (unsigned int i = 0; i < n; i++) {
		sum += x[i];
		out->min = fmin(out->min, x[i]);
		out->max = fmax(out->max, x[i]);
	}
	out->mean = sum / n;
	if (n < 2)
		return 0;
	/* Two passes: the deviations are small next to fault counts. */
	for (unsigned int i = 0; i < n; i++)
		ss += (x[i] - out->mean) * (x[i] - out->mean);
	out->sd = sqrt(ss / (n - 1));
	half = benchstat__t_quantile(0.975, n - 1) * out->sd / sqrt(n);
	out->ci_lo = out->mean - half;
	out->ci_hi = out->mean + half;
	return 0;
}

int benchstat__ratio(const struct bstat *num, const struct bstat *den,
		     struct bratio *out)
{
	double a = num->mean, b = den->mean, va, vb, r, v, w, t, t2, q, disc;

	*out = (struct bratio){ NAN, NAN, NAN, NAN, false };
	if (!num->n || !den->n || isnan(a) || isnan(b) || b == 0.0)
		return -EDOM;
	r = a / b;
	out->ratio = r;
	if (num->n < 2 || den->n < 2)
		return -EINVAL;
	va = num->sd * num->sd / num->n;
	vb = den->sd * den->sd / den->n;
	/* Welch-Satterthwaite for the variance of a - r b. */
	v = va + r * r * vb;
	w = va * va / (num->n - 1) + r * r * r * r * vb * vb / (den->n - 1);
	out->df = w > 0.0 ? v * v / w : (double)(num->n + den->n - 2);
	t = benchstat__t_quantile(0.975, out->df);
	t2 = t * t;
	q = b * b - t2 * vb;
	if (q <= 0.0) {
		out->lo = -INFINITY;
		out->hi = INFINITY;
		return 0;
	}
	/* Roots of q R^2 - 2 a b R + (a^2 - t^2 va) = 0. */
	disc = a * a * vb + b * b * va - t2 * va * vb;
	disc = disc > 0.0 ? sqrt(disc) : 0.0;
	out->lo = (a * b - t * disc) / q;
	out->hi = (a * b + t * disc) / q;
	out->bounded = true;
	return 0;
}
