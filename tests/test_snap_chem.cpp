// Explicit multi-element SNAP (LAMMPS chemflag; Cusentino, Wood & Thompson, JPCA 124, 5456 (2020)):
// forces, virial and stress are derivatives of the energy for every (bnormflag, wselfallflag), the
// energy is invariant under rotation and permutation, every evaluation path of the bispectrum gives
// the same numbers, a chemflag model survives the JSON and the LAMMPS-file round trips, and the SNAP
// design matrix (which takes the column count from the descriptor) reproduces a chemflag potential.
// The numbers of LAMMPS itself are compared in test_bispectrum_lammps.cpp (MoNi_f0 chem_bnorm).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/fit.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/formats/snap_files.hpp"
#include "pestle/models/snap.hpp"
#include "test_models_support.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::temp_path;
using test::max_abs_diff;

BispectrumParams chem_params(bool bnorm, bool wselfall, int twojmax = 4) {
  BispectrumParams p;
  p.twojmax = twojmax;
  p.rcutfac = 4.6;
  p.chemflag = true;
  p.bnormflag = bnorm;
  p.wselfallflag = wselfall;
  p.elements = {{42, 0.5, 1.0}, {28, 0.45, 0.8}};
  return p;
}

/// 16-atom rattled, sheared bcc cell, every third atom Ni (so Mo–Mo, Mo–Ni and Ni–Ni pairs all occur).
Structure rattled_moni(unsigned seed) {
  Structure s = test::jittered_bcc(42, 3.16, 2, 0.2, seed);
  test::substitute(s, 28, 3, 1);
  return s;
}

/// A SNAP (M = Linear) or qSNAP (Quadratic) potential with random coefficients.
template <class M>
Potential<Bispectrum<dynamic>, M> random_snap(const BispectrumParams& p, unsigned seed, double scale) {
  const std::size_t n = Bispectrum<dynamic>(p).size();
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, scale);
  std::vector<std::vector<double>> c(p.elements.size());
  for (auto& block : c) {
    block.resize(1 + M::map_type::size(n));
    for (double& x : block) x = g(rng);
  }
  return make_snap<M>(p, std::move(c));
}

std::string flags_name(const BispectrumParams& p) {
  return "bnormflag " + std::to_string(p.bnormflag) + ", wselfallflag " + std::to_string(p.wselfallflag);
}

/// Forces, virial and stress of pot against central differences of its energy, on every atom.
template <class P>
void check_derivatives(const P& pot, const Structure& s) {
  const PotentialResult r = pot.compute(s);
  CHECK(pot.energy(s) == Approx(r.energy).epsilon(1e-12));  // per-atom compute path vs adjoint path
  double fmax = 0.0;
  for (const auto& f : r.forces) fmax = std::max(fmax, f.cwiseAbs().maxCoeff());
  REQUIRE(fmax > 1e-3);  // the check below would be empty otherwise
  const double h = 1e-5;
  double worst = 0.0;
  for (std::size_t k = 0; k < s.size(); ++k)
    for (int dim = 0; dim < 3; ++dim) {
      Structure a = s, b = s;
      a.positions[k][dim] += h;
      b.positions[k][dim] -= h;
      const double fd = -(pot.energy(a) - pot.energy(b)) / (2 * h);
      worst = std::max(worst, std::abs(r.forces[k][dim] - fd));
    }
  INFO("worst force deviation " << worst << " eV/Å, largest force component " << fmax);
  CHECK(worst <= 1e-7 * fmax);
  Vec3 total = Vec3::Zero();
  for (const auto& f : r.forces) total += f;
  CHECK(total.norm() <= 1e-11 * fmax * static_cast<double>(s.size()));
  // virial = −∂E/∂ε and stress = −virial/V (ASE sign)
  const Mat3 dEde = test::strain_derivative(s, [&](const Structure& t) { return pot.energy(t); });
  const double vmax = dEde.cwiseAbs().maxCoeff();
  INFO("virial " << r.virial << "\n−dE/dε " << -dEde);
  CHECK((r.virial + dEde).cwiseAbs().maxCoeff() <= 1e-7 * vmax);
  REQUIRE(r.stress.has_value());
  CHECK((*r.stress + r.virial / s.volume()).cwiseAbs().maxCoeff() <= 1e-14 * vmax);
}

