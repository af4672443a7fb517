#pragma once
// SOAP power spectrum (Bartók, Kondor, Csányi, PRB 87, 184115 (2013)) in the exact convention
// of QUIP/GAP's `soap` descriptor (descriptors.F90, soap_calc, radial_basis=EQUISPACED_GAUSS),
// so that GAP XML potentials evaluate to QUIP's numbers. Formulas and layout: docs/soap.md.
//
// Per centre i, with neighbours j (r_ij < cutoff, species in species_Z):
//   c_{(s,n) l m} = Σ_{j of species s} f_cut(r_ij) R_nl(r_ij) Y_lm(r̂_ij)
//                   + central_weight · R⁰_n · Y_00   (l = 0; the centre's own Gaussian)
//   P_l(a,b) = (2l+1)^{-1/2} Σ_m c_{a l m} c_{b l m} · (√2 if a ≠ b),  b ≤ a
//   q = P / |P| followed by covariance_sigma0.
// The radial basis R_nl is a policy (QuipGaussRadial by default, below).
//
// Derivatives: compute_with_derivatives() gives every ∂q/∂r_ij (layout of descriptor.hpp);
// evaluate() is the adjoint: dE/dq → dE/dP (through the normalisation) → dE/dc (a small
// symmetric matrix product per l) → per neighbour ∂E/∂r_ij; no ∂q/∂r is ever formed.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/types.hpp"
#include "pestle/descriptors/descriptor.hpp"
#include "pestle/math/spherical_bessel.hpp"
#include "pestle/math/spherical_harmonics.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle {

struct SoapParams {
  double cutoff = 5.0;                   ///< Å
  double cutoff_transition_width = 0.5;  ///< Å, cosine switch over [cutoff - width, cutoff]
  int n_max = 8, l_max = 6;
  double atom_sigma = 0.5;               ///< Å
  double central_weight = 1.0;
  std::vector<int> species_Z;            ///< neighbour-density channels in this order; empty = one channel, all species
  std::vector<int> center_Z;             ///< QUIP's Z: centres this descriptor applies to; empty = all
  bool central_reference_all_species = true;  ///< QUIP: T for one species, F for n_species > 1
  bool normalise = true;
  double covariance_sigma0 = 0.0;        ///< QUIP appends this as the last element
  double basis_error_exponent = 10.0;    ///< QUIP radial basis extent

  static constexpr int max_n = 64;  ///< sanity limits (the radial Gram matrix degenerates long before)
  static constexpr int max_l = 40;

  /// InputError on nonsense.
  void validate() const {
    auto bad = [](const std::string& what) { throw InputError("SOAP: " + what); };
    if (!(cutoff > 0.0) || !std::isfinite(cutoff)) bad("cutoff must be a positive finite number of Å");
    if (!(cutoff_transition_width >= 0.0) || !std::isfinite(cutoff_transition_width))
      bad("cutoff_transition_width must be >= 0");
    if (cutoff_transition_width > cutoff) bad("cutoff_transition_width must not exceed the cutoff");
    if (n_max < 1 || n_max > max_n) bad("n_max must lie in [1, " + std::to_string(max_n) + "]");
    if (l_max < 0 || l_max > max_l) bad("l_max must lie in [0, " + std::to_string(max_l) + "]");
    if (!(atom_sigma > 0.0) || !std::isfinite(atom_sigma)) bad("atom_sigma must be a positive finite number of Å");
    if (!std::isfinite(central_weight)) bad("central_weight must be finite");
    if (!std::isfinite(covariance_sigma0)) bad("covariance_sigma0 must be finite");
    if (!(basis_error_exponent > 0.0) || !std::isfinite(basis_error_exponent))
      bad("basis_error_exponent must be positive");
    for (std::size_t a = 0; a < species_Z.size(); ++a) {
      if (!is_atomic_number(species_Z[a])) bad("species_Z holds an unknown atomic number " + std::to_string(species_Z[a]));
      for (std::size_t b = 0; b < a; ++b)
        if (species_Z[a] == species_Z[b]) bad("species_Z lists " + std::to_string(species_Z[a]) + " twice");
    }
    for (int z : center_Z)
      if (!is_atomic_number(z)) bad("center_Z holds an unknown atomic number " + std::to_string(z));
  }
};

namespace detail {
/// Σ a_k b_k with eight partial sums: without -ffast-math the compiler keeps a single sum in
/// order (one dependent add per element), which made this the hottest loop of the gradients.
inline double soap_dot(const double* __restrict a, const double* __restrict b, std::size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (std::size_t j = 0; j < 8; ++j) acc[j] += a[k + j] * b[k + j];
  double sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; k < n; ++k) sum += a[k] * b[k];
  return sum;
}

