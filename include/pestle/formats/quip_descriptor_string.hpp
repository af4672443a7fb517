#pragma once
// QUIP descriptor strings, as they appear in GAP XML files and on gap_fit command lines:
//
//   soap cutoff=5.2 cutoff_transition_width=0.5 n_max=8 l_max=8 atom_sigma=0.5 n_species=2 species_Z={42 28} Z=42
//   distance_2b cutoff=5.2 cutoff_transition_width=1.0 Z1=42 Z2=42
//   distance_Nb order=3 cutoff=2.6 compact_clusters=T
//
// The first word names the descriptor; the rest are key=value entries. A value is bare (up to
// whitespace), a {braced list} or a "quoted"/'quoted' string; a key without "=" means T. Keys are
// case-insensitive. gap_fit-only keys (delta, zeta, n_sparse, sparse_method, ...) are accepted and
// ignored, as QUIP does. Keys that would change the mathematics in a way pestle does not implement
// (another radial basis, cutoff_dexp, averaged SOAP, a distance_2b tail, ...) are refused with an
// InputError naming the key, so a potential never runs half-understood. docs/gap-xml.md lists them.
//
// The defaults are QUIP's (GAP commit 25e734c, descriptors.F90), including those that depend on the
// gap_version of the XML file (`xml_version`): SOAP's central_reference_all_species and
// distance_Nb's compact_clusters.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "pestle/core/error.hpp"
#include "pestle/core/text.hpp"
#include "pestle/descriptors/gap_terms.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle::io {

/// gap_version of the newest GAP the reader knows (the version the reference files carry).
inline constexpr std::int64_t quip_current_gap_version = gap_current_version;
/// QUIP versions at which defaults changed (descriptors.F90).
inline constexpr std::int64_t quip_version_soap_two_l_plus_one = 1423143769;
inline constexpr std::int64_t quip_version_soap_central_reference = 1426512068;
inline constexpr std::int64_t quip_version_compact_clusters = 1596837814;

/// A descriptor string split into its name and key=value entries (values without braces/quotes).
struct QuipKeyValues {
  std::string text;  ///< the original string, for messages
  std::string name;
  std::vector<std::pair<std::string, std::string>> entries;

  /// Value of a key (case-insensitive; the last occurrence wins), or nullptr.
  const std::string* find(std::string_view key) const {
    const std::string* hit = nullptr;
    for (const auto& [k, v] : entries)
      if (equal_ignoring_case(k, key)) hit = &v;
    return hit;
  }
  bool has(std::string_view key) const { return find(key) != nullptr; }

  static bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
        return false;
    return true;
  }
};

namespace quip_detail {

[[noreturn]] inline void fail(const QuipKeyValues& kv, const std::string& reason) {
  throw InputError("descriptor " + quote_for_message(kv.text, 120) + ": " + reason);
}

/// Reads a Fortran-style real: accepts "1.0D+00" and ".5E-001" as QUIP writes them.
inline std::optional<double> parse_fortran_real(std::string_view s) {
  std::string t(s);
  for (char& c : t)
    if (c == 'd' || c == 'D') c = 'E';
  return parse_real(t);
}

inline std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  split_whitespace(s, out);
  return out;
}

}  // namespace quip_detail

/// Splits a QUIP key=value string. InputError for an unclosed brace or quote, or an empty key.
PESTLE_RUNTIME_INLINE QuipKeyValues parse_quip_key_values(std::string_view text);

