#pragma once
// Initial designs in the unit cube [0,1]^d: random, Latin hypercube, Sobol, Halton and
// Hammersley. Sobol uses the direction numbers of Joe & Kuo (2008), "new-joe-kuo-6.21201"
// (docs/optimise.md), for up to sobol_max_dimension dimensions, in Gray-code order (the
// order of Antonov & Saleev, also used by scipy.stats.qmc.Sobol without scrambling).
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "pestle/core/error.hpp"

namespace pestle::optimise {

/// The random engine of the optimiser (fixed algorithm, so results depend only on the seed).
using Rng = std::mt19937_64;

/// Uniform double in [0,1) from the top 53 bits (not std::uniform_real_distribution, whose
/// algorithm the standard leaves to the library).
inline double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

/// Uniform integer in [0, n).
inline std::size_t uniform_index(Rng& rng, std::size_t n) {
  return static_cast<std::size_t>(uniform01(rng) * static_cast<double>(n)) % n;
}

/// Fisher-Yates shuffle driven by uniform_index (deterministic across standard libraries).
template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t k = v.size(); k > 1; --k) std::swap(v[k - 1], v[uniform_index(rng, k)]);
}

using Design = std::vector<std::vector<double>>;

enum class DesignKind { random, latin_hypercube, sobol, halton, hammersley };

inline DesignKind design_from_name(const std::string& name) {
  if (name == "random") return DesignKind::random;
  if (name == "lhs" || name == "latin_hypercube") return DesignKind::latin_hypercube;
  if (name == "sobol") return DesignKind::sobol;
  if (name == "halton") return DesignKind::halton;
  if (name == "hammersley") return DesignKind::hammersley;
  throw InputError("unknown initial design '" + name + "' (expected random, lhs, sobol, halton or hammersley)");
}

inline const char* design_name(DesignKind k) {
  switch (k) {
    case DesignKind::random: return "random";
    case DesignKind::latin_hypercube: return "lhs";
    case DesignKind::sobol: return "sobol";
    case DesignKind::halton: return "halton";
    case DesignKind::hammersley: return "hammersley";
  }
  return "?";
}

namespace detail::sobol {

/// One row of the Joe-Kuo table: degree s of the primitive polynomial, its inner
/// coefficients a (bits a_1..a_{s-1}, a_1 most significant) and the initial m_1..m_s.
struct Entry {
  unsigned s, a;
  std::array<std::uint32_t, 8> m;
};

// Dimensions 2..21 of new-joe-kuo-6.21201 (dimension 1 is the van der Corput sequence).
inline constexpr std::array<Entry, 20> table = {{
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
}};

inline constexpr unsigned bits = 32;

/// Direction numbers V_1..V_32 of one dimension (0-based), scaled by 2^32.
inline std::array<std::uint32_t, bits> directions(std::size_t dim) {
  std::array<std::uint32_t, bits> v{};
  if (dim == 0) {
    for (unsigned k = 0; k < bits; ++k) v[k] = std::uint32_t{1} << (bits - 1 - k);
    return v;
  }
  const Entry& e = table[dim - 1];
  std::array<std::uint32_t, bits> m{};
  for (unsigned k = 0; k < e.s; ++k) m[k] = e.m[k];
  // m_k = 2 a_1 m_{k-1} ^ 4 a_2 m_{k-2} ^ ... ^ 2^{s-1} a_{s-1} m_{k-s+1} ^ 2^s m_{k-s} ^ m_{k-s}
  for (unsigned k = e.s; k < bits; ++k) {
    std::uint32_t x = m[k - e.s] ^ (m[k - e.s] << e.s);
    for (unsigned j = 1; j < e.s; ++j)
      if ((e.a >> (e.s - 1 - j)) & 1u) x ^= m[k - j] << j;
    m[k] = x;
  }
  for (unsigned k = 0; k < bits; ++k) v[k] = m[k] << (bits - 1 - k);
  return v;
}

}  // namespace detail::sobol

inline constexpr std::size_t sobol_max_dimension = detail::sobol::table.size() + 1;

