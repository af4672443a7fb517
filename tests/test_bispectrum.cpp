// The SNAP bispectrum: derivatives against finite differences, adjoint forces and virial, invariances,
// compile-time vs run-time twojmax, and rejection of bad input. (Agreement with LAMMPS itself is in
// test_bispectrum_lammps.cpp.)
#include <catch2/catch.hpp>

#include <cmath>
#include <type_traits>
#include <random>
#include <vector>

#include <tbb/global_control.h>

#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/math/clebsch_gordan.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::max_abs_diff;
using test::random_structure;

/// bcc Mo, n×n×n conventional cells, rattled.
Structure bcc(int n, double a, double rattle, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, rattle);
  Structure s;
  s.cell = Mat3::Identity() * (a * n);
  s.pbc = {true, true, true};
  for (int x = 0; x < n; ++x)
    for (int y = 0; y < n; ++y)
      for (int z = 0; z < n; ++z)
        for (const Vec3& b : {Vec3(0, 0, 0), Vec3(0.5, 0.5, 0.5)})
          s.add_atom(42, a * (Vec3(x, y, z) + b) + Vec3(g(rng), g(rng), g(rng)));
  return s;
}

BispectrumParams mo_params(int twojmax) {
  BispectrumParams p;
  p.twojmax = twojmax;
  p.elements = {{42, 0.5, 1.0}};
  return p;
}

BispectrumParams moni_params(int twojmax) {
  BispectrumParams p;
  p.twojmax = twojmax;
  p.rcutfac = 4.2;
  p.elements = {{42, 0.5, 1.0}, {28, 0.45, 0.8}};
  return p;
}

/// The test structures: a rattled bcc cell whose atoms see their own images, a triclinic two-species cell.
struct Case {
  const char* name;
  Structure s;
  BispectrumParams p;
};
std::vector<Case> cases(int twojmax) {
  Mat3 tric;
  tric << 5.6, 0.0, 0.0, 1.3, 5.2, 0.0, -0.8, 0.9, 5.4;
  auto other_flags = moni_params(twojmax);  // the non-default branches: bnormflag, no bzero, rmin0 > 0
  other_flags.bnormflag = true;
  other_flags.bzeroflag = false;
  other_flags.rmin0 = 0.4;
  return {{"bcc Mo 1x1x1 (self images)", bcc(1, 3.16, 0.08, 7), mo_params(twojmax)},
          {"triclinic Mo/Ni", random_structure(tric, 9, {42, 28, 42}, 2.0, 11), moni_params(twojmax)},
          {"triclinic Mo/Ni, bnormflag, rmin0 0.4", random_structure(tric, 9, {28, 42, 42}, 2.0, 12), other_flags}};
}

/// A nonlinear atomic energy: Σ c_k B_k + ½ Σ (d_k B_k)².
struct QuadraticEnergy {
  std::vector<double> c, d;
  explicit QuadraticEnergy(std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
      c.push_back(0.01 * std::sin(1.0 + 0.7 * static_cast<double>(k)));
      d.push_back(0.02 * std::cos(0.3 + 1.3 * static_cast<double>(k)));
    }
  }
  double operator()(std::span<const double> B, std::span<double> dE) const {
    double e = 0.0;
    for (std::size_t k = 0; k < B.size(); ++k) {
      e += c[k] * B[k] + 0.5 * d[k] * d[k] * B[k] * B[k];
      dE[k] = c[k] + d[k] * d[k] * B[k];
    }
    return e;
  }
};

template <int J, class A>
double total_energy(const Bispectrum<J, A>& desc, const Structure& s, const QuadraticEnergy& f) {
  const auto nl = build_neighbour_list(s, desc.neighbour_options());
  auto ws = desc.make_workspace();
  std::vector<double> B(desc.size()), dE(desc.size());
  double e = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    desc.compute(s, nl, i, ws, B);
    e += f(B, dE);
  }
  return e;
}

template <int J, class A>
double evaluate_all(const Bispectrum<J, A>& desc, const Structure& s, const QuadraticEnergy& f, std::vector<Vec3>& forces,
                    Mat3& virial) {
  const auto nl = build_neighbour_list(s, desc.neighbour_options());
  auto ws = desc.make_workspace();
  forces.assign(s.size(), Vec3::Zero());
  virial.setZero();
  double e = 0.0;
  for (std::size_t i = 0; i < s.size(); ++i) e += desc.evaluate(s, nl, i, ws, f, forces, virial);
  return e;
}