namespace quip_detail {

inline double get_real(const QuipKeyValues& kv, std::string_view key, std::optional<double> fallback) {
  const std::string* v = kv.find(key);
  if (!v) {
    if (!fallback) fail(kv, "the mandatory key '" + std::string(key) + "' is missing");
    return *fallback;
  }
  const auto w = words(*v);
  const auto x = w.size() == 1 ? parse_fortran_real(w[0]) : std::nullopt;
  if (!x || !std::isfinite(*x)) fail(kv, "'" + std::string(key) + "=" + *v + "' is not a finite real number");
  return *x;
}

inline int get_int(const QuipKeyValues& kv, std::string_view key, std::optional<int> fallback) {
  const std::string* v = kv.find(key);
  if (!v) {
    if (!fallback) fail(kv, "the mandatory key '" + std::string(key) + "' is missing");
    return *fallback;
  }
  const auto w = words(*v);
  const auto x = w.size() == 1 ? parse_int(w[0]) : std::nullopt;
  if (!x || *x < -1000000000 || *x > 1000000000) fail(kv, "'" + std::string(key) + "=" + *v + "' is not an integer");
  return static_cast<int>(*x);
}

inline std::optional<bool> parse_fortran_bool(std::string_view s) {
  std::string t;
  for (char c : s) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "t" || t == "true" || t == ".true." || t == "1") return true;
  if (t == "f" || t == "false" || t == ".false." || t == "0") return false;
  return std::nullopt;
}

inline bool get_bool(const QuipKeyValues& kv, std::string_view key, bool fallback) {
  const std::string* v = kv.find(key);
  if (!v) return fallback;
  const auto x = parse_fortran_bool(*v);
  if (!x) fail(kv, "'" + std::string(key) + "=" + *v + "' is not a logical value (T or F)");
  return *x;
}

inline std::vector<int> get_int_list(const QuipKeyValues& kv, std::string_view key) {
  std::vector<int> out;
  const std::string* v = kv.find(key);
  if (!v) return out;
  for (auto w : words(*v)) {
    const auto x = parse_int(w);
    if (!x || *x < 0 || *x > 1000) fail(kv, "'" + std::string(key) + "={" + *v + "}' is not a list of atomic numbers");
    out.push_back(static_cast<int>(*x));
  }
  return out;
}

inline std::vector<double> get_real_list(const QuipKeyValues& kv, std::string_view key) {
  std::vector<double> out;
  const std::string* v = kv.find(key);
  if (!v) return out;
  for (auto w : words(*v)) {
    const auto x = parse_fortran_real(w);
    if (!x || !std::isfinite(*x)) fail(kv, "'" + std::string(key) + "={" + *v + "}' is not a list of real numbers");
    out.push_back(*x);
  }
  return out;
}

/// Refuses a key whose value differs from the only one pestle implements.
inline void require_default(const QuipKeyValues& kv, std::string_view key, std::string_view supported) {
  const std::string* v = kv.find(key);
  if (!v) return;
  bool same = false;
  if (const auto b = parse_fortran_bool(*v), s = parse_fortran_bool(supported); b && s) same = (*b == *s);
  else if (const auto x = parse_fortran_real(*v), y = parse_fortran_real(supported); x && y) same = (*x == *y);
  else same = QuipKeyValues::equal_ignoring_case(*v, supported);
  if (!same)
    fail(kv, "'" + std::string(key) + "=" + *v + "' is not supported (pestle implements only " + std::string(key) + "=" +
                 std::string(supported) + ")");
}

inline void require_absent(const QuipKeyValues& kv, std::string_view key) {
  if (kv.has(key)) fail(kv, "the key '" + std::string(key) + "' is not supported by pestle");
}

}  // namespace quip_detail

// The parameter structs live with the descriptors (descriptors/gap_terms.hpp); these are their QUIP names.
using QuipDistance2b = Distance2bParams;
using QuipDistanceNb = DistanceNbParams;
using QuipSoap = GapSoapParams;
using QuipDescriptor = GapDescriptorParams;

