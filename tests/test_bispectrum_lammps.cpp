// The SNAP bispectrum against LAMMPS ML-SNAP (compute sna/atom, snad/atom, snav/atom and pair snap)
// on the reference data in ../shared/data/reference/lammps-snap (see its README.md for every
// format, ordering and sign used below).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pestle/descriptors/bispectrum.hpp"
#include "pestle/data/lammps_data.hpp"
#include "test_helpers.hpp"

using namespace pestle;

namespace {

const std::string ref_dir = "data/reference/lammps-snap/";

/// Rows "id type c1 ... cn" of a reference file (comment lines skipped), values only.
std::vector<std::vector<double>> read_rows(const std::string& file) {
  std::ifstream in(test::shared(ref_dir + file));
  REQUIRE(in.good());
  std::vector<std::vector<double>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    double id, type;
    ls >> id >> type;
    std::vector<double> v;
    for (double x; ls >> x;) v.push_back(x);
    rows.push_back(v);
  }
  return rows;
}

/// A number from a "# key v1 v2 ..." header line of a reference file.
std::vector<double> header_values(const std::string& file, const std::string& key) {
  std::ifstream in(test::shared(ref_dir + file));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("# " + key + " ", 0) == 0) {
      std::istringstream ls(line.substr(key.size() + 3));
      std::vector<double> v;
      for (double x; ls >> x;) v.push_back(x);
      return v;
    }
  FAIL("no header " << key << " in " << file);
  return {};
}

LammpsData load(const std::string& name, bool two_species = false) {
  return read_lammps_data(test::shared(ref_dir + "inputs/" + name + ".data"),
                          two_species ? std::vector<int>{42, 28} : std::vector<int>{name[0] == 'N' ? 28 : 42});
}

BispectrumParams params_for(const std::string& name) {
  BispectrumParams p;
  p.rmin0 = 0.0;
  p.rfac0 = 0.99363;
  if (name.rfind("Ni", 0) == 0) {
    p.twojmax = 8, p.rcutfac = 4.1, p.elements = {{28, 0.5, 1.0}};
  } else if (name.rfind("MoNi", 0) == 0) {
    p.twojmax = 6, p.rcutfac = 4.6, p.elements = {{42, 0.5, 1.0}, {28, 0.45, 0.8}};
  } else {
    p.twojmax = 6, p.rcutfac = 4.6, p.elements = {{42, 0.5, 1.0}};
  }
  return p;
}

/// |a-b| <= rel * max(|b|, scale) for every entry; reports the worst one.
void check_close(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want,
                 double scale, double rel = 1e-10) {
  REQUIRE(got.size() == want.size());
  double worst = 0.0;
  std::size_t wi = 0, wc = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    REQUIRE(got[i].size() == want[i].size());
    for (std::size_t c = 0; c < want[i].size(); ++c) {
      const double err = std::abs(got[i][c] - want[i][c]) / std::max(std::abs(want[i][c]), scale);
      if (err > worst) worst = err, wi = i, wc = c;
    }
  }
  INFO("worst relative error " << worst << " at atom " << wi + 1 << " column " << wc + 1 << ": got "
                               << got[wi][wc] << ", LAMMPS " << want[wi][wc]);
  CHECK(worst <= rel);
}

double max_abs(const std::vector<std::vector<double>>& rows) {
  double m = 0.0;
  for (const auto& r : rows)
    for (double x : r) m = std::max(m, std::abs(x));
  return m;
}

template <int J>
struct Computed {
  std::vector<std::vector<double>> sna, snad, snav;
};

