// Datum-derived structures (include/pestle/explore/datum_structures.hpp): the cost, its analytic
// gradient and stress, its invariances, minimisation towards a diamond-Si datum, and the errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Geometry>

#include "pestle/core/lattices.hpp"
#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/explore/datum_structures.hpp"
#include "pestle/validate/amorphous.hpp"

using namespace pestle;
using namespace pestle::explore;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

Structure datum_diamond_si() { return cubic_supercell(cubic_basis::diamond, 5.43, 1, 14); }

/// Zincblende SiC (C on the fcc sites, Si on the tetrahedral ones), rattled so that every datum
/// environment differs and the soft minimum weighs several of them.
Structure datum_rattled_sic() {
  Structure s = cubic_supercell(cubic_basis::diamond, 4.36, 1, 14);
  for (std::size_t i = 0; i < 4; ++i) s.numbers[i] = 6;
  rattle(s, 0.3, 21);
  return s;
}

/// A random start of the composition at the datum's density (the generator's own starts).
Structure datum_random_trial(const Structure& datum, const CellComposition& comp, std::uint64_t k) {
  DatumGenerateOptions o;
  o.composition = comp;
  const RandomStructureGenerator gen({datum_random_params(datum, o)}, 99);
  return gen.generate(k);
}

/// Max |analytic − central difference| of the forces (−∂E/∂r) and of the strain derivative
/// (∂E/∂ε_ab = −W_ba, positions and cell deformed by I + ε), relative to the largest component.
template <class Cost>
void datum_check_gradients(const Cost& cost, const Structure& s, double h = 1e-5) {
  const PotentialResult r = cost.compute(s);
  double scale = 1e-3, worst = 0.0;
  for (const Vec3& f : r.forces) scale = std::max(scale, f.cwiseAbs().maxCoeff());
  for (std::size_t i = 0; i < s.size(); ++i)
    for (int a = 0; a < 3; ++a) {
      Structure p = s, m = s;
      p.positions[i][a] += h;
      m.positions[i][a] -= h;
      const double fd = -(cost.compute(p).energy - cost.compute(m).energy) / (2 * h);
      worst = std::max(worst, std::abs(fd - r.forces[i][a]));
    }
  CHECK(worst < 1e-5 * scale);
  double wscale = std::max(1e-3, r.virial.cwiseAbs().maxCoeff()), wworst = 0.0;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      auto strained = [&](double e) {
        Mat3 F = Mat3::Identity();
        F(a, b) += e;
        Structure t = s;
        t.cell = s.cell * F.transpose();
        for (Vec3& x : t.positions) x = F * x;
        return cost.compute(t).energy;
      };
      const double fd = (strained(h) - strained(-h)) / (2 * h);
      wworst = std::max(wworst, std::abs(fd + r.virial(b, a)));
    }
  CHECK(wworst < 1e-5 * wscale);
  REQUIRE(r.stress.has_value());
  CHECK((*r.stress + r.virial / s.volume()).cwiseAbs().maxCoeff() < 1e-12 * (1 + wscale));
}

Structure datum_transformed(const Structure& s, const Mat3& R, const Vec3& shift, const std::vector<std::size_t>& perm) {
  Structure t;
  t.pbc = s.pbc;
  t.cell = s.cell * R.transpose();
  for (std::size_t k : perm) t.add_atom(s.numbers[k], R * s.positions[k] + shift);
  return t;
}

}  // namespace

TEST_CASE("datum cost: analytic forces and stress match central differences", "[explore][datum]") {
  SECTION("diamond-Si datum, default SOAP fingerprint, random Si8 trial") {
    const Structure datum = datum_diamond_si();
    const auto cost = default_datum_cost(datum);
    CHECK(cost.descriptor().size() == 106);
    CHECK_THAT(cost.cutoff(), WithinAbs(2.0 * 5.43 * std::sqrt(3.0) / 4.0, 1e-9));
    datum_check_gradients(cost, datum_random_trial(datum, {{14, 8}}, 0));
  }
  SECTION("rattled SiC datum (two species, soft minimum over distinct environments), alpha = 3") {
    const Structure datum = datum_rattled_sic();
    DatumCostParams p;
    p.alpha = 3.0;
    const auto cost = default_datum_cost(datum, p);
    datum_check_gradients(cost, datum_random_trial(datum, {{6, 3}, {14, 3}}, 1));
  }
  SECTION("any Descriptor: the bispectrum as fingerprint") {
    BispectrumParams bp;
    bp.twojmax = 4;
    bp.rcutfac = 4.7;
    bp.elements = {{14, 0.5, 1.0}};
    const Structure datum = datum_diamond_si();
    const DatumCost<Bispectrum<>> cost(Bispectrum<>(bp), datum, {10.0, 1.0, 0.0});
    CHECK(cost.cost(datum) == 0.0);
    datum_check_gradients(cost, datum_random_trial(datum, {{14, 6}}, 2));
  }
}