namespace quip_detail {

inline void check_cutoff(const QuipKeyValues& kv, double cutoff, double width) {
  if (!(cutoff > 0.0)) fail(kv, "cutoff must be positive");
  if (!(width >= 0.0) || width > cutoff) fail(kv, "cutoff_transition_width must lie in [0, cutoff]");
}

inline QuipDistance2b distance_2b_from(const QuipKeyValues& kv) {
  using namespace quip_detail;
  QuipDistance2b d;
  d.cutoff = get_real(kv, "cutoff", 0.0);
  d.cutoff_transition_width = get_real(kv, "cutoff_transition_width", 0.5);
  d.Z1 = get_int(kv, "Z1", 0);
  d.Z2 = get_int(kv, "Z2", 0);
  const int n_exponents = get_int(kv, "n_exponents", 1);
  if (n_exponents < 1) fail(kv, "n_exponents must be at least 1");
  if (kv.has("exponents")) {
    d.exponents = get_real_list(kv, "exponents");
    if (d.exponents.size() != std::size_t(n_exponents))
      fail(kv, "exponents has " + std::to_string(d.exponents.size()) + " values but n_exponents=" +
                   std::to_string(n_exponents));
  } else {
    d.exponents.assign(std::size_t(n_exponents), 1.0);
    if (n_exponents > 1)
      for (int i = 0; i < n_exponents; ++i) d.exponents[std::size_t(i)] = -(i + 1);  // QUIP's default list
  }
  require_default(kv, "tail_exponent", "0");
  require_absent(kv, "resid_name");
  require_default(kv, "only_intra", "F");
  require_default(kv, "only_inter", "F");
  check_cutoff(kv, d.cutoff, d.cutoff_transition_width);
  return d;
}

inline QuipDistanceNb distance_nb_from(const QuipKeyValues& kv, std::int64_t xml_version) {
  using namespace quip_detail;
  QuipDistanceNb d;
  d.order = get_int(kv, "order", std::nullopt);
  if (d.order != 2 && d.order != 3)
    fail(kv, "order=" + std::to_string(d.order) + " is not supported (pestle implements distance_Nb order 2 and 3)");
  d.cutoff = get_real(kv, "cutoff", std::nullopt);
  d.cutoff_transition_width = get_real(kv, "cutoff_transition_width", 0.5);
  // The default of compact_clusters changed from F to T at GAP version 1596837814.
  d.compact_clusters = get_bool(kv, "compact_clusters", xml_version >= quip_version_compact_clusters);
  d.Z = get_int_list(kv, "Z");
  if (d.Z.empty()) d.Z.assign(std::size_t(d.order), 0);
  if (d.Z.size() != std::size_t(d.order))
    fail(kv, "Z has " + std::to_string(d.Z.size()) + " values but order=" + std::to_string(d.order));
  std::sort(d.Z.begin(), d.Z.end());
  check_cutoff(kv, d.cutoff, d.cutoff_transition_width);
  return d;
}

inline QuipSoap soap_from(const QuipKeyValues& kv, std::int64_t xml_version) {
  using namespace quip_detail;
  if (xml_version < quip_version_soap_two_l_plus_one)
    fail(kv, "the GAP file version " + std::to_string(xml_version) +
                 " predates QUIP's 1/sqrt(2l+1) SOAP normalisation (1423143769); pestle does not implement the old one");
  QuipSoap s;
  s.cutoff = get_real(kv, "cutoff", std::nullopt);
  s.cutoff_transition_width = get_real(kv, "cutoff_transition_width", 0.5);
  s.l_max = get_int(kv, "l_max", std::nullopt);
  s.n_max = get_int(kv, "n_max", std::nullopt);
  s.atom_sigma = kv.has("atom_sigma") ? get_real(kv, "atom_sigma", std::nullopt)
                                      : get_real(kv, "atom_gaussian_width", std::nullopt);
  s.central_weight = get_real(kv, "central_weight", 1.0);
  s.normalise = kv.has("normalise") ? get_bool(kv, "normalise", true) : get_bool(kv, "normalize", true);
  s.covariance_sigma0 = get_real(kv, "covariance_sigma0", 0.0);
  s.basis_error_exponent = get_real(kv, "basis_error_exponent", 10.0);
  const bool has_n_species = kv.has("n_species");
  s.n_species = get_int(kv, "n_species", 1);
  if (s.n_species < 1) fail(kv, "n_species must be at least 1");
  if (kv.has("species_Z") && !has_n_species) fail(kv, "species_Z is given without n_species (QUIP requires both)");
  s.species_Z = get_int_list(kv, "species_Z");
  if (s.n_species == 1 && (s.species_Z.empty() || s.species_Z == std::vector<int>{0})) {
    s.species_Z.clear();  // one channel for every species
  } else if (s.species_Z.size() != std::size_t(s.n_species)) {
    fail(kv, "species_Z has " + std::to_string(s.species_Z.size()) + " values but n_species=" +
                 std::to_string(s.n_species));
  }
  const int n_Z = get_int(kv, "n_Z", 1);
  s.Z = get_int_list(kv, "Z");
  if (s.Z.empty() || s.Z == std::vector<int>{0}) {
    s.Z.clear();
  } else if (s.Z.size() != std::size_t(n_Z)) {
    fail(kv, "Z has " + std::to_string(s.Z.size()) + " values but n_Z=" + std::to_string(n_Z));
  }
  // QUIP: T for one species unless given; always T for files older than 1426512068.
  s.central_reference_all_species = get_bool(kv, "central_reference_all_species", s.n_species == 1);
  if (xml_version < quip_version_soap_central_reference) s.central_reference_all_species = true;

  require_default(kv, "radial_basis", "EQUISPACED_GAUSS");
  require_default(kv, "cutoff_dexp", "0");
  require_default(kv, "average", "F");
  require_default(kv, "diagonal_radial", "F");
  require_default(kv, "nu_R", "2");
  require_default(kv, "nu_S", "2");
  require_default(kv, "Z_mix", "F");
  require_default(kv, "R_mix", "F");
  require_default(kv, "sym_mix", "F");
  require_default(kv, "coupling", "T");
  require_default(kv, "K", "0");
  require_default(kv, "mix_shift", "0");
  require_absent(kv, "Z_map");
  check_cutoff(kv, s.cutoff, s.cutoff_transition_width);
  if (s.n_max < 1 || s.l_max < 0) fail(kv, "n_max must be at least 1 and l_max at least 0");
  if (!(s.atom_sigma > 0.0)) fail(kv, "atom_sigma must be positive");
  return s;
}

}  // namespace quip_detail