/// Per-atom B, snad and snav exactly as the LAMMPS computes lay them out.
template <int J>
Computed<J> compute_all(const LammpsData& data, const BispectrumParams& p, int ntypes) {
  const Bispectrum<J> desc(p);
  const Structure& s = data.structure;
  const auto nl = build_neighbour_list(s, desc.neighbour_options());
  auto ws = desc.make_workspace();
  const std::size_t nb = desc.size(), n = s.size();
  Computed<J> out;
  out.sna.assign(n, std::vector<double>(nb));
  out.snad.assign(n, std::vector<double>(static_cast<std::size_t>(ntypes) * 3 * nb, 0.0));
  out.snav.assign(n, std::vector<double>(static_cast<std::size_t>(ntypes) * 6 * nb, 0.0));
  const int va[6] = {0, 1, 2, 1, 0, 0}, vb[6] = {0, 1, 2, 2, 2, 1};  // xx yy zz yz xz xy
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> dB(nl.count(i) * 3 * nb);
    desc.compute_with_derivatives(s, nl, i, ws, out.sna[i], dB);
    const std::size_t t = static_cast<std::size_t>(data.types[i] - 1);
    for (std::size_t m = 0; m < nl.count(i); ++m) {
      const std::size_t e = nl.begin(i) + m, j = static_cast<std::size_t>(nl.index[e]);
      const Vec3 xi = s.positions[i], xj = s.positions[i] + nl.displacement[e];
      for (std::size_t c = 0; c < nb; ++c) {
        for (int d = 0; d < 3; ++d) {
          const double g = dB[(m * 3 + static_cast<std::size_t>(d)) * nb + c];
          out.snad[i][(t * 3 + static_cast<std::size_t>(d)) * nb + c] += g;
          out.snad[j][(t * 3 + static_cast<std::size_t>(d)) * nb + c] -= g;
        }
        for (std::size_t v = 0; v < 6; ++v) {
          const double g = dB[(m * 3 + static_cast<std::size_t>(va[v])) * nb + c];
          out.snav[i][(t * 6 + v) * nb + c] += g * xi[vb[v]];
          out.snav[j][(t * 6 + v) * nb + c] -= g * xj[vb[v]];
        }
      }
    }
  }
  return out;
}

template <int J>
void check_case(const std::string& name, BispectrumParams p, const std::string& tag, bool derivatives) {
  const bool two = name.rfind("MoNi", 0) == 0;
  const auto data = load(name, two);
  const auto got = compute_all<J>(data, p, two ? 2 : 1);
  const std::string prefix = name + (tag.empty() ? "" : "." + tag);
  {
    INFO(prefix << ".sna.txt");
    check_close(got.sna, read_rows(prefix + ".sna.txt"), 1.0);
  }
  if (derivatives) {
    const auto snad = read_rows(prefix + ".snad.txt");
    const auto snav = read_rows(prefix + ".snav.txt");
    INFO(prefix << ".snad.txt / .snav.txt");
    // derivatives of large components can cancel to tiny values: scale with the column magnitude
    check_close(got.snad, snad, 1e-4 * max_abs(snad));
    check_close(got.snav, snav, 1e-4 * max_abs(snav));
  }
}

}  // namespace

TEST_CASE("LAMMPS data reader reads the reference structures like the extended XYZ copies", "[bispectrum][lammps]") {
  const auto data = load("MoNi_f0", true);
  CHECK(data.structure.size() == 53);
  CHECK(data.types[2] == 2);
  CHECK(data.structure.numbers[2] == 28);
  CHECK(data.structure.numbers[0] == 42);
  CHECK(data.structure.cell(0, 0) == 9.4501209999999993);
  CHECK(data.structure.positions[0][0] == 1.7127966299999999);
  CHECK(data.masses[1] == 58.693399999999997);
}

TEST_CASE("bispectrum B, snad and snav match LAMMPS for Mo (twojmax 6)", "[bispectrum][lammps]") {
  for (const char* f : {"Mo_test_f0", "Mo_test_f1", "Mo_test_f2"}) {
    check_case<6>(f, params_for(f), "", true);
    auto p = params_for(f);
    p.bzeroflag = false;
    check_case<6>(f, p, "bzero0", false);
  }
}

TEST_CASE("bispectrum B, snad and snav match LAMMPS for Ni (twojmax 8)", "[bispectrum][lammps]") {
  for (const char* f : {"Ni_test_f0", "Ni_test_f1", "Ni_test_f2"}) {
    check_case<8>(f, params_for(f), "", true);
    auto p = params_for(f);
    p.bzeroflag = false;
    check_case<dynamic>(f, p, "bzero0", false);
  }
}