std::vector<std::vector<double>> all_b(const auto& desc, const Structure& s) {
  const auto nl = build_neighbour_list(s, desc.neighbour_options());
  auto ws = desc.make_workspace();
  std::vector<std::vector<double>> out(s.size(), std::vector<double>(desc.size()));
  for (std::size_t i = 0; i < s.size(); ++i) desc.compute(s, nl, i, ws, out[i]);
  return out;
}

}  // namespace

TEST_CASE("Clebsch-Gordan coefficients: known values and orthogonality", "[bispectrum][math]") {
  using math::clebsch_gordan;
  CHECK(clebsch_gordan(1, 1, 1, -1, 2, 0) == Approx(std::sqrt(0.5)).epsilon(1e-15));
  CHECK(clebsch_gordan(1, 1, 1, -1, 0, 0) == Approx(std::sqrt(0.5)).epsilon(1e-15));
  CHECK(clebsch_gordan(1, -1, 1, 1, 0, 0) == Approx(-std::sqrt(0.5)).epsilon(1e-15));
  CHECK(clebsch_gordan(2, 2, 2, -2, 2, 0) == Approx(std::sqrt(0.5)).epsilon(1e-15));  // <1 1;1 -1|1 0>
  CHECK(clebsch_gordan(2, 0, 2, 0, 2, 0) == 0.0);
  CHECK(clebsch_gordan(4, 0, 4, 0, 4, 0) == Approx(-std::sqrt(2.0 / 7.0)).epsilon(1e-14));  // <2 0;2 0|2 0>
  // Σ_{m1,m2} <j1 m1; j2 m2|j m><j1 m1; j2 m2|j' m> = δ_jj'
  for (int j1 = 0; j1 <= 6; ++j1)
    for (int j2 = 0; j2 <= 6; ++j2)
      for (int j = std::abs(j1 - j2); j <= j1 + j2; j += 2)
        for (int jp = std::abs(j1 - j2); jp <= j1 + j2; jp += 2) {
          double s = 0.0;
          for (int m1 = -j1; m1 <= j1; m1 += 2)
            for (int m2 = -j2; m2 <= j2; m2 += 2)
              s += clebsch_gordan(j1, m1, j2, m2, j, m1 + m2) * clebsch_gordan(j1, m1, j2, m2, jp, m1 + m2);
          CHECK(s == Approx(j == jp ? j + 1.0 : 0.0).margin(1e-13));
        }
  STATIC_REQUIRE(math::constexpr_sqrt(2.0) == 1.4142135623730951);
}

TEST_CASE("bispectrum sizes and index list follow LAMMPS", "[bispectrum]") {
  CHECK(Bispectrum<6>(mo_params(6)).size() == 30);
  CHECK(Bispectrum<8>(mo_params(8)).size() == 55);
  CHECK(Bispectrum<>(mo_params(0)).size() == 1);
  const auto idx = Bispectrum<>(mo_params(6)).index_list();
  REQUIRE(idx.size() == 30);
  CHECK(idx[1] == std::array<int, 3>{1, 0, 1});
  CHECK(idx[6] == std::array<int, 3>{2, 2, 4});
  CHECK(idx[29] == std::array<int, 3>{6, 6, 6});
  const auto opt = Bispectrum<>(moni_params(4)).neighbour_options();
  CHECK(opt.cutoff == Approx(4.2));
  CHECK(opt.cutoff_for(28, 28) == Approx(4.2 * 0.9));
  CHECK(opt.cutoff_for(42, 28) == Approx(4.2 * 0.95));
}