/// Parses a QUIP descriptor string into one of the supported descriptor specifications.
/// `xml_version` is the gap_version of the file the string came from (QUIP's defaults depend on it).
inline QuipDescriptor parse_quip_descriptor(std::string_view text,
                                            std::int64_t xml_version = quip_current_gap_version) {
  const QuipKeyValues kv = parse_quip_key_values(text);
  auto is = [&](std::string_view name) { return QuipKeyValues::equal_ignoring_case(kv.name, name); };
  if (is("soap")) return quip_detail::soap_from(kv, xml_version);
  if (is("distance_2b")) return quip_detail::distance_2b_from(kv);
  if (is("distance_Nb")) return quip_detail::distance_nb_from(kv, xml_version);
  throw InputError("unsupported descriptor '" + kv.name + "' in " + quote_for_message(kv.text, 120) +
                   " (pestle reads soap, distance_2b and distance_Nb order 2/3)");
}

/// Dimension of a parsed descriptor (the `dimensions` attribute QUIP writes).
inline std::size_t quip_descriptor_dimensions(const QuipDescriptor& d) { return gap_descriptor_dimensions(d); }

/// Cutoff radius of a parsed descriptor, Å.
inline double quip_descriptor_cutoff(const QuipDescriptor& d) { return gap_descriptor_cutoff(d); }

}  // namespace pestle::io

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/formats/impl/quip_descriptor_string.hpp"
#endif
