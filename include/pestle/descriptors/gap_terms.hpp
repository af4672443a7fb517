#pragma once
// The descriptor parameters of GAP terms (distance_2b, distance_Nb, SOAP), as plain data. QUIP writes
// them as descriptor strings; formats/quip_descriptor_string.hpp parses those strings into these
// structs, so the models and descriptors never hold a file-format type.
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

namespace pestle {

/// gap_version of the newest GAP the reader knows (the version the reference files carry); a GAP
/// model's defaults depend on the version its file was written with.
inline constexpr std::int64_t gap_current_version = 1767480561;

/// QUIP's distance_2b: one descriptor per ordered pair (i, j) within the cutoff with
/// Z_i, Z_j matching {Z1, Z2} (0 = any); value r_ij^exponents.
struct Distance2bParams {
  double cutoff = 0.0;
  double cutoff_transition_width = 0.5;
  int Z1 = 0, Z2 = 0;
  std::vector<double> exponents{1.0};
  std::size_t dimensions() const { return exponents.size(); }
};

/// QUIP's distance_Nb for order 2 and 3: clusters of `order` atoms, values the interatomic
/// distances (1-2, 1-3, 2-3). compact_clusters=T: all atoms are neighbours of the first one.
struct DistanceNbParams {
  int order = 2;
  double cutoff = 0.0;
  double cutoff_transition_width = 0.5;
  bool compact_clusters = true;
  std::vector<int> Z;  ///< sorted, one per cluster atom; all 0 = any species
  std::size_t dimensions() const { return std::size_t(order * (order - 1) / 2); }
};

/// A GAP SOAP term: the keys of QUIP's soap descriptor that pestle implements (EQUISPACED_GAUSS radial basis).
struct GapSoapParams {
  double cutoff = 0.0;
  double cutoff_transition_width = 0.5;
  int n_max = 0, l_max = 0;
  double atom_sigma = 0.0;
  double central_weight = 1.0;
  int n_species = 1;
  std::vector<int> species_Z;  ///< density channels in order; empty = one channel for all species
  std::vector<int> Z;          ///< centre species; empty = every atom is a centre
  bool central_reference_all_species = true;
  bool normalise = true;
  double covariance_sigma0 = 0.0;
  double basis_error_exponent = 10.0;
  std::size_t dimensions() const {
    const std::size_t k = std::size_t(n_species) * std::size_t(n_max);
    return std::size_t(l_max + 1) * k * (k + 1) / 2 + 1;
  }
};

using GapDescriptorParams = std::variant<Distance2bParams, DistanceNbParams, GapSoapParams>;

/// Dimension of a term's descriptor vector (the `dimensions` attribute QUIP writes).
inline std::size_t gap_descriptor_dimensions(const GapDescriptorParams& d) {
  return std::visit([](const auto& x) { return x.dimensions(); }, d);
}

/// Cutoff radius of a term's descriptor, Å.
inline double gap_descriptor_cutoff(const GapDescriptorParams& d) {
  return std::visit([](const auto& x) { return x.cutoff; }, d);
}

}  // namespace pestle
