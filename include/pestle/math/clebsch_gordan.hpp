#pragma once
// Clebsch–Gordan coefficients ⟨j1 m1; j2 m2 | j m⟩ in the "doubled index" convention used by
// SNAP: every angular momentum and projection is passed as twice its value (2j, 2m), so half-integer
// values are plain integers. Racah's closed formula (Varshalovich, Moskalev & Khersonskii,
// "Quantum Theory of Angular Momentum", 8.2.1) evaluated in double precision.
// Everything is constexpr so that coupling tables for a compile-time twojmax are built by the compiler.
#include <cstdint>

namespace pestle::math {

/// n! as a double (exact up to 22!, correctly rounded products beyond; n <= 170).
constexpr double factorial(int n) noexcept {
  double f = 1.0;
  for (int k = 2; k <= n; ++k) f *= k;
  return f;
}

/// √x, correctly rounded, usable in constant expressions (std::sqrt is not constexpr in C++20); x >= 0.
constexpr double constexpr_sqrt(double x) noexcept {
  if (!(x > 0.0)) return 0.0;
  // Newton's iteration in extended precision from a power of two near √x
  long double g = 1.0L;
  while (g * g < x) g *= 2.0L;
  while (g * g > 4.0L * x) g *= 0.5L;
  for (int it = 0; it < 200; ++it) {
    const long double next = 0.5L * (g + x / g);
    if (next == g) break;
    g = next;
  }
  double r = static_cast<double>(g);
  // round correctly: r is right when x lies between (r - ulp/2)² and (r + ulp/2)²
  double p = 1.0;
  while (p * 2.0 <= r) p *= 2.0;
  while (p > r) p *= 0.5;
  const double ulp = p * 2.220446049250313e-16;
  const long double up = static_cast<long double>(r) + 0.5L * ulp, down = static_cast<long double>(r) - 0.5L * ulp;
  if (up * up < x) r += ulp;
  else if (down * down > x) r -= (r == p ? 0.5 * ulp : ulp);
  return r;
}

/// Clebsch–Gordan coefficient with doubled arguments: ⟨tj1/2 tm1/2; tj2/2 tm2/2 | tj/2 tm/2⟩.
/// Zero when the projections do not add up, a projection is out of range, or the triangle
/// condition fails.
constexpr double clebsch_gordan(int tj1, int tm1, int tj2, int tm2, int tj, int tm) noexcept {
  auto iabs = [](int v) { return v < 0 ? -v : v; };
  if (tm1 + tm2 != tm) return 0.0;
  if (iabs(tm1) > tj1 || iabs(tm2) > tj2 || iabs(tm) > tj) return 0.0;
  if (tj < iabs(tj1 - tj2) || tj > tj1 + tj2 || (tj1 + tj2 + tj) % 2 != 0) return 0.0;
  if ((tj1 + tm1) % 2 != 0 || (tj2 + tm2) % 2 != 0) return 0.0;
  // Racah: the sum over k of (-1)^k / [k! (j1+j2-j-k)! (j1-m1-k)! (j2+m2-k)! (j-j2+m1+k)! (j-j1-m2+k)!]
  const int a = (tj1 + tj2 - tj) / 2, b = (tj1 - tm1) / 2, c = (tj2 + tm2) / 2;
  const int d = (tj - tj2 + tm1) / 2, e = (tj - tj1 - tm2) / 2;
  int kmin = 0;
  if (-d > kmin) kmin = -d;
  if (-e > kmin) kmin = -e;
  int kmax = a;
  if (b < kmax) kmax = b;
  if (c < kmax) kmax = c;
  double sum = 0.0;
  for (int k = kmin; k <= kmax; ++k) {
    const double term = 1.0 / (factorial(k) * factorial(a - k) * factorial(b - k) * factorial(c - k) *
                               factorial(d + k) * factorial(e + k));
    sum += (k % 2 == 0) ? term : -term;
  }
  const double triangle = factorial((tj1 + tj2 - tj) / 2) * factorial((tj1 - tj2 + tj) / 2) *
                          factorial((-tj1 + tj2 + tj) / 2) / factorial((tj1 + tj2 + tj) / 2 + 1);
  const double projections = factorial((tj1 + tm1) / 2) * factorial((tj1 - tm1) / 2) * factorial((tj2 + tm2) / 2) *
                             factorial((tj2 - tm2) / 2) * factorial((tj + tm) / 2) * factorial((tj - tm) / 2) *
                             (tj + 1);
  return sum * constexpr_sqrt(triangle) * constexpr_sqrt(projections);
}

}  // namespace pestle::math