/// One pair (a, b) of a neighbour's ∂P rows, all l at once (l fastest, as in the vector):
///   ∂P_l(a,b) = w_l [(ρ'_a S_b + ρ'_b S_a) û + ρ_a V_b + ρ_b V_a],  w_l = f (2l+1)^(-1/2).
/// A free function of plain pointers so that the compiler sees no aliasing and vectorises over l.
struct SoapPairRows {
  const double *R, *dR, *S, *Vx, *Vy, *Vz, *t;
  std::size_t L1;
  void write(std::size_t a, std::size_t b, double f, double ux, double uy, double uz, double* __restrict ox,
             double* __restrict oy, double* __restrict oz) const {
    const std::size_t ia = a * L1, ib = b * L1;
    for (std::size_t l = 0; l < L1; ++l) {
      const double w = f * t[l];
      const double radial = (dR[ia + l] * S[ib + l] + dR[ib + l] * S[ia + l]) * w;
      ox[l] = radial * ux + (R[ia + l] * Vx[ib + l] + R[ib + l] * Vx[ia + l]) * w;
      oy[l] = radial * uy + (R[ia + l] * Vy[ib + l] + R[ib + l] * Vy[ia + l]) * w;
      oz[l] = radial * uz + (R[ia + l] * Vz[ib + l] + R[ib + l] * Vz[ia + l]) * w;
    }
  }
};

/// out[row·out_stride + k] = Σ_a in[row·in_stride + a] T[a·nk + k] for `rows` rows (P = na).
/// Loop order a → row → k: consecutive updates go to different rows, so there is no chain of
/// dependent stores on one row, and the k loop vectorises.
inline void soap_transform_rows(const double* in, std::size_t in_stride, double* out, std::size_t out_stride,
                                std::size_t rows, const double* T, std::size_t na, std::size_t nk) {
  for (std::size_t row = 0; row < rows; ++row) std::fill(out + row * out_stride, out + row * out_stride + nk, 0.0);
  for (std::size_t a = 0; a < na; ++a) {
    const double* __restrict Ta = T + a * nk;
    for (std::size_t row = 0; row < rows; ++row) {
      const double v = in[row * in_stride + a];
      double* __restrict o = out + row * out_stride;
      for (std::size_t k = 0; k < nk; ++k) o[k] += v * Ta[k];
    }
  }
}
}  // namespace detail

/// QUIP's EQUISPACED_GAUSS radial basis. Primitive functions are Gaussians of width atom_sigma
/// centred at r_a = a·Δ (a = 0..n_max-1, Δ = r_b/n_max, r_b = cutoff + σ·sqrt(2·ε·ln 10));
/// the neighbour's Gaussian projects onto them through
///   f_la(r) = i_l(2α r r_a) · exp(-α (r² + r_a²)),   α = 1/(2σ²),
/// and the result is orthonormalised by T = C⁻¹ L, where C_ab = exp(-α (r_a - r_b)²) and L is
/// the Cholesky factor of the overlap matrix S of the r²-weighted primitives (S = L Lᵀ):
///   R_nl(r) = Σ_a f_la(r) T_an.
/// The centre's own Gaussian (r = 0, l = 0 only) has the coefficients R⁰_n = L_0n.
class QuipGaussRadial {
 public:
  struct Scratch {
    std::vector<double> bessel, bessel_scratch, f, df, x, g;
  };

  PESTLE_RUNTIME_INLINE explicit QuipGaussRadial(const SoapParams& p);

  int n_max() const noexcept { return n_; }
  int l_max() const noexcept { return l_max_; }
  double alpha() const noexcept { return alpha_; }
  const std::vector<double>& centres() const noexcept { return centres_; }
  /// T_an, row-major (a, n).
  const std::vector<double>& transform() const noexcept { return transform_; }

  Scratch make_scratch() const {
    const auto nl = static_cast<std::size_t>(n_ * (l_max_ + 1));
    const auto n = static_cast<std::size_t>(n_);
    return Scratch{std::vector<double>(static_cast<std::size_t>(l_max_ + 2) * n), std::vector<double>(3 * n),
                   std::vector<double>(nl), std::vector<double>(nl), std::vector<double>(n), std::vector<double>(n)};
  }

  /// l = 0 coefficient of the centre's own Gaussian in channel n (multiply by Y_00).
  double central(int n) const { return central_[static_cast<std::size_t>(n)]; }

  /// Number of primitive functions P (here n_max Gaussians).
  int primitive_count() const noexcept { return n_; }

  /// T_l: P × n_max row-major, R_nl = Σ_a f_la T_l(a, n). QUIP uses one T for every l.
  const double* transform(int /*l*/) const noexcept { return transform_.data(); }