TEST_CASE("bispectrum matches LAMMPS without switching function and for two species", "[bispectrum][lammps]") {
  auto p = params_for("Mo_test_f0");
  p.switchflag = false;
  check_case<dynamic>("Mo_test_f0", p, "switch0", true);
  check_case<6>("MoNi_f0", params_for("MoNi_f0"), "", true);
}

TEST_CASE("explicit multi-element SNAP (chemflag, bnormflag) matches LAMMPS for two species", "[bispectrum][lammps]") {
  // compute sna/atom ... chem 2 0 1 bnormflag 1: 2³ element triples × 30 = 240 components
  auto p = params_for("MoNi_f0");
  p.chemflag = true;
  p.bnormflag = true;
  CHECK(Bispectrum<6>(p).size() == 240);
  check_case<6>("MoNi_f0", p, "chem_bnorm", true);
  check_case<dynamic>("MoNi_f0", p, "chem_bnorm", false);
}

namespace {

/// β0 and β of a single-element .snapcoeff file (the format's few numbers, read here directly).
std::vector<double> read_snapcoeff(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<std::string> tokens;
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream ls(line);
    for (std::string w; ls >> w;) tokens.push_back(w);
  }
  REQUIRE(tokens.size() >= 5);
  const std::size_t ncoeff = std::stoul(tokens[1]);  // "nelem ncoeff", then "El R w", then coefficients
  std::vector<double> beta;
  for (std::size_t k = 0; k < ncoeff; ++k) beta.push_back(std::stod(tokens[5 + k]));
  return beta;
}

}  // namespace

TEST_CASE("adjoint energies, forces and virial match LAMMPS pair snap (Zuo Mo linear)", "[bispectrum][lammps]") {
  const auto beta = read_snapcoeff("/usr/share/lammps/potentials/Mo_Zuo_JPCA2020.snapcoeff");
  REQUIRE(beta.size() == 31);
  auto p = params_for("Mo_test_f0");
  p.bzeroflag = false;  // Zuo potentials use bzeroflag 0
  const Bispectrum<6> desc(p);
  auto linear = [&](std::span<const double> B, std::span<double> dE) {
    double e = beta[0];
    for (std::size_t k = 0; k < B.size(); ++k) e += beta[k + 1] * B[k], dE[k] = beta[k + 1];
    return e;
  };
  for (const char* f : {"Mo_test_f0", "Mo_test_f1", "Mo_test_f2"}) {
    INFO(f);
    const auto data = load(f);
    const auto& s = data.structure;
    const auto nl = build_neighbour_list(s, desc.neighbour_options());
    auto ws = desc.make_workspace();
    std::vector<Vec3> forces(s.size(), Vec3::Zero());
    Mat3 virial = Mat3::Zero();
    std::vector<std::vector<double>> got(s.size());
    double total = 0.0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const double e = desc.evaluate(s, nl, i, ws, linear, forces, virial);
      total += e;
      got[i] = {e, 0, 0, 0};
    }
    for (std::size_t i = 0; i < s.size(); ++i)
      for (int d = 0; d < 3; ++d) got[i][static_cast<std::size_t>(d) + 1] = forces[i][d];
    const auto want = read_rows(std::string(f) + ".linear.pair.txt");
    check_close(got, want, 1.0);
    CHECK(std::abs(total - header_values(std::string(f) + ".linear.pair.txt", "total_energy")[0]) <= 1e-10 * std::abs(total));
    const auto w = header_values(std::string(f) + ".linear.pair.txt", "virial_xx_yy_zz_xy_xz_yz");
    const double vs = std::abs(w[0]);
    CHECK(std::abs(virial(0, 0) - w[0]) <= 1e-10 * vs);
    CHECK(std::abs(virial(1, 1) - w[1]) <= 1e-10 * vs);
    CHECK(std::abs(virial(2, 2) - w[2]) <= 1e-10 * vs);
    CHECK(std::abs(0.5 * (virial(0, 1) + virial(1, 0)) - w[3]) <= 1e-10 * vs);
    CHECK(std::abs(0.5 * (virial(0, 2) + virial(2, 0)) - w[4]) <= 1e-10 * vs);
    CHECK(std::abs(0.5 * (virial(1, 2) + virial(2, 1)) - w[5]) <= 1e-10 * vs);
  }
}