std::vector<std::vector<double>> all_b(const Bispectrum<dynamic>& d, const Structure& s) {
  const auto nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  std::vector<std::vector<double>> out(s.size(), std::vector<double>(d.size()));
  for (std::size_t i = 0; i < s.size(); ++i) d.compute(s, nl, i, ws, out[i]);
  return out;
}

}  // namespace

TEST_CASE("chemflag SNAP: forces, virial and stress are derivatives of the energy", "[snap][chem]") {
  const Structure s = rattled_moni(7);
  for (bool bnorm : {false, true})
    for (bool wselfall : {false, true}) {
      const BispectrumParams p = chem_params(bnorm, wselfall);
      INFO(flags_name(p));
      check_derivatives(random_snap<Linear>(p, 100 + 2 * bnorm + wselfall, 0.02), s);
    }
  // qSNAP on the same descriptor: the quadratic model only changes ∂E/∂B
  const BispectrumParams p = chem_params(true, true);
  INFO("qSNAP, " << flags_name(p));
  check_derivatives(random_snap<Quadratic>(p, 17, 1e-3), s);
}

TEST_CASE("chemflag SNAP energy is invariant under rotation and permutation", "[snap][chem]") {
  const Structure s = rattled_moni(11);
  for (bool bnorm : {false, true})
    for (bool wselfall : {false, true}) {
      const BispectrumParams p = chem_params(bnorm, wselfall);
      INFO(flags_name(p));
      const auto pot = random_snap<Linear>(p, 300 + 2 * bnorm + wselfall, 0.02);
      const double e = pot.energy(s);
      // rotation: positions r -> R r, cell rows a -> R a
      const Mat3 R =
          (Eigen::AngleAxisd(0.7, Vec3(1, 2, 3).normalized()) * Eigen::AngleAxisd(-1.9, Vec3::UnitZ())).toRotationMatrix();
      Structure rot = s;
      rot.cell = s.cell * R.transpose();
      for (auto& r : rot.positions) r = R * r;
      CHECK(pot.energy(rot) == Approx(e).epsilon(1e-11));
      // permutation: the atoms in a shuffled order (species travel with their atoms)
      std::vector<std::size_t> order(s.size());
      for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
      std::shuffle(order.begin(), order.end(), std::mt19937(5));
      Structure perm = s;
      for (std::size_t k = 0; k < order.size(); ++k) {
        perm.positions[k] = s.positions[order[k]];
        perm.numbers[k] = s.numbers[order[k]];
      }
      CHECK(pot.energy(perm) == Approx(e).epsilon(1e-11));
      // but exchanging the species of two atoms is a different structure
      Structure swapped = s;
      std::swap(swapped.numbers[0], swapped.numbers[1]);
      REQUIRE(swapped.numbers[0] != swapped.numbers[1]);
      CHECK(std::abs(pot.energy(swapped) - e) > 1e-6 * std::abs(e));
    }
}