/// Sobol points 0..n-1 in d dimensions (point 0 is the origin).
inline Design sobol(std::size_t n, std::size_t d) {
  if (d > sobol_max_dimension)
    throw InputError("Sobol designs support up to " + std::to_string(sobol_max_dimension) + " dimensions, not " +
                     std::to_string(d));
  if (n > (std::size_t{1} << 31)) throw InputError("too many Sobol points");
  std::vector<std::array<std::uint32_t, detail::sobol::bits>> v(d);
  for (std::size_t j = 0; j < d; ++j) v[j] = detail::sobol::directions(j);
  Design out(n, std::vector<double>(d, 0.0));
  std::vector<std::uint32_t> x(d, 0);
  for (std::size_t i = 1; i < n; ++i) {
    // Gray code: point i differs from point i-1 in the direction of the lowest zero bit of i-1.
    unsigned c = 0;
    for (std::size_t b = i - 1; b & 1u; b >>= 1) ++c;
    for (std::size_t j = 0; j < d; ++j) {
      x[j] ^= v[j][c];
      out[i][j] = static_cast<double>(x[j]) * 0x1.0p-32;
    }
  }
  return out;
}

/// Radical inverse of i in base b (van der Corput).
inline double radical_inverse(std::uint64_t i, unsigned b) {
  double inv = 1.0 / b, f = inv, r = 0.0;
  for (; i > 0; i /= b, f *= inv) r += f * static_cast<double>(i % b);
  return r;
}

inline constexpr std::array<unsigned, 24> small_primes = {2,  3,  5,  7,  11, 13, 17, 19, 23, 29, 31, 37,
                                                          41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89};

/// Halton points 1..n (index 0, the origin, is skipped) in bases 2, 3, 5, ...
inline Design halton(std::size_t n, std::size_t d) {
  if (d > small_primes.size()) throw InputError("Halton designs support up to 24 dimensions");
  Design out(n, std::vector<double>(d));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) out[i][j] = radical_inverse(i + 1, small_primes[j]);
  return out;
}

/// Hammersley set of n points: ((i + 1/2)/n, φ_2(i), φ_3(i), ...), i = 0..n-1. The first
/// coordinate sits at the centre of its stratum, so no point lies on the cube's corner.
inline Design hammersley(std::size_t n, std::size_t d) {
  if (d > small_primes.size() + 1) throw InputError("Hammersley designs support up to 25 dimensions");
  Design out(n, std::vector<double>(d));
  for (std::size_t i = 0; i < n; ++i) {
    if (d > 0) out[i][0] = (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    for (std::size_t j = 1; j < d; ++j) out[i][j] = radical_inverse(i, small_primes[j - 1]);
  }
  return out;
}

/// Latin hypercube: in every dimension each of the n strata [k/n, (k+1)/n) holds one point.
inline Design latin_hypercube(std::size_t n, std::size_t d, Rng& rng) {
  Design out(n, std::vector<double>(d));
  std::vector<std::size_t> perm(n);
  for (std::size_t j = 0; j < d; ++j) {
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    shuffle(perm, rng);
    for (std::size_t i = 0; i < n; ++i)
      out[i][j] = (static_cast<double>(perm[i]) + uniform01(rng)) / static_cast<double>(n);
  }
  return out;
}

inline Design random_design(std::size_t n, std::size_t d, Rng& rng) {
  Design out(n, std::vector<double>(d));
  for (auto& p : out)
    for (auto& x : p) x = uniform01(rng);
  return out;
}

/// n points of the given kind; random and Latin-hypercube designs depend on the seed.
inline Design make_design(DesignKind kind, std::size_t n, std::size_t d, std::uint64_t seed) {
  Rng rng(seed);
  switch (kind) {
    case DesignKind::random: return random_design(n, d, rng);
    case DesignKind::latin_hypercube: return latin_hypercube(n, d, rng);
    case DesignKind::sobol: return sobol(n, d);
    case DesignKind::halton: return halton(n, d);
    case DesignKind::hammersley: return hammersley(n, d);
  }
  return {};
}

}  // namespace pestle::optimise