TEST_CASE("datum cost: the datum is its own minimum, a rattled copy costs more", "[explore][datum]") {
  SECTION("one-site crystal: C = 0 exactly, zero forces and stress") {
    const Structure datum = datum_diamond_si();
    const auto cost = default_datum_cost(datum);
    const PotentialResult r = cost.compute(datum);
    CHECK(r.energy == 0.0);
    for (const Vec3& f : r.forces) CHECK(f.norm() < 1e-12);
    CHECK(r.stress->cwiseAbs().maxCoeff() < 1e-12);
    double previous = 0.0;
    for (double sigma : {0.02, 0.05, 0.1}) {
      Structure r2 = datum;
      rattle(r2, sigma, 5);
      const double c = cost.cost(r2);
      CHECK(c > previous);
      previous = c;
    }
    // a supercell of the datum is the same crystal
    CHECK(cost.cost(cubic_supercell(cubic_basis::diamond, 5.43, 2, 14)) < 1e-12);
  }
  SECTION("datum with distinct environments: C(datum) ≈ ln(M_Z)/α, near-stationary, below rattled copies") {
    const Structure datum = datum_rattled_sic();
    DatumCostParams p;
    p.alpha = 1000.0;
    const auto cost = default_datum_cost(datum, p);
    const PotentialResult r = cost.compute(datum);
    CHECK_THAT(r.energy / 8, WithinAbs(std::log(4.0) / p.alpha, 1e-5));
    double fmax = 0.0;
    for (const Vec3& f : r.forces) fmax = std::max(fmax, f.norm());
    for (unsigned seed : {1u, 2u, 3u}) {
      Structure r2 = datum;
      rattle(r2, 0.05, seed);
      const PotentialResult q = cost.compute(r2);
      CHECK(q.energy > r.energy + 8e-3);
      double f2 = 0.0;
      for (const Vec3& f : q.forces) f2 = std::max(f2, f.norm());
      CHECK(fmax < 0.01 * f2);
    }
  }
}