TEST_CASE("chemflag bispectrum: every evaluation path gives the same numbers", "[bispectrum][chem]") {
  const Structure s = rattled_moni(3);
  const BispectrumParams p = chem_params(false, true);
  const Bispectrum<dynamic> d(p);
  const Bispectrum<4> fixed(p);
  const std::size_t nb = d.size(), n = s.size();
  REQUIRE(nb == 8 * 14);
  REQUIRE(fixed.size() == nb);
  REQUIRE(d.index_list().size() == nb);
  const auto nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  auto wf = fixed.make_workspace();
  // a linear energy with random β, so that adjoint forces = Σ β·dB
  std::vector<double> beta(nb);
  std::mt19937 rng(9);
  std::normal_distribution<double> g(0.0, 0.05);
  for (double& b : beta) b = g(rng);
  auto energy_of = [&](std::span<const double> B, std::span<double> dE) {
    double e = 0.0;
    for (std::size_t c = 0; c < B.size(); ++c) e += beta[c] * B[c], dE[c] = beta[c];
    return e;
  };
  std::vector<double> b_all(n * nb);
  d.compute_atoms(s, nl, 0, n, ws, b_all);
  std::vector<Vec3> f_contracted(n, Vec3::Zero()), f_adjoint(n, Vec3::Zero()), f_fixed(n, Vec3::Zero());
  Mat3 v_adjoint = Mat3::Zero(), v_fixed = Mat3::Zero();
  double e_adjoint = 0.0;
  std::vector<std::vector<double>> b_one(n), db_one(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> b(nb), bd(nb), bf(nb), db(nl.count(i) * 3 * nb), dbf(db.size());
    d.compute(s, nl, i, ws, b);
    d.compute_with_derivatives(s, nl, i, ws, bd, db);
    fixed.compute_with_derivatives(s, nl, i, wf, bf, dbf);
    CHECK(b == bd);
    CHECK(std::equal(b.begin(), b.end(), b_all.begin() + static_cast<std::ptrdiff_t>(i * nb)));
    for (std::size_t c = 0; c < nb; ++c) CHECK(bf[c] == Approx(b[c]).margin(1e-12));
    for (std::size_t c = 0; c < db.size(); ++c) CHECK(dbf[c] == Approx(db[c]).margin(1e-12));
    for (std::size_t m = 0; m < nl.count(i); ++m) {
      Vec3 gij = Vec3::Zero();
      for (int dim = 0; dim < 3; ++dim)
        for (std::size_t c = 0; c < nb; ++c) gij[dim] += beta[c] * db[(m * 3 + static_cast<std::size_t>(dim)) * nb + c];
      f_contracted[i] += gij;
      f_contracted[static_cast<std::size_t>(nl.index[nl.begin(i) + m])] -= gij;
    }
    e_adjoint += d.evaluate(s, nl, i, ws, energy_of, f_adjoint, v_adjoint);
    fixed.evaluate(s, nl, i, wf, energy_of, f_fixed, v_fixed);
    b_one[i] = b;
    db_one[i] = db;
  }
  double fscale = 0.0;
  for (const auto& f : f_adjoint) fscale = std::max(fscale, f.cwiseAbs().maxCoeff());
  for (std::size_t i = 0; i < n; ++i) {
    CHECK((f_contracted[i] - f_adjoint[i]).cwiseAbs().maxCoeff() <= 1e-12 * fscale);
    CHECK((f_fixed[i] - f_adjoint[i]).cwiseAbs().maxCoeff() <= 1e-12 * fscale);
  }
  CHECK((v_fixed - v_adjoint).cwiseAbs().maxCoeff() <= 1e-12 * v_adjoint.cwiseAbs().maxCoeff());
  // the grouped members and the parallel whole-structure evaluation
  std::size_t seen = 0;
  d.compute_with_derivatives_atoms(s, nl, 0, n, ws, [&](std::size_t i, std::span<const double> B, std::span<const double> dB) {
    CHECK(std::equal(B.begin(), B.end(), b_one[i].begin(), b_one[i].end()));
    CHECK(std::equal(dB.begin(), dB.end(), db_one[i].begin(), db_one[i].end()));
    ++seen;
  });
  CHECK(seen == n);
  std::vector<Vec3> f_group(n, Vec3::Zero()), f_par(n, Vec3::Zero());
  Mat3 v_group = Mat3::Zero(), v_par = Mat3::Zero();
  CHECK(d.evaluate_atoms(s, nl, 0, n, ws, energy_of, f_group, v_group) == Approx(e_adjoint).epsilon(1e-14));
  CHECK(evaluate_structure(d, s, nl, energy_of, f_par, v_par) == Approx(e_adjoint).epsilon(1e-13));
  for (std::size_t i = 0; i < n; ++i) {
    CHECK((f_group[i] - f_adjoint[i]).cwiseAbs().maxCoeff() <= 1e-12 * fscale);
    CHECK((f_par[i] - f_adjoint[i]).cwiseAbs().maxCoeff() <= 1e-12 * fscale);
  }
  CHECK((v_par - v_adjoint).cwiseAbs().maxCoeff() <= 1e-12 * v_adjoint.cwiseAbs().maxCoeff());
}

