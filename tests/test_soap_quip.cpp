// SOAP against QUIP/GAP: every descriptor vector and every gradient row written by the real
// QUIP code (../shared/data/reference/quip-gap/soap/, README section 3) reproduced to 1e-10.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "pestle/descriptors/soap.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/neighbours/neighbour_list.hpp"
#include "test_helpers.hpp"

namespace {

using pestle::Soap;
using pestle::SoapParams;

/// One data row of a reference CSV: the integer key columns and the numbers.
struct CsvRow {
  std::vector<long> keys;
  std::string component;  // grad files: x|y|z
  std::vector<double> values;
};

/// Reads a desc.csv (keys: center, center_Z) or grad.csv (keys: center, center_Z, neighbour,
/// neighbour_Z, component) file; '#' lines and the header are skipped.
std::vector<CsvRow> read_csv(const std::string& path, bool grad) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<CsvRow> rows;
  std::string line;
  bool header = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      header = true;
      continue;
    }
    std::stringstream ss(line);
    std::string cell;
    CsvRow row;
    int column = 0;
    const int nkeys = grad ? 4 : 2;
    while (std::getline(ss, cell, ',')) {
      if (column < nkeys)
        row.keys.push_back(std::stol(cell));
      else if (grad && column == 4)
        row.component = cell;
      else
        row.values.push_back(std::strtod(cell.c_str(), nullptr));
      ++column;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

SoapParams quip_params(int n_max, int l_max, bool two_species) {
  SoapParams p;
  p.cutoff = 5.2;
  p.cutoff_transition_width = 0.5;
  p.n_max = n_max;
  p.l_max = l_max;
  p.atom_sigma = 0.5;
  if (two_species) {
    p.species_Z = {42, 28};
    p.center_Z = {42, 28};
    p.central_reference_all_species = false;
  }
  return p;
}

struct SoapWorst {
  double q = 0.0, dq = 0.0;
  std::size_t rows = 0, grad_rows = 0;
};

SoapWorst compare_with_quip(const std::string& stem, const std::string& variant, int n_max, int l_max, bool two_species) {
  const std::string dir = pestle::test::shared("data/reference/quip-gap/soap/");
  const pestle::Frame frame = pestle::read_extxyz_frame(dir + stem + ".xyz");
  const pestle::Structure& s = frame.structure;
  const Soap<> soap(quip_params(n_max, l_max, two_species));
  const auto nl = pestle::build_neighbour_list(s, soap.neighbour_options());
  auto ws = soap.make_workspace();
  const std::size_t d = soap.size();
  SoapWorst worst;

  const auto desc = read_csv(dir + stem + ".soap_" + variant + ".desc.csv", false);
  REQUIRE(desc.size() == s.size());
  std::vector<double> q(d);
  for (const auto& row : desc) {
    const auto i = static_cast<std::size_t>(row.keys[0] - 1);
    REQUIRE(row.keys[1] == s.numbers[i]);
    REQUIRE(row.values.size() == d);
    REQUIRE(soap.applies_to(s.numbers[i]));
    soap.compute(s, nl, i, ws, q);
    for (std::size_t c = 0; c < d; ++c) worst.q = std::max(worst.q, std::abs(q[c] - row.values[c]));
    ++worst.rows;
  }

  // gradients: QUIP's rows are total derivatives per atom (all periodic images summed)
  const auto grad = read_csv(dir + stem + ".soap_" + variant + ".grad.csv", true);
  std::map<std::size_t, std::map<std::tuple<std::size_t, int>, const CsvRow*>> by_centre;
  for (const auto& row : grad) {
    const int comp = row.component == "x" ? 0 : row.component == "y" ? 1 : 2;
    by_centre[static_cast<std::size_t>(row.keys[0] - 1)][{static_cast<std::size_t>(row.keys[2] - 1), comp}] = &row;
  }
  REQUIRE(!by_centre.empty());
  for (const auto& [i, rows] : by_centre) {
    std::vector<double> dq(nl.count(i) * 3 * d);
    soap.compute_with_derivatives(s, nl, i, ws, q, dq);
    // per-atom totals: entry n adds to atom j and subtracts from the centre
    std::vector<double> total(s.size() * 3 * d, 0.0);
    for (std::size_t n = 0; n < nl.count(i); ++n) {
      const auto j = static_cast<std::size_t>(nl.index[nl.begin(i) + n]);
      for (std::size_t k = 0; k < 3 * d; ++k) {
        const double v = dq[n * 3 * d + k];
        total[j * 3 * d + k] += v;
        total[i * 3 * d + k] -= v;
      }
    }
    for (std::size_t atom = 0; atom < s.size(); ++atom)
      for (int comp = 0; comp < 3; ++comp) {
        const auto it = rows.find({atom, comp});
        const double* mine = total.data() + (atom * 3 + static_cast<std::size_t>(comp)) * d;
        if (it == rows.end()) {
          // no row: QUIP saw no image of this atom inside the cutoff, so the derivative is 0
          for (std::size_t c = 0; c < d; ++c) worst.dq = std::max(worst.dq, std::abs(mine[c]));
          continue;
        }
        REQUIRE(it->second->values.size() == d);
        for (std::size_t c = 0; c < d; ++c) worst.dq = std::max(worst.dq, std::abs(mine[c] - it->second->values[c]));
        ++worst.grad_rows;
      }
  }
  REQUIRE(worst.grad_rows == grad.size());
  return worst;
}

}  // namespace

TEST_CASE("SOAP reproduces QUIP's vectors and gradients to 1e-10", "[soap][quip]") {
  struct Case {
    const char* stem;
    const char* variant;
    int n_max, l_max;
    bool two_species;
  };
  const Case cases[] = {
      {"bcc_Mo_2atom_rattled", "n4l3", 4, 3, false}, {"bcc_Mo_2atom_rattled", "n8l8", 8, 8, false},
      {"Mo_test_f0", "n4l3", 4, 3, false},           {"Mo_test_f0", "n8l8", 8, 8, false},
      {"MoNi_f0", "n4l3", 4, 3, true},               {"MoNi_f0", "n8l8", 8, 8, true},
  };
  for (const auto& c : cases) {
    SECTION(std::string(c.stem) + " " + c.variant) {
      const SoapWorst w = compare_with_quip(c.stem, c.variant, c.n_max, c.l_max, c.two_species);
      INFO(c.stem << " " << c.variant << ": max |dq| error " << w.dq << ", max |q| error " << w.q);
      CHECK(w.rows > 0);
      CHECK(w.q < 1e-10);
      CHECK(w.dq < 1e-10);
    }
  }
}

TEST_CASE("SOAP dimensions follow QUIP", "[soap][quip]") {
  CHECK(Soap<>(quip_params(8, 8, false)).size() == 325);
  CHECK(Soap<>(quip_params(4, 3, false)).size() == 41);
  CHECK(Soap<>(quip_params(8, 8, true)).size() == 1225);
  CHECK(Soap<>(quip_params(4, 3, true)).size() == 145);
}