TEST_CASE("datum cost: invariant under rotation, translation and permutation of the trial", "[explore][datum]") {
  const Structure datum = datum_rattled_sic();
  const auto cost = default_datum_cost(datum);
  const Structure s = datum_random_trial(datum, {{6, 4}, {14, 4}}, 3);
  const PotentialResult a = cost.compute(s);
  const Mat3 R = Eigen::AngleAxisd(0.7, Vec3(1, -2, 0.5).normalized()).toRotationMatrix();
  std::vector<std::size_t> perm(s.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::reverse(perm.begin(), perm.end());
  std::rotate(perm.begin(), perm.begin() + 3, perm.end());
  const Structure t = datum_transformed(s, R, Vec3(0.3, -1.7, 2.2), perm);
  const PotentialResult b = cost.compute(t);
  CHECK_THAT(b.energy, WithinAbs(a.energy, 1e-10));
  for (std::size_t k = 0; k < perm.size(); ++k) {
    CHECK_THAT(b.atom_energies[k], WithinAbs(a.atom_energies[perm[k]], 1e-10));
    CHECK((b.forces[k] - R * a.forces[perm[k]]).norm() < 1e-9);
  }
  CHECK((*b.stress - R * *a.stress * R.transpose()).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("datum-derived structures: minimising from random starts approaches diamond", "[explore][datum]") {
  const Structure datum = datum_diamond_si();
  const auto cost = default_datum_cost(datum);
  const std::vector<double> ref = validate::mean_soap_vector(datum, validate::crystallinity_soap_params());
  DatumGenerateOptions o;
  o.composition = {{14, 8}};
  const RandomStructureGenerator starts({datum_random_params(datum, o)}, 1);
  double before = 0.0, after = 0.0;
  int diamond = 0;
  const int runs = 8;
  for (int k = 0; k < runs; ++k) {
    const Structure start = starts.generate(std::uint64_t(k));
    const DatumStructure d = generate_datum_structure(cost, datum, o, 1, std::uint64_t(k));
    CHECK(d.structure.size() == 8);
    CHECK_THAT(d.initial_cost, WithinAbs(cost.cost(start), 1e-12));  // the same start, from (seed, k)
    CHECK(d.cost < 0.5 * d.initial_cost);
    CHECK_THAT(d.cost, WithinAbs(cost.cost(d.structure), 1e-12));
    const double f0 = validate::soap_crystallinity(start, ref).fraction;
    const double f1 = validate::soap_crystallinity(d.structure, ref).fraction;
    before += f0 / runs;
    after += f1 / runs;
    diamond += f1 == 1.0;
  }
  CHECK(after > before + 0.1);
  CHECK(diamond >= 1);
  // relax_lbfgs minimises the same Calculator unchanged (positions and cell)
  RelaxOptions lo;
  lo.relax_cell = true;
  lo.max_steps = 300;
  const Structure start = starts.generate(2);
  const RelaxResult l = relax_lbfgs(cost, start, lo);
  CHECK(l.result.energy / 8 < 0.5 * cost.cost(start));
  // the default-SOAP overload builds the same cost
  CHECK_THAT(generate_datum_structure(datum, o, 1, 0).cost, WithinAbs(generate_datum_structure(cost, datum, o, 1, 0).cost, 1e-12));
}

TEST_CASE("datum-derived structures: compositions and input errors", "[explore][datum]") {
  CHECK(parse_cell_composition("Si8") == CellComposition{{14, 8}});
  CHECK(parse_cell_composition("Si4C4") == CellComposition{{6, 4}, {14, 4}});
  CHECK(parse_cell_composition("Si:2,C:6") == CellComposition{{6, 6}, {14, 2}});
  CHECK(parse_cell_composition("Si") == CellComposition{{14, 1}});
  CHECK_THROWS_AS(parse_cell_composition("Xx4"), InputError);
  CHECK_THROWS_AS(parse_cell_composition("si4"), InputError);
  CHECK_THROWS_AS(parse_cell_composition(""), InputError);

  const Structure datum = datum_diamond_si();
  const auto cost = default_datum_cost(datum);
  SECTION("empty datum") {
    CHECK_THROWS_WITH(default_datum_cost(Structure{}), Contains("the datum has no atoms"));
    CHECK_THROWS_WITH(DatumCost<Soap<>>(cost.descriptor(), Structure{}), Contains("the datum has no atoms"));
    CHECK_THROWS_AS(generate_datum_structure(Structure{}, {}, 1), InputError);
  }
  SECTION("an element the datum lacks, in the trial or the composition, is named") {
    Structure ge = datum;
    ge.numbers[3] = 32;
    CHECK_THROWS_WITH(cost.compute(ge), Contains("Ge") && Contains("the datum lacks"));
    DatumGenerateOptions o;
    o.composition = {{14, 4}, {6, 4}};
    CHECK_THROWS_WITH(generate_datum_structure(cost, datum, o, 1), Contains("C, an element the datum lacks"));
  }
  SECTION("bad parameters and a non-finite cost") {
    CHECK_THROWS_AS(default_datum_cost(datum, {0.0, 1.0, 0.0}), InputError);
    CHECK_THROWS_AS(default_datum_cost(datum, {1.0, -1.0, 0.0}), InputError);
    CHECK_THROWS_AS(default_datum_cost(datum, {1.0, std::nan(""), 0.0}), InputError);
    // β/L² overflows to infinity: every c_ij is infinite (or NaN), the cost is not finite
    const auto overflow = default_datum_cost(datum, {10.0, 1e5, 1e-200});
    Structure r = datum;
    rattle(r, 0.05, 1);
    CHECK_THROWS_WITH(overflow.compute(r), Contains("not finite"));
    Structure nan = datum;
    nan.positions[0][0] = std::nan("");
    CHECK_THROWS_AS(cost.compute(nan), InputError);
    CHECK_THROWS_AS(cost.compute(Structure{}), InputError);
    Structure open = datum;
    open.pbc = {false, false, false};
    CHECK_THROWS_WITH(datum_random_params(open, {}), Contains("periodic"));
  }
}
