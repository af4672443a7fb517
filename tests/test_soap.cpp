// SOAP: the math kernels (real Y_lm, scaled i_l), derivatives against finite differences,
// adjoint forces and virial, invariances, convergence in n_max/l_max, and bad input.
// (Agreement with QUIP itself is in test_soap_quip.cpp.)
#include <catch2/catch.hpp>

#include <boost/math/special_functions/bessel.hpp>

#include <cmath>
#include <numbers>
#include <random>
#include <sstream>
#include <vector>

#include "pestle/core/lattices.hpp"
#include "pestle/descriptors/soap.hpp"
#include "pestle/math/spherical_bessel.hpp"
#include "pestle/math/spherical_harmonics.hpp"
#include "pestle/models/potential.hpp"
#include "test_helpers.hpp"

using namespace pestle;

static_assert(Descriptor<Soap<>>);
static_assert(AdjointDescriptor<Soap<>>);

namespace {

using test::random_structure;

/// A small triclinic two-species cell whose atoms see several of their own images.
Structure triclinic_moni() {
  Mat3 cell;
  cell << 4.9, 0.0, 0.0, 1.1, 4.6, 0.0, -0.7, 0.8, 4.8;
  return random_structure(cell, 6, {42, 28}, 2.0, 7);
}

SoapParams small_params(bool two_species) {
  SoapParams p;
  p.cutoff = 4.5;
  p.cutoff_transition_width = 1.0;
  p.n_max = 5;
  p.l_max = 4;
  p.atom_sigma = 0.5;
  if (two_species) {
    p.species_Z = {42, 28};
    p.central_reference_all_species = false;
    p.central_weight = 0.7;
  }
  return p;
}

/// q of every atom.
std::vector<std::vector<double>> all_q(const Soap<>& soap, const Structure& s) {
  const auto nl = build_neighbour_list(s, soap.neighbour_options());
  auto ws = soap.make_workspace();
  std::vector<std::vector<double>> out(s.size(), std::vector<double>(soap.size()));
  for (std::size_t i = 0; i < s.size(); ++i) soap.compute(s, nl, i, ws, out[i]);
  return out;
}

/// A smooth nonlinear atomic energy of q, fixed random weights (same for every atom).
struct TestEnergy {
  std::vector<double> w, v;
  explicit TestEnergy(std::size_t d, unsigned seed) : w(d), v(d) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (std::size_t c = 0; c < d; ++c) {
      w[c] = u(rng);
      v[c] = u(rng);
    }
  }
  double operator()(std::span<const double> q, std::span<double> g) const {
    double a = 0.0, b = 0.0;
    for (std::size_t c = 0; c < q.size(); ++c) {
      a += w[c] * q[c];
      b += v[c] * q[c];
    }
    for (std::size_t c = 0; c < q.size(); ++c) g[c] = w[c] + b * v[c];
    return a + 0.5 * b * b;
  }
};

double total_energy(const Soap<>& soap, const Structure& s, const TestEnergy& energy) {
  const auto qs = all_q(soap, s);
  std::vector<double> g(soap.size());
  double e = 0.0;
  for (const auto& q : qs) e += energy(q, g);
  return e;
}

/// Energy, forces, virial by the adjoint evaluate().
double adjoint(const Soap<>& soap, const Structure& s, const TestEnergy& energy, std::vector<Vec3>& forces,
               Mat3& virial) {
  const auto nl = build_neighbour_list(s, soap.neighbour_options());
  auto ws = soap.make_workspace();
  forces.assign(s.size(), Vec3::Zero());
  virial.setZero();
  double e = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) e += soap.evaluate(s, nl, i, ws, energy, forces, virial);
  return e;
}

}  // namespace

// ---------------------------------------------------------------- math kernels