  /// Primitives f[l·P + a] = i_l(2α r r_a) exp(-α (r² + r_a²)) and, if df is not empty, their
  /// r-derivatives, for l = 0 .. l_max.
  void primitives(double r, std::span<double> f, std::span<double> df, Scratch& sc) const {
    const auto L1 = static_cast<std::size_t>(l_max_ + 1);
    const auto n = static_cast<std::size_t>(n_);
    const bool grad = !df.empty();
    double* x = sc.x.data();
    double* g = sc.g.data();
    for (std::size_t a = 0; a < n; ++a) {
      const double ra = centres_[a];
      x[a] = 2.0 * alpha_ * r * ra;
      g[a] = std::exp(-alpha_ * (r - ra) * (r - ra));  // exp(-α(r²+r_a²)) · e^{x}
    }
    // scaled i_l for every basis centre at once, orders 0 .. l_max+1 (the last for the derivative)
    math::scaled_modified_spherical_bessel(std::span<const double>(x, n), l_max_ + 1, sc.bessel, sc.bessel_scratch);
    const double* bes = sc.bessel.data();  // bes[l·n + a]
    for (std::size_t l = 0; l < L1; ++l) {
      const double* bl = bes + l * n;
      const double* bl1 = bl + n;
      double* fl = f.data() + l * n;
      const double lr = static_cast<double>(l) / r;
      for (std::size_t a = 0; a < n; ++a) fl[a] = bl[a] * g[a];
      if (!grad) continue;
      double* dfl = df.data() + l * n;
      // d/dr [i_l(x) e^{-α(r²+r_a²)}] with i_l'(x) = i_{l+1}(x) + (l/x) i_l(x), x = 2α r r_a
      for (std::size_t a = 0; a < n; ++a)
        dfl[a] = -2.0 * alpha_ * r * fl[a] + 2.0 * alpha_ * centres_[a] * bl1[a] * g[a] + (x[a] > 0.0 ? lr * fl[a] : 0.0);
    }
  }

  /// R[l·n_max + n] = R_nl(r) and, if dR is not empty, dR = dR_nl/dr (no cutoff function).
  void evaluate(double r, std::span<double> R, std::span<double> dR, Scratch& sc) const {
    const auto L1 = static_cast<std::size_t>(l_max_ + 1);
    const auto n = static_cast<std::size_t>(n_);
    const bool grad = !dR.empty();
    primitives(r, sc.f, grad ? std::span<double>(sc.df) : std::span<double>(), sc);
    detail::soap_transform_rows(sc.f.data(), n, R.data(), n, L1, transform_.data(), n, n);
    if (grad) detail::soap_transform_rows(sc.df.data(), n, dR.data(), n, L1, transform_.data(), n, n);
  }

 private:
  int n_, l_max_;
  double alpha_ = 0.0;
  std::vector<double> centres_, transform_, central_;
};

/// The SOAP power spectrum in QUIP's layout (header comment; docs/soap.md).
template <class Radial = QuipGaussRadial>
class Soap {
 public:
  using radial_type = Radial;

  /// One neighbour of the current centre that enters the density.
  struct Neighbour {
    std::size_t entry;  ///< position in the centre's neighbour-list row
    int j;              ///< atom index
    int channel;        ///< species channel s
    Vec3 r;             ///< displacement r_ij
    double d;           ///< |r_ij|
    double fc, dfc;     ///< cutoff function and its derivative
  };

  struct Workspace {
    math::RealSphericalHarmonics ylm;
    typename Radial::Scratch radial;
    std::vector<Neighbour> neighbours;
    std::vector<double> y, dy;        ///< per neighbour: Y (n_lm) and ∂Y/∂r (3·n_lm)
    std::vector<double> f, df;        ///< per neighbour: f_cut·primitives and r-derivative ((l_max+1)·P)
    std::vector<double> rho, drho;    ///< one neighbour: f_cut·R_nl and its r-derivative ((l_max+1)·n_max)
    std::vector<double> cp;           ///< density in the primitive basis cp[lm·KP + channel·P + a]
    std::vector<double> c;            ///< density coefficients c[lm·K + channel·n_max + n]
    std::vector<double> p;            ///< unnormalised power spectrum (size())
    std::vector<double> de_dq, de_dc, de_dcp;  ///< adjoint work (dE/dq, dE/dc, dE/dcp)
    std::vector<double> sv;           ///< per neighbour gradient work: S_bl and V_bl
    std::vector<double> dp;           ///< one neighbour's unnormalised derivative rows (3·size())
  };

