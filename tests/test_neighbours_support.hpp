#pragma once
// Helpers shared by the neighbour-list tests: cell construction, random structures,
// comparisons of lists, and a minimal reader for the cells of an extended-XYZ file.
#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "pestle/neighbours.hpp"

namespace pestle::test {

/// Cell with lengths a, b, c and angles alpha (b,c), beta (a,c), gamma (a,b) in degrees;
/// a along x, b in the xy plane.
inline Mat3 cell_from_parameters(double a, double b, double c, double alpha, double beta, double gamma) {
  const double d = std::numbers::pi / 180.0;
  const double ca = std::cos(alpha * d), cb = std::cos(beta * d), cg = std::cos(gamma * d), sg = std::sin(gamma * d);
  Mat3 m = Mat3::Zero();
  m.row(0) = Vec3(a, 0, 0);
  m.row(1) = Vec3(b * cg, b * sg, 0);
  const double cx = cb, cy = (ca - cb * cg) / sg;
  m.row(2) = c * Vec3(cx, cy, std::sqrt(std::max(0.0, 1.0 - cx * cx - cy * cy)));
  return m;
}

inline Mat3 random_rotation(std::mt19937_64& rng) {
  std::normal_distribution<double> g;
  Eigen::Quaterniond q(g(rng), g(rng), g(rng), g(rng));
  q.normalize();
  return q.toRotationMatrix();
}

/// A random cell: lengths 2–7 Å, angles anywhere a valid cell allows, often near 20°.
inline Mat3 random_cell(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> len(2.0, 7.0), wide(20.0, 160.0), narrow(19.0, 25.0), u(0, 1);
  for (;;) {
    std::array<double, 3> ang{};
    for (auto& x : ang) x = u(rng) < 0.3 ? narrow(rng) : (u(rng) < 0.3 ? 90.0 : wide(rng));
    const double d = std::numbers::pi / 180.0;
    const double ca = std::cos(ang[0] * d), cb = std::cos(ang[1] * d), cg = std::cos(ang[2] * d);
    const double v2 = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg;
    if (v2 < 0.01) continue;  // no such cell, or nearly flat
    const Mat3 m = cell_from_parameters(len(rng), len(rng), len(rng), ang[0], ang[1], ang[2]);
    return Mat3(m * random_rotation(rng).transpose());  // rotate the rows
  }
}

inline double min_plane_spacing(const Structure& s) {
  double h = 1e300;
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a]) h = std::min(h, detail::lattice_plane_spacing(s.cell, a));
  return h;
}

/// Every entry of two lists equal: same offsets, j and image; displacements and distances to tol.
inline void require_same_lists(const NeighbourList& a, const NeighbourList& b, double tol = 1e-12) {
  REQUIRE(a.half == b.half);
  REQUIRE(a.offsets == b.offsets);
  REQUIRE(a.index == b.index);
  REQUIRE(a.image == b.image);
  REQUIRE(a.displacement.size() == b.pairs());
  REQUIRE(a.distance.size() == b.pairs());
  double worst = 0.0;
  for (std::size_t k = 0; k < a.pairs(); ++k) {
    worst = std::max(worst, (a.displacement[k] - b.displacement[k]).cwiseAbs().maxCoeff());
    worst = std::max(worst, std::abs(a.distance[k] - b.distance[k]));
  }
  REQUIRE(worst <= tol);
}

using PairKey = std::tuple<std::size_t, int, int, int, int>;  // i, j, image

inline PairKey key(std::size_t i, const NeighbourList& nl, std::size_t k) {
  return {i, nl.index[k], nl.image[k][0], nl.image[k][1], nl.image[k][2]};
}