TEST_CASE("real spherical harmonics: closed forms, addition theorem, gradients", "[soap][math]") {
  const int lmax = 10;
  math::RealSphericalHarmonics sh(lmax);
  std::vector<double> ya(sh.size()), yb(sh.size()), dy(3 * sh.size());
  const Vec3 a(0.3, -1.2, 0.7), b(-0.4, 0.25, -0.9);
  sh.values(a, ya);
  sh.values(b, yb);
  const Vec3 u = a.normalized();
  const double pi = std::numbers::pi;
  CHECK(ya[math::sph_index(0, 0)] == Approx(0.5 / std::sqrt(pi)).epsilon(1e-14));
  CHECK(ya[math::sph_index(1, 0)] == Approx(std::sqrt(3.0 / (4 * pi)) * u.z()).epsilon(1e-14));
  CHECK(ya[math::sph_index(1, 1)] == Approx(std::sqrt(3.0 / (4 * pi)) * u.x()).epsilon(1e-14));
  CHECK(ya[math::sph_index(1, -1)] == Approx(std::sqrt(3.0 / (4 * pi)) * u.y()).epsilon(1e-14));
  CHECK(ya[math::sph_index(2, -2)] == Approx(0.5 * std::sqrt(15.0 / pi) * u.x() * u.y()).epsilon(1e-14));
  // addition theorem: Σ_m Y_lm(a) Y_lm(b) = (2l+1)/(4π) P_l(â·b̂), checks normalisation and phases together
  const double cosg = a.normalized().dot(b.normalized());
  for (int l = 0; l <= lmax; ++l) {
    double sum = 0.0, self = 0.0;
    for (int m = -l; m <= l; ++m) {
      sum += ya[math::sph_index(l, m)] * yb[math::sph_index(l, m)];
      self += ya[math::sph_index(l, m)] * ya[math::sph_index(l, m)];
    }
    CHECK(sum == Approx((2 * l + 1) / (4 * pi) * std::legendre(static_cast<unsigned>(l), cosg)).margin(1e-13));
    CHECK(self == Approx((2 * l + 1) / (4 * pi)).epsilon(1e-13));
  }
  // values_and_gradients agrees with values; gradients against central differences, also at a pole
  for (const Vec3& r : {a, Vec3(0.0, 0.0, 1.7), Vec3(1e-3, -2e-3, -0.8)}) {
    std::vector<double> y(sh.size()), yp(sh.size()), ym(sh.size());
    sh.values_and_gradients(r, y, dy);
    sh.values(r, yp);
    for (std::size_t k = 0; k < sh.size(); ++k) CHECK(y[k] == Approx(yp[k]).margin(1e-14));
    const double h = 1e-6;
    for (int d = 0; d < 3; ++d) {
      Vec3 rp = r, rm = r;
      rp[d] += h;
      rm[d] -= h;
      sh.values(rp, yp);
      sh.values(rm, ym);
      for (std::size_t k = 0; k < sh.size(); ++k)
        CHECK(dy[static_cast<std::size_t>(d) * sh.size() + k] == Approx((yp[k] - ym[k]) / (2 * h)).margin(2e-8));
    }
  }
  CHECK_THROWS_AS(sh.values(Vec3::Zero(), ya), InputError);
  CHECK_THROWS_AS(math::RealSphericalHarmonics(-1), InputError);
}

TEST_CASE("scaled modified spherical Bessel functions", "[soap][math]") {
  const int lmax = 12;
  std::vector<double> s(lmax + 1);
  // both branches (series + downward below max(2(lmax+1), lmax²/4) = 36, upward above) and around the switch
  for (double x : {1e-8, 1e-3, 0.2, 0.999, 1.0, 1.001, 3.7, 12.5, 13.0, 25.9, 26.0, 26.1, 35.9, 36.0, 37.0, 80.0, 300.0}) {
    math::scaled_modified_spherical_bessel(x, s);
    for (int l = 0; l <= lmax; ++l) {
      // i_l(x) = sqrt(π/(2x)) I_{l+1/2}(x)
      const double ref = std::sqrt(std::numbers::pi / (2 * x)) *
                         boost::math::cyl_bessel_i(l + 0.5, x) * std::exp(-x);
      if (!std::isfinite(ref)) continue;  // Boost overflows before the scaling at large x
      INFO("x = " << x << ", l = " << l);
      CHECK(s[static_cast<std::size_t>(l)] == Approx(ref).epsilon(1e-12).margin(1e-300));
    }
  }
  // large x, where Boost's unscaled value overflows: the asymptotic form 1/(2x)
  math::scaled_modified_spherical_bessel(2000.0, s);
  CHECK(s[0] == Approx(1.0 / 4000.0).epsilon(1e-12));
  math::scaled_modified_spherical_bessel(0.0, s);
  CHECK(s[0] == 1.0);
  CHECK(s[5] == 0.0);
  CHECK_THROWS_AS(math::scaled_modified_spherical_bessel(-1.0, s), InputError);
}