  explicit Soap(SoapParams p) : p_((p.validate(), std::move(p))), radial_(p_) {
    channels_ = p_.species_Z.empty() ? 1 : static_cast<int>(p_.species_Z.size());
    K_ = static_cast<std::size_t>(channels_ * p_.n_max);
    L1_ = static_cast<std::size_t>(p_.l_max + 1);
    nlm_ = math::sph_count(p_.l_max);
    size_ = L1_ * K_ * (K_ + 1) / 2 + 1;
    channel_of_z_.fill(-1);
    if (p_.species_Z.empty())
      channel_of_z_.fill(0);
    else
      for (std::size_t s = 0; s < p_.species_Z.size(); ++s)
        channel_of_z_[static_cast<std::size_t>(p_.species_Z[s])] = static_cast<int>(s);
    inv_sqrt_2l1_.resize(L1_);
    for (std::size_t l = 0; l < L1_; ++l) inv_sqrt_2l1_[l] = 1.0 / std::sqrt(2.0 * static_cast<double>(l) + 1.0);
    P_ = static_cast<std::size_t>(radial_.primitive_count());
    KP_ = static_cast<std::size_t>(channels_) * P_;
    // T_l and its transpose per l (the adjoint maps dE/dc back onto the primitives)
    const auto n = static_cast<std::size_t>(p_.n_max);
    transform_.resize(L1_ * P_ * n);
    transform_t_.resize(L1_ * P_ * n);
    for (std::size_t l = 0; l < L1_; ++l) {
      const double* T = radial_.transform(static_cast<int>(l));
      for (std::size_t a = 0; a < P_; ++a)
        for (std::size_t k = 0; k < n; ++k) {
          transform_[(l * P_ + a) * n + k] = T[a * n + k];
          transform_t_[(l * n + k) * P_ + a] = T[a * n + k];
        }
    }
    one_transform_ = true;
    for (std::size_t t = P_ * n; t < transform_.size(); ++t)
      one_transform_ = one_transform_ && transform_[t] == transform_[t % (P_ * n)];
  }

  const SoapParams& params() const noexcept { return p_; }
  const Radial& radial() const noexcept { return radial_; }

  /// QUIP's dimension, including the trailing covariance_sigma0 element.
  std::size_t size() const noexcept { return size_; }
  /// Number of density channels K = n_species · n_max.
  std::size_t channels() const noexcept { return K_; }

  /// Full list within the cutoff.
  NeighbourOptions neighbour_options() const {
    NeighbourOptions o;
    o.cutoff = p_.cutoff;
    o.half = false;
    return o;
  }

  Workspace make_workspace() const {
    Workspace ws{math::RealSphericalHarmonics(p_.l_max), radial_.make_scratch(), {}, {}, {}, {}, {}, {}, {}, {}, {},
                 {}, {}, {}, {}, {}, {}};
    ws.c.resize(nlm_ * K_);
    ws.cp.resize(nlm_ * KP_);
    ws.de_dcp.resize(nlm_ * KP_);
    ws.rho.resize(L1_ * static_cast<std::size_t>(p_.n_max));
    ws.drho.resize(L1_ * static_cast<std::size_t>(p_.n_max));
    ws.p.resize(size_);
    ws.de_dq.resize(size_);
    ws.de_dc.resize(nlm_ * K_);
    ws.sv.resize(10 * L1_ * K_);
    ws.dp.resize(3 * size_);
    return ws;
  }

  /// True if atoms of element Z are centres of this descriptor (QUIP's Z list; empty = all).
  bool applies_to(int Z) const {
    return p_.center_Z.empty() || std::find(p_.center_Z.begin(), p_.center_Z.end(), Z) != p_.center_Z.end();
  }

  /// Index (0-based) of P_l(a, b), b ≤ a, in the vector.
  std::size_t index(int l, std::size_t a, std::size_t b) const noexcept {
    return static_cast<std::size_t>(l) + L1_ * (a * (a + 1) / 2 + b);
  }

  void compute(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, std::span<double> q) const {
    check_size(q.size(), size_, "q");
    gather(s, nl, i, ws, false);
    density(s.numbers[i], ws);
    power_spectrum(ws);
    finish(ws, q);
  }

  /// q and dq[(n·3 + d)·size() + c] = ∂q_c/∂(r_ij)_d for the n-th entry of i's neighbour-list row.
  void compute_with_derivatives(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws,
                                std::span<double> q, std::span<double> dq) const {
    check_size(q.size(), size_, "q");
    check_size(dq.size(), nl.count(i) * 3 * size_, "dq");
    gather(s, nl, i, ws, true);
    density(s.numbers[i], ws);
    power_spectrum(ws);
    const double norm = finish(ws, q);
    std::fill(dq.begin(), dq.end(), 0.0);
    for (std::size_t k = 0; k < ws.neighbours.size(); ++k) {
      neighbour_radial(ws, k);
      neighbour_derivative(ws, k);
      double* out = dq.data() + ws.neighbours[k].entry * 3 * size_;
      normalise_rows(ws, q, norm, out);
    }
  }