TEST_CASE("adjoint forces and virial equal finite differences of the energy", "[bispectrum][derivatives]") {
  for (auto& c : cases(6)) {
    INFO(c.name);
    const Bispectrum<6> desc(c.p);
    const QuadraticEnergy f(desc.size());
    std::vector<Vec3> forces;
    Mat3 virial;
    const double e0 = evaluate_all(desc, c.s, f, forces, virial);
    CHECK(e0 == Approx(total_energy(desc, c.s, f)).epsilon(1e-13));
    const double h = 1e-5;
    double fmax = 0.0, ferr = 0.0;
    for (std::size_t i = 0; i < c.s.size(); ++i)
      for (int d = 0; d < 3; ++d) {
        Structure p = c.s, m = c.s;
        p.positions[i][d] += h;
        m.positions[i][d] -= h;
        const double fd = -(total_energy(desc, p, f) - total_energy(desc, m, f)) / (2 * h);
        ferr = std::max(ferr, std::abs(fd - forces[i][d]));
        fmax = std::max(fmax, std::abs(forces[i][d]));
      }
    INFO("max |F| " << fmax << ", max |F - F_fd| " << ferr);
    CHECK(fmax > 1e-3);
    CHECK(ferr < 1e-7 * std::max(1.0, fmax));
    // virial(a,b) = -∂E/∂ε_ba for r -> (1+ε) r, cell rows likewise
    double vmax = virial.cwiseAbs().maxCoeff(), verr = 0.0;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        auto strained = [&](double eps) {
          Mat3 F = Mat3::Identity();
          F(b, a) += eps;
          Structure t = c.s;
          t.cell = c.s.cell * F.transpose();
          for (auto& r : t.positions) r = F * r;
          return total_energy(desc, t, f);
        };
        const double fd = -(strained(h) - strained(-h)) / (2 * h);
        verr = std::max(verr, std::abs(fd - virial(a, b)));
      }
    INFO("max |W| " << vmax << ", max |W - W_fd| " << verr);
    CHECK(vmax > 1e-3);
    CHECK(verr < 1e-7 * std::max(1.0, vmax));
  }
}

TEST_CASE("the SIMD architecture is part of the type and does not change the numbers", "[bispectrum][simd]") {
  // SSE2 (2 lanes) against the build's default architecture (4 or 8 lanes with -march=native):
  // different types, the same B, energies and forces to round-off.
  static_assert(!std::is_same_v<Bispectrum<6, xsimd::sse2>, Bispectrum<6>> || std::is_same_v<xsimd::default_arch, xsimd::sse2>);
  STATIC_REQUIRE(Bispectrum<6, xsimd::sse2>::W == 2);
  for (auto& c : cases(6)) {
    INFO(c.name);
    const Bispectrum<6> wide(c.p);
    const Bispectrum<6, xsimd::sse2> narrow(c.p);
    const auto bw = all_b(wide, c.s), bn = all_b(narrow, c.s);
    for (std::size_t i = 0; i < bw.size(); ++i)
      for (std::size_t k = 0; k < bw[i].size(); ++k) CHECK(bn[i][k] == Approx(bw[i][k]).epsilon(1e-12).margin(1e-14));
    const QuadraticEnergy f(wide.size());
    std::vector<Vec3> fw, fn;
    Mat3 vw, vn;
    CHECK(evaluate_all(narrow, c.s, f, fn, vn) == Approx(evaluate_all(wide, c.s, f, fw, vw)).epsilon(1e-12));
    for (std::size_t i = 0; i < fw.size(); ++i) CHECK((fn[i] - fw[i]).norm() <= 1e-10 * std::max(1.0, fw[i].norm()));
    CHECK((vn - vw).norm() <= 1e-10 * std::max(1.0, vw.norm()));
  }
}

TEST_CASE("dB from compute_with_derivatives equals finite differences and contracts to the adjoint forces",
          "[bispectrum][derivatives]") {
  for (auto& c : cases(6)) {
    INFO(c.name);
    const Bispectrum<> desc(c.p);
    const auto& s = c.s;
    const std::size_t nb = desc.size(), n = s.size();
    const auto nl = build_neighbour_list(s, desc.neighbour_options());
    auto ws = desc.make_workspace();
    // per-atom derivatives of B_i w.r.t. atom positions, assembled from the per-neighbour layout
    std::vector<std::vector<double>> dBdx(n, std::vector<double>(n * 3 * nb, 0.0));  // [i][(k*3+d)*nb + c]
    const QuadraticEnergy f(nb);
    std::vector<Vec3> forces(n, Vec3::Zero());
    std::vector<double> B(nb), dE(nb);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<double> dB(nl.count(i) * 3 * nb);
      desc.compute_with_derivatives(s, nl, i, ws, B, dB);
      f(B, dE);
      for (std::size_t m = 0; m < nl.count(i); ++m) {
        const auto j = static_cast<std::size_t>(nl.index[nl.begin(i) + m]);
        for (int d = 0; d < 3; ++d) {
          double g = 0.0;
          for (std::size_t k = 0; k < nb; ++k) {
            const double v = dB[(m * 3 + static_cast<std::size_t>(d)) * nb + k];
            dBdx[i][(j * 3 + static_cast<std::size_t>(d)) * nb + k] += v;
            dBdx[i][(i * 3 + static_cast<std::size_t>(d)) * nb + k] -= v;
            g += dE[k] * v;
          }
          forces[i][d] += g;
          forces[j][d] -= g;
        }
      }
    }
    std::vector<Vec3> adjoint;
    Mat3 virial;
    evaluate_all(desc, s, f, adjoint, virial);
    double cerr = 0.0, cmax = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      cerr = std::max(cerr, (adjoint[i] - forces[i]).cwiseAbs().maxCoeff());
      cmax = std::max(cmax, forces[i].cwiseAbs().maxCoeff());
    }
    CHECK(cmax > 1e-3);
    CHECK(cerr <= 1e-12 * cmax);

    const double h = 1e-5;
    double err = 0.0, big = 0.0;
    for (std::size_t k = 0; k < n; ++k)
      for (int d = 0; d < 3; ++d) {
        Structure p = s, m = s;
        p.positions[k][d] += h;
        m.positions[k][d] -= h;
        const auto bp = all_b(desc, p), bm = all_b(desc, m);
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t q = 0; q < nb; ++q) {
            const double fd = (bp[i][q] - bm[i][q]) / (2 * h);
            const double an = dBdx[i][(k * 3 + static_cast<std::size_t>(d)) * nb + q];
            err = std::max(err, std::abs(fd - an) / std::max(1.0, std::abs(an)));
            big = std::max(big, std::abs(an));
          }
      }
    INFO("max |dB| " << big << ", max relative error vs finite differences " << err);
    CHECK(big > 1e-2);
    CHECK(err < 1e-6);
  }
}