TEST_CASE("QUIP radial basis: a neighbour on the centre gives the central coefficients", "[soap][math]") {
  // f_0a(0) = exp(-α r_a²) = C_a0, so f(0)ᵀ C⁻¹ L = (row 0 of L), which QUIP uses for the centre.
  SoapParams p = small_params(false);
  QuipGaussRadial radial(p);
  auto sc = radial.make_scratch();
  std::vector<double> R(static_cast<std::size_t>(p.n_max * (p.l_max + 1)));
  radial.evaluate(0.0, R, {}, sc);  // a neighbour sitting on the centre reproduces the central coefficients
  for (int n = 0; n < p.n_max; ++n) CHECK(R[static_cast<std::size_t>(n)] == Approx(radial.central(n)).margin(1e-12));
  for (int n = 1; n < p.n_max; ++n) CHECK(radial.central(n) == Approx(0.0).margin(1e-13));
}

// ---------------------------------------------------------------- derivatives

TEST_CASE("SOAP gradients match central differences", "[soap]") {
  for (bool two : {false, true}) {
    SECTION(two ? "two species, triclinic, own images" : "one species, rattled bcc") {
      Structure s = two ? triclinic_moni() : cubic_supercell(cubic_basis::bcc, 3.16, 1, 42);
      if (!two) rattle(s, 0.1, 3);
      const Soap<> soap(small_params(two));
      const std::size_t d = soap.size();
      const auto nl = build_neighbour_list(s, soap.neighbour_options());
      auto ws = soap.make_workspace();
      std::vector<double> q(d);
      double worst = 0.0, largest = 0.0;
      for (std::size_t i = 0; i < s.size(); ++i) {
        std::vector<double> dq(nl.count(i) * 3 * d);
        soap.compute_with_derivatives(s, nl, i, ws, q, dq);
        // analytic total derivative of q_i by atom position
        std::vector<double> total(s.size() * 3 * d, 0.0);
        for (std::size_t n = 0; n < nl.count(i); ++n) {
          const auto j = static_cast<std::size_t>(nl.index[nl.begin(i) + n]);
          for (std::size_t k = 0; k < 3 * d; ++k) {
            total[j * 3 * d + k] += dq[n * 3 * d + k];
            total[i * 3 * d + k] -= dq[n * 3 * d + k];
          }
        }
        const double h = 1e-5;
        for (std::size_t a = 0; a < s.size(); ++a)
          for (int c = 0; c < 3; ++c) {
            Structure sp = s, sm = s;
            sp.positions[a][c] += h;
            sm.positions[a][c] -= h;
            const auto nlp = build_neighbour_list(sp, soap.neighbour_options());
            const auto nlm = build_neighbour_list(sm, soap.neighbour_options());
            std::vector<double> qp(d), qm(d);
            soap.compute(sp, nlp, i, ws, qp);
            soap.compute(sm, nlm, i, ws, qm);
            for (std::size_t k = 0; k < d; ++k) {
              const double fd = (qp[k] - qm[k]) / (2 * h);
              const double an = total[(a * 3 + static_cast<std::size_t>(c)) * d + k];
              worst = std::max(worst, std::abs(fd - an));
              largest = std::max(largest, std::abs(an));
            }
          }
      }
      INFO("max |analytic - FD| = " << worst << ", max |dq/dr| = " << largest);
      CHECK(largest > 1e-2);
      CHECK(worst < 1e-8);
    }
  }
}