  /// Adjoint evaluation (descriptor.hpp): E_i = energy_of(q_i, dE/dq) (or energy_of(i, q, dE/dq)),
  /// forces[i] += g_ij, forces[j] -= g_ij, virial -= r_ij ⊗ g_ij with g_ij = ∂E_i/∂r_ij.
  template <class EnergyOf>
  double evaluate(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, EnergyOf&& energy_of,
                  std::span<Vec3> forces, Mat3& virial) const {
    if (forces.size() < s.size()) throw InputError("SOAP: forces span is shorter than the structure");
    gather(s, nl, i, ws, true);
    density(s.numbers[i], ws);
    power_spectrum(ws);
    const std::span<double> qs(ws.dp.data(), size_);  // ws.dp is free in the adjoint: it holds q
    const double norm = finish(ws, qs);
    const std::span<double> g(ws.de_dq.data(), size_);
    std::fill(g.begin(), g.end(), 0.0);
    double e = 0.0;
    if constexpr (std::is_invocable_v<EnergyOf&, std::size_t, std::span<const double>, std::span<double>>)
      e = energy_of(i, std::span<const double>(qs), g);
    else
      e = energy_of(std::span<const double>(qs), g);
    adjoint_coefficients(ws, qs, norm);
    adjoint_to_primitives(ws);
    for (const Neighbour& nb : ws.neighbours) {
      const Vec3 gij = neighbour_adjoint(ws, nb);
      forces[i] += gij;
      forces[static_cast<std::size_t>(nb.j)] -= gij;
      virial -= nb.r * gij.transpose();
    }
    return e;
  }

 private:
  static void check_size(std::size_t got, std::size_t want, const char* what) {
    if (got != want)
      throw InputError(std::string("SOAP: span ") + what + " has size " + std::to_string(got) + ", expected " +
                       std::to_string(want));
  }

  /// QUIP's coordination function: 1 below rc - w, cosine switch to 0 at rc.
  void cutoff_function(double r, double& f, double& df) const {
    const double rc = p_.cutoff, w = p_.cutoff_transition_width;
    if (r >= rc) {
      f = df = 0.0;
    } else if (r <= rc - w || w == 0.0) {
      f = 1.0;
      df = 0.0;
    } else {
      const double x = std::numbers::pi * (r - rc + w) / w;
      f = 0.5 * (std::cos(x) + 1.0);
      df = -0.5 * std::sin(x) * std::numbers::pi / w;
    }
  }

  /// Neighbours in the density, their Y_lm (and gradients) and f_cut·R_nl (and derivatives).
  void gather(const Structure& s, const NeighbourList& nl, std::size_t i, Workspace& ws, bool grad) const {
    if (i >= s.size() || i >= nl.atoms()) throw InputError("SOAP: atom index out of range");
    ws.neighbours.clear();
    for (std::size_t e = nl.begin(i); e < nl.end(i); ++e) {
      const double r = nl.distance[e];
      if (!(r < p_.cutoff)) continue;
      const int j = nl.index[e];
      const int z = s.numbers[static_cast<std::size_t>(j)];
      const int ch = (z >= 0 && z <= max_atomic_number) ? channel_of_z_[static_cast<std::size_t>(z)] : -1;
      if (ch < 0) continue;
      if (!(r > 0.0)) throw InputError("SOAP: atom " + std::to_string(i) + " has a neighbour at distance 0");
      Neighbour nb{e - nl.begin(i), j, ch, nl.displacement[e], r, 0.0, 0.0};
      cutoff_function(r, nb.fc, nb.dfc);
      ws.neighbours.push_back(nb);
    }
    const std::size_t nn = ws.neighbours.size();
    const std::size_t nf = L1_ * P_;
    if (ws.y.size() < nn * nlm_) ws.y.resize(nn * nlm_);
    if (ws.f.size() < nn * nf) ws.f.resize(nn * nf);
    if (grad) {
      if (ws.dy.size() < nn * 3 * nlm_) ws.dy.resize(nn * 3 * nlm_);
      if (ws.df.size() < nn * nf) ws.df.resize(nn * nf);
    }
    for (std::size_t k = 0; k < nn; ++k) {
      const Neighbour& nb = ws.neighbours[k];
      const std::span<double> y(ws.y.data() + k * nlm_, nlm_);
      const std::span<double> f(ws.f.data() + k * nf, nf);
      if (grad) {
        ws.ylm.values_and_gradients(nb.r, y, std::span<double>(ws.dy.data() + k * 3 * nlm_, 3 * nlm_));
        const std::span<double> df(ws.df.data() + k * nf, nf);
        radial_.primitives(nb.d, f, df, ws.radial);
        for (std::size_t t = 0; t < nf; ++t) df[t] = nb.fc * df[t] + nb.dfc * f[t];
      } else {
        ws.ylm.values(nb.r, y);
        radial_.primitives(nb.d, f, std::span<double>(), ws.radial);
      }
      for (std::size_t t = 0; t < nf; ++t) f[t] *= nb.fc;
    }
  }

  /// ws.rho, ws.drho = f_cut·R_nl and its derivative for neighbour k (primitives times T_l).
  void neighbour_radial(Workspace& ws, std::size_t k) const {
    const auto n = static_cast<std::size_t>(p_.n_max);
    const std::size_t nf = L1_ * P_;
    if (one_transform_) {  // all l at once: independent rows keep the kernel's loads and stores apart
      detail::soap_transform_rows(ws.f.data() + k * nf, P_, ws.rho.data(), n, L1_, transform_.data(), P_, n);
      detail::soap_transform_rows(ws.df.data() + k * nf, P_, ws.drho.data(), n, L1_, transform_.data(), P_, n);
      return;
    }
    for (std::size_t l = 0; l < L1_; ++l) {
      const double* T = transform_.data() + l * P_ * n;
      detail::soap_transform_rows(ws.f.data() + k * nf + l * P_, P_, ws.rho.data() + l * n, n, 1, T, P_, n);
      detail::soap_transform_rows(ws.df.data() + k * nf + l * P_, P_, ws.drho.data() + l * n, n, 1, T, P_, n);
    }
  }