/// Full list: i→j with image g implies j→i with image −g and the opposite displacement;
/// every listed distance is positive, below the cutoff and equals |displacement|.
/// (Checks are counted and asserted once per list: Catch assertions are slow under ASan.)
inline void require_symmetric_full_list(const NeighbourList& nl, const Structure& s, const NeighbourOptions& opt) {
  std::map<PairKey, Vec3> entries;
  std::size_t bad_distance = 0, unmatched = 0;
  for (std::size_t i = 0; i < nl.atoms(); ++i)
    for (std::size_t k = nl.begin(i); k < nl.end(i); ++k) {
      const double rc = opt.cutoff_for(s.numbers[i], s.numbers[std::size_t(nl.index[k])]);
      if (!(nl.distance[k] > 0.0 && nl.distance[k] < rc && std::abs(nl.displacement[k].norm() - nl.distance[k]) <= 1e-12))
        ++bad_distance;
      entries.emplace(key(i, nl, k), nl.displacement[k]);
    }
  REQUIRE(bad_distance == 0);
  REQUIRE(entries.size() == nl.pairs());  // no duplicates
  for (const auto& [k, d] : entries) {
    const auto& [i, j, g0, g1, g2] = k;
    const auto back = entries.find({std::size_t(j), int(i), -g0, -g1, -g2});
    if (back == entries.end() || (back->second + d).norm() > 1e-10) ++unmatched;
  }
  REQUIRE(unmatched == 0);
}

/// The half list holds each pair of the full list exactly once, on the documented side.
inline void require_half_of_full(const NeighbourList& half, const NeighbourList& full) {
  REQUIRE(half.half);
  REQUIRE(2 * half.pairs() == full.pairs());
  std::map<PairKey, int> seen;
  for (std::size_t i = 0; i < full.atoms(); ++i)
    for (std::size_t k = full.begin(i); k < full.end(i); ++k) seen[key(i, full, k)] = 0;
  std::size_t wrong_side = 0, missing = 0;
  for (std::size_t i = 0; i < half.atoms(); ++i)
    for (std::size_t k = half.begin(i); k < half.end(i); ++k) {
      const auto [ii, j, g0, g1, g2] = key(i, half, k);
      if (!(std::size_t(j) > i || (std::size_t(j) == i && detail::positive_image({g0, g1, g2})))) ++wrong_side;
      auto fwd = seen.find({ii, j, g0, g1, g2});
      auto bwd = seen.find({std::size_t(j), int(ii), -g0, -g1, -g2});
      if (fwd == seen.end() || bwd == seen.end()) {
        ++missing;
        continue;
      }
      ++fwd->second;
      ++bwd->second;
    }
  REQUIRE(wrong_side == 0);
  REQUIRE(missing == 0);
  std::size_t not_once = 0;
  for (const auto& [k, c] : seen) not_once += c != 1;
  REQUIRE(not_once == 0);
}

/// Sorted neighbour distances of every atom.
inline std::vector<std::vector<double>> distance_multisets(const NeighbourList& nl) {
  std::vector<std::vector<double>> out(nl.atoms());
  for (std::size_t i = 0; i < nl.atoms(); ++i) {
    out[i].assign(nl.distance.begin() + std::ptrdiff_t(nl.begin(i)), nl.distance.begin() + std::ptrdiff_t(nl.end(i)));
    std::sort(out[i].begin(), out[i].end());
  }
  return out;
}

inline void require_same_multisets(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  REQUIRE(a.size() == b.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) {
      ++differ;
      continue;
    }
    for (std::size_t k = 0; k < a[i].size(); ++k) differ += std::abs(a[i][k] - b[i][k]) > 1e-9;
  }
  REQUIRE(differ == 0);
}

/// Cells, pbc, species and positions of the frames of an extended-XYZ file whose
/// Properties start with species:S:1:pos:R:3 (enough for the Zuo et al. data).
inline std::vector<Structure> read_xyz_structures(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<Structure> frames;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::size_t n = std::stoul(line);
    std::string header;
    std::getline(in, header);
    Structure s;
    const auto lat = header.find("Lattice=\"");
    REQUIRE(lat != std::string::npos);
    std::istringstream cell(header.substr(lat + 9));
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) cell >> s.cell(r, c);
    s.pbc = {true, true, true};
    for (std::size_t i = 0; i < n; ++i) {
      std::getline(in, line);
      std::istringstream row(line);
      std::string symbol;
      Vec3 r;
      row >> symbol >> r.x() >> r.y() >> r.z();
      s.add_atom(atomic_number(symbol), r);
    }
    frames.push_back(std::move(s));
  }
  return frames;
}

}  // namespace pestle::test