TEST_CASE("SOAP adjoint forces equal the contraction of dq/dr with dE/dq", "[soap]") {
  const Structure s = triclinic_moni();
  const Soap<> soap(small_params(true));
  const std::size_t d = soap.size();
  const TestEnergy energy(d, 11);
  std::vector<Vec3> forces;
  Mat3 virial;
  const double e = adjoint(soap, s, energy, forces, virial);

  const auto nl = build_neighbour_list(s, soap.neighbour_options());
  auto ws = soap.make_workspace();
  std::vector<Vec3> f(s.size(), Vec3::Zero());
  Mat3 w = Mat3::Zero();
  std::vector<double> q(d), g(d);
  double e2 = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::vector<double> dq(nl.count(i) * 3 * d);
    soap.compute_with_derivatives(s, nl, i, ws, q, dq);
    e2 += energy(q, g);
    for (std::size_t n = 0; n < nl.count(i); ++n) {
      Vec3 gij = Vec3::Zero();
      for (int c = 0; c < 3; ++c)
        for (std::size_t k = 0; k < d; ++k) gij[c] += g[k] * dq[(n * 3 + static_cast<std::size_t>(c)) * d + k];
      const std::size_t entry = nl.begin(i) + n;
      f[i] += gij;
      f[static_cast<std::size_t>(nl.index[entry])] -= gij;
      w -= nl.displacement[entry] * gij.transpose();
    }
  }
  CHECK(e == Approx(e2).epsilon(1e-13));
  double fmax = 0.0;
  for (std::size_t a = 0; a < s.size(); ++a) {
    fmax = std::max(fmax, forces[a].norm());
    CHECK((forces[a] - f[a]).norm() < 1e-12);
  }
  CHECK(fmax > 1e-2);
  CHECK((virial - w).norm() < 1e-11);

  // the (i, q, dE/dq) callback form gives the same and sees the atom index
  std::vector<Vec3> f3(s.size(), Vec3::Zero());
  Mat3 w3 = Mat3::Zero();
  std::vector<std::size_t> seen;
  for (std::size_t i = 0; i < s.size(); ++i)
    soap.evaluate(
        s, nl, i, ws,
        [&](std::size_t atom, std::span<const double> qq, std::span<double> gg) {
          seen.push_back(atom);
          return energy(qq, gg);
        },
        f3, w3);
  CHECK(seen == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
  for (std::size_t a = 0; a < s.size(); ++a) CHECK((f3[a] - forces[a]).norm() < 1e-14);
}

TEST_CASE("SOAP adjoint forces and virial match finite differences of the energy", "[soap]") {
  const Structure s = triclinic_moni();
  const Soap<> soap(small_params(true));
  const TestEnergy energy(soap.size(), 5);
  std::vector<Vec3> forces;
  Mat3 virial;
  adjoint(soap, s, energy, forces, virial);
  const double h = 1e-5;
  for (std::size_t a = 0; a < s.size(); ++a)
    for (int c = 0; c < 3; ++c) {
      Structure sp = s, sm = s;
      sp.positions[a][c] += h;
      sm.positions[a][c] -= h;
      const double fd = -(total_energy(soap, sp, energy) - total_energy(soap, sm, energy)) / (2 * h);
      CHECK(forces[a][c] == Approx(fd).margin(1e-7));
    }
  // virial W = -dE/dε = -V σ for r → (1 + ε) r applied to positions and cell
  const Mat3 fd_virial =
      -s.volume() * test::finite_difference_stress(s, [&](const Structure& t) { return total_energy(soap, t, energy); }, h);
  for (int x = 0; x < 3; ++x)
    for (int y = 0; y < 3; ++y) CHECK(virial(x, y) == Approx(fd_virial(x, y)).margin(1e-7));
  CHECK(virial.norm() > 1e-2);
}