  /// c[lm·K + s·n_max + n]: the neighbours accumulated in the primitive basis, transformed once
  /// per atom (c = cp·T_l per channel block), plus the central Gaussian.
  void density(int z_centre, Workspace& ws) const {
    std::fill(ws.cp.begin(), ws.cp.end(), 0.0);
    const std::size_t nf = L1_ * P_;
    for (std::size_t k = 0; k < ws.neighbours.size(); ++k) {
      const std::size_t off = static_cast<std::size_t>(ws.neighbours[k].channel) * P_;
      const double* y = ws.y.data() + k * nlm_;
      const double* f = ws.f.data() + k * nf;
      for (int l = 0; l <= p_.l_max; ++l) {
        const double* __restrict fl = f + static_cast<std::size_t>(l) * P_;
        for (int m = -l; m <= l; ++m) {
          const std::size_t lm = math::sph_index(l, m);
          const double yv = y[lm];
          double* __restrict c = ws.cp.data() + lm * KP_ + off;
          for (std::size_t a = 0; a < P_; ++a) c[a] += fl[a] * yv;
        }
      }
    }
    const auto n = static_cast<std::size_t>(p_.n_max);
    for (int l = 0; l <= p_.l_max; ++l) {
      const std::size_t lm0 = math::sph_index(l, -l);
      const auto rows = static_cast<std::size_t>(2 * l + 1);
      const double* T = transform_.data() + static_cast<std::size_t>(l) * P_ * n;
      for (int s = 0; s < channels_; ++s) {
        const auto su = static_cast<std::size_t>(s);
        detail::soap_transform_rows(ws.cp.data() + lm0 * KP_ + su * P_, KP_, ws.c.data() + lm0 * K_ + su * n, K_, rows,
                                    T, P_, n);
      }
    }
    const double y00 = 0.5 / std::sqrt(std::numbers::pi);
    for (int s = 0; s < channels_; ++s) {
      const bool own = p_.species_Z.empty() || p_.species_Z[static_cast<std::size_t>(s)] == z_centre;
      if (!(p_.central_reference_all_species || own)) continue;
      for (std::size_t a = 0; a < n; ++a)
        ws.c[static_cast<std::size_t>(s) * n + a] += p_.central_weight * radial_.central(static_cast<int>(a)) * y00;
    }
  }

  /// Unnormalised p (last element 0).
  void power_spectrum(Workspace& ws) const {
    double* p = ws.p.data();
    for (int l = 0; l <= p_.l_max; ++l) {
      const double t = inv_sqrt_2l1_[static_cast<std::size_t>(l)];
      const double* cl = ws.c.data() + math::sph_index(l, -l) * K_;
      const auto rows = static_cast<std::size_t>(2 * l + 1);
      for (std::size_t a = 0; a < K_; ++a)
        for (std::size_t b = 0; b <= a; ++b) {
          double sum = 0.0;
          for (std::size_t m = 0; m < rows; ++m) sum += cl[m * K_ + a] * cl[m * K_ + b];
          p[index(l, a, b)] = sum * t * (a == b ? 1.0 : std::numbers::sqrt2);
        }
    }
    p[size_ - 1] = 0.0;
  }

  /// q from p (normalised if asked), returns |p| (1 when not normalising or |p| = 0).
  double finish(const Workspace& ws, std::span<double> q) const {
    const double norm2 = detail::soap_dot(ws.p.data(), ws.p.data(), size_ - 1);
    const double norm = (p_.normalise && norm2 > 0.0) ? std::sqrt(norm2) : 1.0;
    const double inv = 1.0 / norm;
    for (std::size_t k = 0; k + 1 < size_; ++k) q[k] = ws.p[k] * inv;
    q[size_ - 1] = p_.covariance_sigma0;
    return norm;
  }