TEST_CASE("bispectrum is invariant under rotation, translation and permutation", "[bispectrum][invariance]") {
  for (auto& c : cases(8)) {
    INFO(c.name);
    const Bispectrum<8> desc(c.p);
    const auto ref = all_b(desc, c.s);
    double scale = 0.0;
    for (const auto& r : ref)
      for (double x : r) scale = std::max(scale, std::abs(x));
    // rotation: positions r -> R r, cell rows a -> R a
    const Mat3 R = (Eigen::AngleAxisd(0.7, Vec3(1, 2, 3).normalized()) * Eigen::AngleAxisd(-1.9, Vec3::UnitZ())).toRotationMatrix();
    Structure rot = c.s;
    rot.cell = c.s.cell * R.transpose();
    for (auto& r : rot.positions) r = R * r;
    CHECK(max_abs_diff(all_b(desc, rot), ref) < 1e-11 * scale);
    Structure tr = c.s;
    for (auto& r : tr.positions) r += Vec3(3.3, -17.1, 0.25);
    CHECK(max_abs_diff(all_b(desc, tr), ref) < 1e-11 * scale);
    // permutation: reverse the atoms
    Structure perm = c.s;
    std::reverse(perm.positions.begin(), perm.positions.end());
    std::reverse(perm.numbers.begin(), perm.numbers.end());
    auto pb = all_b(desc, perm);
    std::reverse(pb.begin(), pb.end());
    CHECK(max_abs_diff(pb, ref) < 1e-11 * scale);
    // and a genuine change of the structure does change B
    Structure moved = c.s;
    moved.positions[0][0] += 0.05;
    CHECK(max_abs_diff(all_b(desc, moved), ref) > 1e-6 * scale);
  }
}

namespace {
// Same arithmetic, but the compiler may contract a*b+c into FMAs differently in the two
// instantiations, so allow round-off.
bool near(double a, double b, double scale) { return std::abs(a - b) <= 1e-13 * std::max(std::abs(b), scale); }
bool near(std::span<const double> a, std::span<const double> b, double scale) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (!near(a[k], b[k], scale)) return false;
  return true;
}