// ---------------------------------------------------------------- invariances and species

TEST_CASE("SOAP is invariant under rotation, translation and permutation", "[soap]") {
  const Structure s = triclinic_moni();
  const Soap<> soap(small_params(true));
  const auto q0 = all_q(soap, s);
  const Eigen::Matrix3d rot =
      (Eigen::AngleAxisd(0.7, Vec3(1, 2, 3).normalized()) * Eigen::AngleAxisd(-1.9, Vec3::UnitX())).toRotationMatrix();
  Structure r = s;
  for (Vec3& p : r.positions) p = rot * p + Vec3(0.3, -7.1, 2.2);
  r.cell = (rot * s.cell.transpose()).transpose();
  const auto q1 = all_q(soap, r);
  // permutation: reverse the atom order
  Structure p;
  p.cell = s.cell;
  p.pbc = s.pbc;
  for (std::size_t k = s.size(); k-- > 0;) p.add_atom(s.numbers[k], s.positions[k]);
  const auto q2 = all_q(soap, p);
  double worst = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t c = 0; c < soap.size(); ++c) {
      worst = std::max(worst, std::abs(q0[i][c] - q1[i][c]));
      worst = std::max(worst, std::abs(q0[i][c] - q2[s.size() - 1 - i][c]));
    }
  CHECK(worst < 1e-12);
  // and the vectors are unit length with the sigma0 slot last
  double n2 = 0.0;
  for (std::size_t c = 0; c + 1 < soap.size(); ++c) n2 += q0[0][c] * q0[0][c];
  CHECK(n2 == Approx(1.0).epsilon(1e-14));
}

TEST_CASE("SOAP species channels: listed species only, all species when empty", "[soap]") {
  Structure s = triclinic_moni();
  SoapParams p = small_params(true);
  p.covariance_sigma0 = 0.25;
  const Soap<> listed(p);
  const auto q0 = all_q(listed, s);
  CHECK(q0[0].back() == 0.25);
  // an atom of a species outside species_Z changes nothing for the others
  Structure h = s;
  h.add_atom(1, s.positions[0] + Vec3(1.1, 0.2, -0.3));
  const auto qh = all_q(listed, h);
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t c = 0; c < listed.size(); ++c) CHECK(qh[i][c] == Approx(q0[i][c]).margin(1e-15));
  // with one all-species channel the same atom does count
  SoapParams one = small_params(false);
  const Soap<> all(one);
  const auto a0 = all_q(all, s), ah = all_q(all, h);
  double diff = 0.0;
  for (std::size_t c = 0; c < all.size(); ++c) diff = std::max(diff, std::abs(a0[0][c] - ah[0][c]));
  CHECK(diff > 1e-4);
  // centre filter
  p.center_Z = {28};
  const Soap<> ni_only(p);
  CHECK(ni_only.applies_to(28));
  CHECK_FALSE(ni_only.applies_to(42));
  CHECK(listed.applies_to(42));
}

TEST_CASE("SOAP of an isolated atom is the central Gaussian alone", "[soap]") {
  Structure s;
  s.add_atom(42, Vec3(0, 0, 0));
  const Soap<> soap(small_params(false));
  const auto q = all_q(soap, s);
  // only P_0(1,1) survives and normalises to 1
  CHECK(q[0][soap.index(0, 0, 0)] == Approx(1.0).epsilon(1e-14));
  double rest = 0.0;
  for (std::size_t c = 0; c < soap.size(); ++c)
    if (c != soap.index(0, 0, 0)) rest += std::abs(q[0][c]);
  CHECK(rest == 0.0);
  // without the central Gaussian nothing is left: zeros, never NaN
  SoapParams p = small_params(false);
  p.central_weight = 0.0;
  const auto z = all_q(Soap<>(p), s);
  for (double v : z[0]) CHECK(v == 0.0);
}

// ---------------------------------------------------------------- convergence