  /// ∂p/∂r of neighbour k into ws.dp (3 rows of size()).
  ///   Σ_m ∂c_{a lm}/∂r · c_{b lm} = ρ'_al S_bl û + ρ_al V_bl  (a in the neighbour's channel),
  ///   S_bl = Σ_m Y_lm c_{b lm},  V_bl = Σ_m ∇Y_lm c_{b lm},
  /// so one neighbour costs O(K² l_max) rather than O(K² l_max²). Everything is laid out with l
  /// fastest, as in the output vector, so the innermost loops run over l without branches.
  void neighbour_derivative(Workspace& ws, std::size_t k) const {
    const Neighbour& nb = ws.neighbours[k];
    const auto n = static_cast<std::size_t>(p_.n_max);
    const double* y = ws.y.data() + k * nlm_;
    const double* gx = ws.dy.data() + k * 3 * nlm_;
    const double* gy = gx + nlm_;
    const double* gz = gy + nlm_;
    const double* rho = ws.rho.data();  // this neighbour's, from neighbour_radial()
    const double* drho = ws.drho.data();
    const Vec3 u = nb.r / nb.d;
    // work arrays, each K × L1 with l fastest: S·ûx, S·ûy, S·ûz would be redundant, so keep
    // S' = S (times ρ' later), Vx, Vy, Vz, and the neighbour's ρ, ρ' (zero outside its channel block)
    const std::size_t kl = K_ * L1_;
    double* S = ws.sv.data();
    double* Vx = S + kl;
    double* Vy = Vx + kl;
    double* Vz = Vy + kl;
    double* R = Vz + kl;
    double* dR = R + kl;
    std::fill(ws.sv.begin(), ws.sv.begin() + static_cast<std::ptrdiff_t>(6 * kl), 0.0);
    // accumulate with b fastest (vectorises over channels), then transpose to l fastest
    double* T = ws.sv.data() + 6 * kl;  // 4 blocks of L1 × K
    std::fill(T, T + 4 * kl, 0.0);
    for (int l = 0; l <= p_.l_max; ++l) {
      const auto lu = static_cast<std::size_t>(l);
      double* __restrict ts = T + lu * K_;
      double* __restrict tx = ts + kl;
      double* __restrict ty = tx + kl;
      double* __restrict tz = ty + kl;
      for (int m = -l; m <= l; ++m) {
        const std::size_t lm = math::sph_index(l, m);
        const double* __restrict c = ws.c.data() + lm * K_;
        const double yv = y[lm], ax = gx[lm], ay = gy[lm], az = gz[lm];
        for (std::size_t b = 0; b < K_; ++b) {
          ts[b] += yv * c[b];
          tx[b] += ax * c[b];
          ty[b] += ay * c[b];
          tz[b] += az * c[b];
        }
      }
    }
    for (std::size_t l = 0; l < L1_; ++l)
      for (std::size_t b = 0; b < K_; ++b) {
        const std::size_t o = b * L1_ + l, i = l * K_ + b;
        S[o] = T[i];
        Vx[o] = T[kl + i];
        Vy[o] = T[2 * kl + i];
        Vz[o] = T[3 * kl + i];
      }
    const std::size_t first = static_cast<std::size_t>(nb.channel) * n;
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t l = 0; l < L1_; ++l) {
        R[(first + a) * L1_ + l] = rho[l * n + a];
        dR[(first + a) * L1_ + l] = drho[l * n + a];
      }
    double* dx = ws.dp.data();
    double* dyv = dx + size_;
    double* dz = dyv + size_;
    const double ux = u.x(), uy = u.y(), uz = u.z();
    const double* t = inv_sqrt_2l1_.data();
    const std::size_t L1 = L1_;
    for (std::size_t a = 0; a < K_; ++a) {
      const bool in_a = a >= first && a < first + n;
      for (std::size_t b = 0; b <= a; ++b) {
        const std::size_t o = index(0, a, b);
        const bool in_b = b >= first && b < first + n;
        if (!in_a && !in_b) {
          std::fill(dx + o, dx + o + L1, 0.0);
          std::fill(dyv + o, dyv + o + L1, 0.0);
          std::fill(dz + o, dz + o + L1, 0.0);
          continue;
        }
        const double f = a == b ? 1.0 : std::numbers::sqrt2;
        detail::SoapPairRows rows{R, dR, S, Vx, Vy, Vz, t, L1};
        rows.write(a, b, f, ux, uy, uz, dx + o, dyv + o, dz + o);
      }
    }
    dx[size_ - 1] = dyv[size_ - 1] = dz[size_ - 1] = 0.0;
  }

  /// out (3 rows) = ∂q/∂r from ws.dp: (dp - q (q·dp)) / |p| when normalising.
  void normalise_rows(const Workspace& ws, std::span<const double> q, double norm, double* out) const {
    for (int d = 0; d < 3; ++d) {
      const double* src = ws.dp.data() + static_cast<std::size_t>(d) * size_;
      double* dst = out + static_cast<std::size_t>(d) * size_;
      if (!p_.normalise || norm == 1.0) {
        std::copy(src, src + size_, dst);
        continue;
      }
      const double proj = detail::soap_dot(q.data(), src, size_ - 1);
      const double inv = 1.0 / norm;
      for (std::size_t c = 0; c + 1 < size_; ++c) dst[c] = (src[c] - q[c] * proj) * inv;
      dst[size_ - 1] = 0.0;
    }
  }

  /// dE/dq (ws.de_dq) → dE/dp → dE/dc (ws.de_dc):
  ///   dE/dc_{a,lm} = Σ_b H_l(a,b) c_{b,lm},  H_l(a,a) = 2 t_l g_aa,  H_l(a,b) = H_l(b,a) = √2 t_l g_ab.
  void adjoint_coefficients(Workspace& ws, std::span<const double> q, double norm) const {
    double* g = ws.de_dq.data();
    g[size_ - 1] = 0.0;
    if (p_.normalise && norm != 1.0) {
      const double proj = detail::soap_dot(q.data(), g, size_ - 1);
      const double inv = 1.0 / norm;
      for (std::size_t c = 0; c + 1 < size_; ++c) g[c] = (g[c] - q[c] * proj) * inv;
    }
    std::fill(ws.de_dc.begin(), ws.de_dc.end(), 0.0);
    for (int l = 0; l <= p_.l_max; ++l) {
      const double t = inv_sqrt_2l1_[static_cast<std::size_t>(l)];
      const auto rows = static_cast<std::size_t>(2 * l + 1);
      const std::size_t base = math::sph_index(l, -l) * K_;
      const double* cl = ws.c.data() + base;
      double* gl = ws.de_dc.data() + base;
      for (std::size_t a = 0; a < K_; ++a)
        for (std::size_t b = 0; b <= a; ++b) {
          const double h = g[index(l, a, b)] * t * (a == b ? 2.0 : std::numbers::sqrt2);
          if (h == 0.0) continue;
          if (a == b) {
            for (std::size_t m = 0; m < rows; ++m) gl[m * K_ + a] += h * cl[m * K_ + a];
          } else {
            for (std::size_t m = 0; m < rows; ++m) {
              gl[m * K_ + a] += h * cl[m * K_ + b];
              gl[m * K_ + b] += h * cl[m * K_ + a];
            }
          }
        }
    }
  }

  /// dE/dcp = dE/dc · T_lᵀ per channel block, once per atom.
  void adjoint_to_primitives(Workspace& ws) const {
    const auto n = static_cast<std::size_t>(p_.n_max);
    for (int l = 0; l <= p_.l_max; ++l) {
      const std::size_t lm0 = math::sph_index(l, -l);
      const auto rows = static_cast<std::size_t>(2 * l + 1);
      const double* Tt = transform_t_.data() + static_cast<std::size_t>(l) * P_ * n;
      for (int s = 0; s < channels_; ++s) {
        const auto su = static_cast<std::size_t>(s);
        detail::soap_transform_rows(ws.de_dc.data() + lm0 * K_ + su * n, K_, ws.de_dcp.data() + lm0 * KP_ + su * P_,
                                    KP_, rows, Tt, n, P_);
      }
    }
  }

  /// ∂E/∂r_ij of one neighbour from dE/dcp: Σ_lm [B_lm Y_lm û + A_lm ∇Y_lm],
  /// A_lm = Σ_a G_{(s,a),lm} f_la, B_lm = Σ_a G_{(s,a),lm} f'_la (f with the cutoff function).
  Vec3 neighbour_adjoint(const Workspace& ws, const Neighbour& nb) const {
    const std::size_t k = static_cast<std::size_t>(&nb - ws.neighbours.data());
    const std::size_t nf = L1_ * P_;
    const double* y = ws.y.data() + k * nlm_;
    const double* gx = ws.dy.data() + k * 3 * nlm_;
    const double* gy = gx + nlm_;
    const double* gz = gy + nlm_;
    const double* f = ws.f.data() + k * nf;
    const double* df = ws.df.data() + k * nf;
    const std::size_t off = static_cast<std::size_t>(nb.channel) * P_;
    double radial = 0.0, ax = 0.0, ay = 0.0, az = 0.0;
    for (int l = 0; l <= p_.l_max; ++l) {
      const double* fl = f + static_cast<std::size_t>(l) * P_;
      const double* dfl = df + static_cast<std::size_t>(l) * P_;
      for (int m = -l; m <= l; ++m) {
        const std::size_t lm = math::sph_index(l, m);
        const double* G = ws.de_dcp.data() + lm * KP_ + off;
        const double A = detail::soap_dot(G, fl, P_), B = detail::soap_dot(G, dfl, P_);
        radial += B * y[lm];
        ax += A * gx[lm];
        ay += A * gy[lm];
        az += A * gz[lm];
      }
    }
    const Vec3 u = nb.r / nb.d;
    return radial * u + Vec3(ax, ay, az);
  }

  SoapParams p_;
  Radial radial_;
  int channels_ = 1;
  std::size_t K_ = 0, L1_ = 0, nlm_ = 0, size_ = 0, P_ = 0, KP_ = 0;
  std::vector<double> transform_, transform_t_;  ///< per l: T_l (P × n_max) and T_lᵀ (n_max × P)
  bool one_transform_ = false;                   ///< every T_l is the same matrix
  std::array<int, max_atomic_number + 1> channel_of_z_{};
  std::vector<double> inv_sqrt_2l1_;
};

static_assert(Descriptor<Soap<>>);

}  // namespace pestle

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/descriptors/impl/soap.hpp"
#endif
