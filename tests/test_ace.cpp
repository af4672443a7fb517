// pestle's ACE evaluator: finite-difference forces and stress, rotation/translation/permutation
// invariance, the descriptor derivative layout, and bad .ace files (typed errors, never a crash).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "pestle/core/lattices.hpp"
#include "pestle/formats/ace_file.hpp"
#include "pestle/data/extxyz.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

using test::cu_ace;


const AceFile& cu_file() {
  static const AceFile f = read_ace_file(cu_ace);
  return f;
}
const AcePotential& cu() {
  static const AcePotential p = make_ace_potential(cu_file());
  return p;
}

Structure reference(const std::string& name) {
  return read_extxyz(test::shared("data/reference/lammps-pace/" + name + ".xyz")).frames.at(0).structure;
}

std::string file_text() {
  std::ifstream in(cu_ace);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Mat3 rotation(double a, double b, double c) {
  return (Eigen::AngleAxisd(a, Vec3::UnitZ()) * Eigen::AngleAxisd(b, Vec3::UnitY()) * Eigen::AngleAxisd(c, Vec3::UnitX()))
      .toRotationMatrix();
}

}  // namespace

TEST_CASE("ACE: forces and stress are the derivatives of the energy (central differences)", "[ace]") {
  for (const std::string name : {"cu_close_pair_32", "cu_2atom_rattled"}) {
    INFO(name);
    Structure s = reference(name);
    const auto r = cu().compute(s);
    const double h = 1e-5;
    double worst = 0.0, fmax = 0.0;
    for (std::size_t i = 0; i < s.size(); ++i)
      for (int d = 0; d < 3; ++d) {
        Structure p = s, m = s;
        p.positions[i][d] += h, m.positions[i][d] -= h;
        const double fd = -(cu().energy(p) - cu().energy(m)) / (2 * h);
        worst = std::max(worst, std::abs(fd - r.forces[i][d]));
        fmax = std::max(fmax, std::abs(r.forces[i][d]));
      }
    CHECK(fmax > 0.1);             // the structure is far from equilibrium: the check means something
    CHECK(worst <= 2e-6 * fmax);   // h² truncation + round-off
    // stress: σ = (1/V) ∂E/∂ε for a homogeneous strain of cell and positions
    const Mat3 fd_stress = test::finite_difference_stress(s, [&](const Structure& t) { return cu().energy(t); }, h);
    const Mat3 sym = 0.5 * (fd_stress + fd_stress.transpose());
    CHECK((sym - *r.stress).cwiseAbs().maxCoeff() <= 1e-6 * std::max(1.0, r.stress->norm()));
  }
}

TEST_CASE("ACE: energy is invariant under rotation, translation and permutation; forces rotate", "[ace]") {
  Structure s = reference("cu_close_pair_32");
  const auto r0 = cu().compute(s);
  SECTION("rotation of positions and cell") {
    const Mat3 R = rotation(0.3, -1.1, 2.0);
    Structure t = s;
    t.cell = s.cell * R.transpose();
    for (auto& x : t.positions) x = R * x;
    const auto r = cu().compute(t);
    CHECK(std::abs(r.energy - r0.energy) <= 1e-12 * std::abs(r0.energy));
    for (std::size_t i = 0; i < s.size(); ++i) {
      INFO(r.atom_energies[i] - r0.atom_energies[i]);
      CHECK(std::abs(r.atom_energies[i] - r0.atom_energies[i]) <= 1e-10);  // eV: E_i sums terms of ~10² eV
      CHECK((r.forces[i] - R * r0.forces[i]).norm() <= 1e-10);
    }
    CHECK((*r.stress - R * *r0.stress * R.transpose()).norm() <= 1e-12);
  }
  SECTION("translation") {
    Structure t = s;
    for (auto& x : t.positions) x += Vec3(0.37, -2.2, 5.1);
    const auto r = cu().compute(t);
    CHECK(std::abs(r.energy - r0.energy) <= 1e-12 * std::abs(r0.energy));
    for (std::size_t i = 0; i < s.size(); ++i) CHECK((r.forces[i] - r0.forces[i]).norm() <= 1e-10);
  }
  SECTION("permutation of atoms") {
    std::vector<std::size_t> perm(s.size());
    for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = (i * 7 + 3) % perm.size();  // 7 coprime to 32
    Structure t = s;
    for (std::size_t i = 0; i < perm.size(); ++i) t.positions[i] = s.positions[perm[i]];
    const auto r = cu().compute(t);
    CHECK(std::abs(r.energy - r0.energy) <= 1e-12 * std::abs(r0.energy));
    for (std::size_t i = 0; i < perm.size(); ++i) {
      CHECK(std::abs(r.atom_energies[i] - r0.atom_energies[perm[i]]) <= 1e-10);  // eV
      CHECK((r.forces[i] - r0.forces[perm[i]]).norm() <= 1e-10);
    }
  }
}