TEST_CASE("chemflag reduces to plain SNAP for one element; an isolated atom has B = 0", "[bispectrum][chem]") {
  // one element: one density, one triple, the same components as without chemflag
  const Structure mo = test::jittered_bcc(42, 3.16, 2, 0.2, 5);
  BispectrumParams plain;
  plain.twojmax = 6;
  plain.elements = {{42, 0.5, 1.0}};
  for (bool bnorm : {false, true})
    for (bool wselfall : {false, true}) {
      BispectrumParams chem = plain;
      chem.chemflag = true;
      chem.bnormflag = plain.bnormflag = bnorm;
      chem.wselfallflag = wselfall;
      INFO(flags_name(chem));
      const auto a = all_b(Bispectrum<dynamic>(plain), mo), b = all_b(Bispectrum<dynamic>(chem), mo);
      CHECK(max_abs_diff(a, b) <= 1e-12 * std::max(1.0, max_abs_diff(a, std::vector<std::vector<double>>(
                                                                          a.size(), std::vector<double>(a[0].size(), 0.0)))));
      // wselfallflag does nothing without chemflag (one density, which is the centre's own)
      BispectrumParams plain_wself = plain;
      plain_wself.wselfallflag = true;
      CHECK(all_b(Bispectrum<dynamic>(plain_wself), mo) == all_b(Bispectrum<dynamic>(plain), mo));
    }
  // an isolated atom: bzero removes exactly the self term, with or without it in the other densities
  for (bool bnorm : {false, true})
    for (bool wselfall : {false, true}) {
      const BispectrumParams p = chem_params(bnorm, wselfall, 6);
      INFO(flags_name(p));
      Structure lone;
      lone.add_atom(28, Vec3(0.1, 0.2, 0.3));
      for (const auto& row : all_b(Bispectrum<dynamic>(p), lone))
        for (double x : row) CHECK(std::abs(x) < 1e-14);
    }
}

TEST_CASE("a chemflag model survives the JSON and the LAMMPS file round trips", "[snap][chem][model_json]") {
  const BispectrumParams p = chem_params(true, true);
  const AnyPotential pot = random_snap<Linear>(p, 77, 0.02);
  const Structure s = rattled_moni(2);
  const double e = pot.energy(s);
  const AnyPotential from_json = model_from_json(model_to_json(pot));
  const auto& q = std::get<SnapPotential>(from_json.variant()).descriptor().params();
  CHECK(q.chemflag);
  CHECK(q.wselfallflag);
  CHECK(q.bnormflag);
  CHECK(from_json.energy(s) == e);
  // files written before chemflag existed have neither key: they read as chemflag 0, wselfallflag 0
  BispectrumParams plain = p;
  plain.chemflag = plain.wselfallflag = false;
  nlohmann::json old = model_to_json(random_snap<Linear>(plain, 78, 0.02));
  old["descriptor"].erase("chemflag");
  old["descriptor"].erase("wselfallflag");
  const AnyPotential old_pot = model_from_json(old);
  const auto& r = std::get<SnapPotential>(old_pot.variant()).descriptor().params();
  CHECK_FALSE(r.chemflag);
  CHECK_FALSE(r.wselfallflag);
  // LAMMPS .snapcoeff/.snapparam
  const std::string c = temp_path("chem.snapcoeff"), m = temp_path("chem.snapparam");
  write_snap_files(pot, c, m);
  const SnapFiles f = read_snap_files(c, m);
  CHECK(f.params.chemflag);
  CHECK(f.params.wselfallflag);
  CHECK(f.coefficients[0].size() == 1 + 8 * 14);
  CHECK(load_snap(c, m).energy(s) == e);
  std::filesystem::remove(c);
  std::filesystem::remove(m);
}