template <int J>
void compare_template_runtime() {
  for (auto& c : cases(J)) {
    INFO(c.name << ", twojmax " << J);
    const Bispectrum<J> fixed(c.p);
    const Bispectrum<dynamic> runtime(c.p);
    REQUIRE(fixed.size() == runtime.size());
    CHECK(fixed.index_list() == runtime.index_list());
    const auto nl = build_neighbour_list(c.s, fixed.neighbour_options());
    auto wf = fixed.make_workspace();
    auto wr = runtime.make_workspace();
    const QuadraticEnergy f(fixed.size());
    std::vector<Vec3> ff(c.s.size(), Vec3::Zero()), fr(c.s.size(), Vec3::Zero());
    Mat3 vf = Mat3::Zero(), vr = Mat3::Zero();
    for (std::size_t i = 0; i < c.s.size(); ++i) {
      std::vector<double> bf(fixed.size()), br(fixed.size()), df(nl.count(i) * 3 * fixed.size()), dr(df.size());
      fixed.compute_with_derivatives(c.s, nl, i, wf, bf, df);
      runtime.compute_with_derivatives(c.s, nl, i, wr, br, dr);
      CHECK(near(bf, br, 1.0));
      CHECK(near(df, dr, 1.0));
      CHECK(near(fixed.evaluate(c.s, nl, i, wf, f, ff, vf), runtime.evaluate(c.s, nl, i, wr, f, fr, vr), 1.0));
    }
    for (std::size_t i = 0; i < c.s.size(); ++i)
      for (int d = 0; d < 3; ++d) CHECK(near(ff[i][d], fr[i][d], 1.0));
    for (int a = 0; a < 9; ++a) CHECK(near(vf.data()[a], vr.data()[a], 1.0));
  }
}
}  // namespace

TEST_CASE("compile-time and run-time twojmax give identical results", "[bispectrum]") {
  compare_template_runtime<2>();
  compare_template_runtime<4>();
  compare_template_runtime<6>();
  compare_template_runtime<8>();
}

TEST_CASE("an isolated atom has B = bzero, so B - bzero vanishes", "[bispectrum]") {
  for (bool bnorm : {false, true}) {
    auto p = mo_params(8);
    p.bnormflag = bnorm;
    Structure s;
    s.add_atom(42, Vec3(0, 0, 0));
    s.add_atom(42, Vec3(0, 0, 20.0));  // far outside the cutoff
    const auto nl = build_neighbour_list(s, Bispectrum<8>(p).neighbour_options());
    p.bzeroflag = true;
    const Bispectrum<8> with(p);
    p.bzeroflag = false;
    const Bispectrum<8> without(p);
    auto ws = with.make_workspace();
    std::vector<double> b0(with.size()), b1(with.size());
    with.compute(s, nl, 0, ws, b0);
    without.compute(s, nl, 0, ws, b1);
    const auto idx = with.index_list();
    for (std::size_t k = 0; k < b0.size(); ++k) {
      CHECK(std::abs(b0[k]) < 1e-13);
      CHECK(b1[k] == Approx(bnorm ? 1.0 : idx[k][2] + 1.0).epsilon(1e-13));
    }
  }
}

TEST_CASE("a neighbour list with a larger cutoff gives the same descriptor", "[bispectrum]") {
  auto c = cases(6)[1];
  const Bispectrum<6> desc(c.p);
  auto opt = desc.neighbour_options();
  const auto ref = all_b(desc, c.s);
  opt.pair_cutoffs.clear();
  opt.cutoff += 1.5;
  const auto nl = build_neighbour_list(c.s, opt);
  auto ws = desc.make_workspace();
  std::vector<double> B(desc.size());
  for (std::size_t i = 0; i < c.s.size(); ++i) {
    desc.compute(c.s, nl, i, ws, B);
    for (std::size_t k = 0; k < B.size(); ++k) CHECK(B[k] == Approx(ref[i][k]).epsilon(1e-13).margin(1e-13));
  }
}

TEST_CASE("bispectrum rejects bad parameters and unknown species", "[bispectrum][errors]") {
  auto p = mo_params(6);
  for (int tj : {-2, 3, 7, 22}) {
    p.twojmax = tj;
    CHECK_THROWS_AS(Bispectrum<>(p), InputError);
  }
  p = mo_params(6);
  p.rcutfac = 0.0;
  CHECK_THROWS_AS(Bispectrum<>(p), InputError);
  p.rcutfac = -1.0;
  CHECK_THROWS_AS(Bispectrum<>(p), InputError);
  p = mo_params(6);
  p.rfac0 = 1.5;
  CHECK_THROWS_AS(Bispectrum<>(p), InputError);
  p.rfac0 = 0.0;
  CHECK_THROWS_AS(Bispectrum<>(p), InputError);
  p = mo_params(6);
  p.elements.clear();
  CHECK_THROWS_AS(Bispectrum<>(p), InputError);
  p = mo_params(6);
  p.elements.push_back({42, 0.4, 1.0});
  CHECK_THROWS_AS(Bispectrum<>(p), InputError);
  p = mo_params(6);
  p.elements[0].radius = 0.0;
  CHECK_THROWS_AS(Bispectrum<>(p), InputError);
  CHECK_THROWS_AS(Bispectrum<8>(mo_params(6)), InputError);

  // a species without parameters, as the central atom or as a neighbour
  const Bispectrum<6> desc(mo_params(6));
  Structure s = bcc(1, 3.16, 0.0, 1);
  s.numbers[1] = 28;
  const auto nl = build_neighbour_list(s, desc.neighbour_options());
  auto ws = desc.make_workspace();
  std::vector<double> B(desc.size());
  CHECK_THROWS_AS(desc.compute(s, nl, 0, ws, B), InputError);
  CHECK_THROWS_AS(desc.compute(s, nl, 1, ws, B), InputError);
  // spans of the wrong size
  s.numbers[1] = 42;
  std::vector<double> small(desc.size() - 1);
  CHECK_THROWS_AS(desc.compute(s, nl, 0, ws, small), InputError);
  std::vector<double> dB(3);
  CHECK_THROWS_AS(desc.compute_with_derivatives(s, nl, 0, ws, B, dB), InputError);
}