TEST_CASE("ACE: compute_with_derivatives agrees with the adjoint forces", "[ace]") {
  const Structure s = reference("cu_2atom_rattled");
  const AceDescriptor& d = cu().descriptor();
  const NeighbourList nl = build_neighbour_list(s, d.neighbour_options());
  auto ws = d.make_workspace();
  const std::size_t nf = d.size();
  // a linear energy E_i = Σ_c w_c q_c exercises every feature's derivative
  const std::vector<double> w = {0.7, -1.3, 0.25};
  REQUIRE(nf == w.size());
  std::vector<Vec3> forces(s.size(), Vec3::Zero());
  Mat3 virial = Mat3::Zero();
  std::vector<double> q(nf);
  for (std::size_t i = 0; i < s.size(); ++i) {
    d.evaluate(s, nl, i, ws, [&](std::span<const double> qq, std::span<double> g) {
      double e = 0;
      for (std::size_t c = 0; c < nf; ++c) e += w[c] * qq[c], g[c] = w[c];
      return e;
    }, std::span<Vec3>(forces), virial);
  }
  std::vector<Vec3> f2(s.size(), Vec3::Zero());
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::vector<double> dq(nl.count(i) * 3 * nf);
    d.compute_with_derivatives(s, nl, i, ws, q, dq);
    for (std::size_t n = 0; n < nl.count(i); ++n)
      for (int k = 0; k < 3; ++k) {
        double g = 0;
        for (std::size_t c = 0; c < nf; ++c) g += w[c] * dq[(n * 3 + std::size_t(k)) * nf + c];
        f2[i][k] += g;
        f2[std::size_t(nl.index[nl.begin(i) + n])][k] -= g;
      }
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    CHECK(forces[i].norm() > 1e-3);
    CHECK((forces[i] - f2[i]).norm() <= 1e-12 * (1 + forces[i].norm()));
  }
}

TEST_CASE("ACE: an element the potential does not cover is an InputError naming it", "[ace]") {
  Structure s = cubic_supercell(cubic_basis::fcc, 3.6, 2, 29);
  s.numbers[3] = 42;
  REQUIRE_THROWS_AS(cu().compute(s), InputError);
  REQUIRE_THROWS_WITH(cu().compute(s), Catch::Contains("Mo"));
}

TEST_CASE("ACE: bad .ace files are ParseErrors naming the file, the line and the reason", "[ace]") {
  const std::string good = file_text();
  auto parse = [](const std::string& text) {
    std::istringstream in(text);
    return read_ace_file(in, "bad.ace");
  };
  REQUIRE_NOTHROW(parse(good));
  auto expect_error = [&](const std::string& text, const std::string& reason) {
    INFO(reason);
    try {
      parse(text);
      FAIL("no error");
    } catch (const ParseError& e) {
      CHECK(e.file() == "bad.ace");
      CHECK_THAT(e.what(), Catch::Contains(reason));
    }
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    const auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  SECTION("truncated at several places") {
    for (double frac : {0.001, 0.01, 0.05, 0.3, 0.7, 0.999}) {
      INFO(frac);
      expect_error(good.substr(0, std::size_t(double(good.size()) * frac)), "");
    }
    expect_error(good.substr(0, good.rfind("< 6  -6 >:")), "file ends");
  }
  SECTION("unknown radial basis") { expect_error(replaced("radbasename=ChebPow", "radbasename=Gaussian"), "unknown radial basis 'Gaussian'"); }
  SECTION("unknown embedding") {
    expect_error(replaced("embedding-function: FinnisSinclairShiftedScaled", "embedding-function: Exotic"),
                 "unknown embedding-function 'Exotic'");
  }
  SECTION("species index beyond the element list") { expect_error(replaced("mu=( 0  0 )", "mu=( 0  1 )"), "mu=( entry 1 out of range"); }
  SECTION("unknown element symbol") { expect_error(replaced("elements: Cu", "elements: Qq"), "unknown element 'Qq'"); }
  SECTION("m larger than l") { expect_error(replaced("< 1  -1 >:", "< 2  -1 >:"), "|m| > l"); }
  SECTION("not a number") { expect_error(replaced("cutoff= 7.4", "cutoff= seven"), "expected a number"); }
  SECTION("FS parameter count does not match the densities") {
    expect_error(replaced("4 FS parameters:  1.000000 1.000000 1.000000 0.500000", "2 FS parameters:  1.000000 1.000000"),
                 "FS parameters per density");
  }
  SECTION("trailing garbage") { expect_error(good + "\nextra words\n", "unexpected text"); }
  SECTION("line numbers point at the problem") {
    try {
      parse(replaced("radbasename=ChebPow", "radbasename=Gaussian"));
    } catch (const ParseError& e) {
      CHECK(e.line() == 13);
    }
  }
  SECTION("missing file") { REQUIRE_THROWS_AS(read_ace_file("/nonexistent/x.ace"), InputError); }
}