TEST_CASE("a SNAP fit config reads chemflag and wselfallflag", "[fit][snap][chem]") {
  nlohmann::json j = {{"model", "snap"},
                      {"descriptor",
                       {{"twojmax", 4}, {"chemflag", true}, {"wselfallflag", true}, {"bnormflag", true},
                        {"elements", {{"Mo", {{"radius", 0.5}}}, {"Ni", {{"radius", 0.45}, {"weight", 0.8}}}}}}},
                      {"training", "train.xyz"}};
  const FitConfig c = parse_fit_config(j, ".");
  CHECK(c.descriptor.chemflag);
  CHECK(c.descriptor.wselfallflag);
  CHECK(Bispectrum<dynamic>(c.descriptor).size() == 8 * 14);
  j["descriptor"].erase("wselfallflag");
  CHECK_FALSE(parse_fit_config(j, ".").descriptor.wselfallflag);  // LAMMPS default
  j["descriptor"]["chemflags"] = true;                               // a misspelt key is an error
  CHECK_THROWS_AS(parse_fit_config(j, "."), InputError);
}

TEST_CASE("SNAP design rows reproduce the chemflag InP potential", "[fit][snap][chem]") {
  const std::string dir = "/usr/share/lammps/potentials/InP_JCPA2020";
  const auto pot = std::get<SnapPotential>(load_snap(dir + ".snapcoeff", dir + ".snapparam").variant());
  // rattled zincblende InP, one conventional cell (a = 5.87 Å)
  const double a = 5.87;
  Structure s;
  s.pbc = {true, true, true};
  s.cell = Mat3::Identity() * a;
  std::mt19937 rng(21);
  std::uniform_real_distribution<double> u(-0.15, 0.15);
  for (const Vec3& site : {Vec3(0, 0, 0), Vec3(0, 0.5, 0.5), Vec3(0.5, 0, 0.5), Vec3(0.5, 0.5, 0)}) {
    s.add_atom(49, a * site + Vec3(u(rng), u(rng), u(rng)));
    s.add_atom(15, a * (site + Vec3(0.25, 0.25, 0.25)) + Vec3(u(rng), u(rng), u(rng)));
  }
  const PotentialResult r = pot.compute(s);
  Frame f;
  f.structure = s;
  f.labels.energy = r.energy;
  f.labels.forces = r.forces;
  f.labels.stress = r.stress;
  Dataset data;
  data.push_back(f);
  const DesignLayout layout{snap_species(pot.descriptor().params()), LinearMap::size(pot.descriptor().size())};
  REQUIRE(layout.per_species() == 241);
  const RowBlock rows = design_matrix<LinearMap>(pot.descriptor(), data, layout, DesignOptions{});
  Eigen::VectorXd c(rows.A.cols());
  for (std::size_t sp = 0; sp < layout.species.size(); ++sp)
    for (std::size_t k = 0; k < layout.per_species(); ++k)
      c[static_cast<Eigen::Index>(sp * layout.per_species() + k)] = pot.model().coefficients(sp)[k];
  const Eigen::VectorXd predicted = rows.A * c;
  CHECK((predicted - rows.b).cwiseAbs().maxCoeff() < 1e-10 * rows.b.cwiseAbs().maxCoeff());
}