TEST_CASE("SOAP kernel between two structures converges as n_max and l_max grow", "[soap]") {
  // two different environments: rattled bcc Mo and rattled fcc Mo (same density scale)
  Structure a = cubic_supercell(cubic_basis::bcc, 3.16, 2, 42);
  Structure b = cubic_supercell(cubic_basis::fcc, 4.0, 2, 42);
  rattle(a, 0.15, 1);
  rattle(b, 0.15, 2);
  // structure kernel: mean of q_i·q_j over atom pairs, normalised by the self kernels
  auto kernel = [](const std::vector<std::vector<double>>& x, const std::vector<std::vector<double>>& y) {
    double k = 0.0;
    for (const auto& qi : x)
      for (const auto& qj : y)
        for (std::size_t c = 0; c < qi.size(); ++c) k += qi[c] * qj[c];
    return k / static_cast<double>(x.size() * y.size());
  };
  std::vector<double> ks;
  for (int order = 2; order <= 16; order += 2) {
    SoapParams p;
    p.cutoff = 5.0;
    p.n_max = order;
    p.l_max = order;
    p.atom_sigma = 0.5;
    const Soap<> soap(p);
    const auto qa = all_q(soap, a), qb = all_q(soap, b);
    ks.push_back(kernel(qa, qb) / std::sqrt(kernel(qa, qa) * kernel(qb, qb)));
  }
  std::vector<double> steps;
  for (std::size_t k = 1; k < ks.size(); ++k) steps.push_back(std::abs(ks[k] - ks[k - 1]));
  std::ostringstream list;
  list.precision(10);
  for (double k : ks) list << k << " ";
  INFO("kernel by n_max = l_max = 2,4,...,16: " << list.str());
  // the structures differ, so the kernel is well below 1
  CHECK(ks.back() < 0.999);
  CHECK(ks.back() > 0.0);
  // the changes shrink (measured: 6.5e-3, 2.1e-3, 1.5e-3, 1.8e-3, 5.1e-4, 5.3e-4, 1.9e-4): the last step is
  // a small fraction of the first, and the late steps are all smaller than the early ones
  CHECK(steps.back() < 0.05 * steps.front());
  CHECK(steps.back() < 3e-4);
  CHECK(std::max(steps[4], steps[5]) < 0.5 * std::min(steps[0], std::min(steps[1], steps[2])));
}

// ---------------------------------------------------------------- bad input

TEST_CASE("SOAP rejects bad parameters and bad calls with InputError", "[soap]") {
  auto with = [](auto change) {
    SoapParams p;
    change(p);
    return p;
  };
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.n_max = 0; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.l_max = -1; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.atom_sigma = 0.0; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.atom_sigma = -0.5; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.cutoff = 0.0; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.cutoff = std::nan(""); })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.cutoff_transition_width = 6.0; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.cutoff_transition_width = -0.1; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.species_Z = {42, 42}; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.species_Z = {0}; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.center_Z = {200}; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.basis_error_exponent = 0.0; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.central_weight = INFINITY; })), InputError);
  CHECK_THROWS_AS(Soap<>(with([](SoapParams& p) { p.n_max = 1000; })), InputError);

  const Soap<> soap(SoapParams{});
  Structure s = cubic_supercell(cubic_basis::bcc, 3.16, 1, 42);
  const auto nl = build_neighbour_list(s, soap.neighbour_options());
  auto ws = soap.make_workspace();
  std::vector<double> q(soap.size()), wrong(soap.size() + 1);
  CHECK_THROWS_AS(soap.compute(s, nl, 0, ws, wrong), InputError);
  CHECK_THROWS_AS(soap.compute(s, nl, 5, ws, q), InputError);
  std::vector<double> dq(3);
  CHECK_THROWS_AS(soap.compute_with_derivatives(s, nl, 0, ws, q, dq), InputError);
  std::vector<Vec3> f(1);
  Mat3 w = Mat3::Zero();
  CHECK_THROWS_AS(soap.evaluate(s, nl, 0, ws, TestEnergy(soap.size(), 1), f, w), InputError);
}
