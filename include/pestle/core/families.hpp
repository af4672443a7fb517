#pragma once
// Structure families for stratified cross-validation and per-family error reports.
//
// A frame's family is its config_type when the file gives one. Data sets without labels
// (the Zuo 2020 files, for example) get a geometric rule instead: a structure with open
// space, i.e. a non-periodic axis or a gap between atomic planes of at least `vacuum_gap`
// along some lattice direction, is a "slab"; any other is "bulk". The gap is measured along
// each reciprocal direction k: with fractional coordinates s_k wrapped into [0, 1), sorted,
// the largest spacing (the wrap-around one included) times the plane spacing d_k = 1/|b_k|
// (b_k the k-th reciprocal vector, without 2π) is the widest empty layer in Å.
// The default of 4 Å is wider than any interplanar gap in a dense solid (bcc and fcc
// metals: < 2.1 Å; diamond Si along (111): 2.35 Å) and narrower than any slab's vacuum.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "pestle/core/dataset.hpp"
#include "pestle/core/structure.hpp"

namespace pestle {

/// Widest empty layer (Å) between atomic planes along any periodic lattice direction;
/// +infinity if some axis is not periodic, 0 for fewer than one atom.
inline double widest_vacuum_layer(const Structure& s) {
  if (!(s.pbc[0] && s.pbc[1] && s.pbc[2])) return std::numeric_limits<double>::infinity();
  if (s.empty()) return 0.0;
  const Mat3 inv = s.cell.inverse();  // columns: reciprocal vectors b_k (without 2π)
  double widest = 0.0;
  for (int k = 0; k < 3; ++k) {
    const double plane_spacing = 1.0 / inv.col(k).norm();
    std::vector<double> frac;
    frac.reserve(s.size());
    for (const Vec3& r : s.positions) {
      const double f = r.dot(inv.col(k));
      frac.push_back(f - std::floor(f));
    }
    std::sort(frac.begin(), frac.end());
    double gap = frac.front() + 1.0 - frac.back();  // across the periodic boundary
    for (std::size_t i = 1; i < frac.size(); ++i) gap = std::max(gap, frac[i] - frac[i - 1]);
    widest = std::max(widest, gap * plane_spacing);
  }
  return widest;
}

/// The family of one frame (see the file comment).
inline std::string structure_family(const Frame& f, double vacuum_gap = 4.0) {
  if (!f.labels.config_type.empty()) return f.labels.config_type;
  return widest_vacuum_layer(f.structure) >= vacuum_gap ? "slab" : "bulk";
}

/// Families of a data set: sorted distinct names, and the index into them of every frame.
struct Families {
  std::vector<std::string> names;
  std::vector<int> of_frame;
};

inline Families structure_families(const Dataset& data, double vacuum_gap = 4.0) {
  Families out;
  std::vector<std::string> per_frame;
  for (const Frame& f : data) per_frame.push_back(structure_family(f, vacuum_gap));
  out.names = per_frame;
  std::sort(out.names.begin(), out.names.end());
  out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
  for (const auto& name : per_frame)
    out.of_frame.push_back(static_cast<int>(std::lower_bound(out.names.begin(), out.names.end(), name) - out.names.begin()));
  return out;
}

}  // namespace pestle