TEST_CASE("evaluate_atoms and the parallel evaluate_structure agree with per-atom evaluate", "[bispectrum][parallel]") {
  for (auto& c : cases(6)) {
    INFO(c.name);
    const Bispectrum<6> desc(c.p);
    const QuadraticEnergy f(desc.size());
    std::vector<Vec3> ref;
    Mat3 vref;
    const double eref = evaluate_all(desc, c.s, f, ref, vref);
    const auto nl = build_neighbour_list(c.s, desc.neighbour_options());
    auto close = [&](const std::vector<Vec3>& fa, const Mat3& va, double e) {
      double err = std::abs(e - eref) / std::abs(eref);
      for (std::size_t i = 0; i < fa.size(); ++i) err = std::max(err, (fa[i] - ref[i]).norm() / std::max(1.0, ref[i].norm()));
      err = std::max(err, (va - vref).cwiseAbs().maxCoeff() / std::max(1.0, vref.cwiseAbs().maxCoeff()));
      return err;
    };
    // SIMD groups of atoms, over ranges that leave partial groups
    auto ws = desc.make_workspace();
    std::vector<Vec3> fa(c.s.size(), Vec3::Zero());
    Mat3 va = Mat3::Zero();
    double e = desc.evaluate_atoms(c.s, nl, 0, 1, ws, f, fa, va);
    e += desc.evaluate_atoms(c.s, nl, 1, c.s.size(), ws, f, fa, va);
    CHECK(close(fa, va, e) < 1e-13);
    // values of a range of atoms, grouped the same way
    const auto bref = all_b(desc, c.s);
    std::vector<double> bg((c.s.size() - 1) * desc.size());
    desc.compute_atoms(c.s, nl, 1, c.s.size(), ws, bg);
    double berr = 0.0;
    for (std::size_t i = 1; i < c.s.size(); ++i)
      for (std::size_t k = 0; k < desc.size(); ++k)
        berr = std::max(berr, std::abs(bg[(i - 1) * desc.size() + k] - bref[i][k]) / std::max(1.0, std::abs(bref[i][k])));
    CHECK(berr < 1e-13);
    // values and derivatives of a range of atoms
    double derr = 0.0;
    std::size_t visited = 0;
    std::vector<double> b1(desc.size());
    desc.compute_with_derivatives_atoms(c.s, nl, 1, c.s.size(), ws, [&](std::size_t i, std::span<const double> B,
                                                                         std::span<const double> dB) {
      auto ws1 = desc.make_workspace();
      std::vector<double> d1(nl.count(i) * 3 * desc.size());
      desc.compute_with_derivatives(c.s, nl, i, ws1, b1, d1);
      REQUIRE(dB.size() == d1.size());
      for (std::size_t k = 0; k < B.size(); ++k) derr = std::max(derr, std::abs(B[k] - b1[k]) / std::max(1.0, std::abs(b1[k])));
      for (std::size_t k = 0; k < dB.size(); ++k) derr = std::max(derr, std::abs(dB[k] - d1[k]) / std::max(1.0, std::abs(d1[k])));
      CHECK(i == visited + 1);
      ++visited;
    });
    CHECK(visited == c.s.size() - 1);
    CHECK(derr < 1e-13);
    for (int threads : {1, 2}) {
      tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
      std::vector<Vec3> fp(c.s.size());
      Mat3 vp;
      const double ep = evaluate_structure(desc, c.s, nl, f, fp, vp);
      CHECK(close(fp, vp, ep) < 1e-13);
    }
  }
}
