#pragma once
// QUIP GAP XML files (the `gp_file` of gap_fit) read into a GapModel, and written back.
//
//   pestle::GapModel m = pestle::io::read_gap_xml("Mo_gap.xml");   // sparseX files beside it
//   pestle::GapPotential gap(m);  auto r = gap.compute(structure);
//   pestle::io::read_gap_potential("Mo_gap.xml")                     // both in one call
//   pestle::io::write_gap_xml(m, "out.xml");                         // + out.xml.sparseX.<label>
//
// Supported subset (docs/gap-xml.md): a single `IP GAP` potential; do_core="F"; gpCoordinates
// with sparsified="T", covariance_type 1 (ard_se) or 2 (dot_product), descriptors soap,
// distance_2b, distance_Nb (order 2, 3); sparse points inline or in the separate sparseX file
// named by sparseX_filename (resolved beside the XML file; its sparseX_md5sum checked when
// present). Everything else (Sum/Glue/other IPs, do_core="T", other covariance types or
// descriptors, sliced sparse points, counts that do not match) raises a ParseError or InputError
// naming the file, the line and the reason; nothing runs with a partly read potential.
// The XML is parsed by pugixml.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "pestle/core/error.hpp"
#include "pestle/formats/md5.hpp"
#include "pestle/formats/quip_descriptor_string.hpp"
#include "pestle/core/text.hpp"
#include "pestle/models/gap.hpp"
#include "pestle/core/compiled.hpp"

namespace pestle::io {

namespace gap_xml_detail {

/// Reports problems with one XML file by line.
class Context {
 public:
  Context(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {}
  const std::string& path() const noexcept { return path_; }
  const std::string& text() const noexcept { return text_; }

  std::size_t line_of(std::ptrdiff_t offset) const {
    if (offset < 0) return 0;
    const auto end = std::min<std::size_t>(std::size_t(offset), text_.size());
    return 1 + std::size_t(std::count(text_.begin(), text_.begin() + std::ptrdiff_t(end), '\n'));
  }
  [[noreturn]] void fail(const pugi::xml_node& node, const std::string& reason) const {
    throw ParseError(path_, node ? line_of(node.offset_debug()) : 0, reason);
  }

  std::string attribute(const pugi::xml_node& node, const char* name) const {
    const pugi::xml_attribute a = node.attribute(name);
    if (!a) fail(node, "<" + std::string(node.name()) + "> has no '" + name + "' attribute");
    return a.value();
  }
  double real(const pugi::xml_node& node, const char* name) const {
    const std::string v = attribute(node, name);
    const auto x = quip_detail::parse_fortran_real(trim(v));
    if (!x || !std::isfinite(*x))
      fail(node, "attribute " + std::string(name) + "=\"" + v + "\" of <" + node.name() + "> is not a finite number");
    return *x;
  }
  std::int64_t integer(const pugi::xml_node& node, const char* name) const {
    const std::string v = attribute(node, name);
    const auto x = parse_int(trim(v));
    if (!x) fail(node, "attribute " + std::string(name) + "=\"" + v + "\" of <" + node.name() + "> is not an integer");
    return *x;
  }
  bool logical(const pugi::xml_node& node, const char* name) const {
    const std::string v = attribute(node, name);
    const auto x = quip_detail::parse_fortran_bool(trim(v));
    if (!x) fail(node, "attribute " + std::string(name) + "=\"" + v + "\" of <" + node.name() + "> is not T or F");
    return *x;
  }
  std::vector<double> reals(const pugi::xml_node& node, std::string_view text) const {
    std::vector<double> out;
    std::vector<std::string_view> w;
    split_whitespace(text, w);
    for (auto s : w) {
      const auto x = quip_detail::parse_fortran_real(s);
      if (!x || !std::isfinite(*x))
        fail(node, "<" + std::string(node.name()) + "> holds " + quote_for_message(s) + ", not a finite number");
      out.push_back(*x);
    }
    return out;
  }

  static std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
  }

 private:
  std::string path_;
  std::string text_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open GAP XML file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The label named in init_args ("IP GAP label=..."); refuses anything but a single IP GAP.
inline std::string gap_label_from_init_args(const Context& cx, const pugi::xml_node& pot) {
  const std::string init = cx.attribute(pot, "init_args");
  const QuipKeyValues kv = parse_quip_key_values(init);
  if (!QuipKeyValues::equal_ignoring_case(kv.name, "IP") || kv.entries.empty() ||
      !QuipKeyValues::equal_ignoring_case(kv.entries.front().first, "GAP"))
    cx.fail(pot, "unsupported potential init_args=\"" + init +
                     "\": pestle reads a single 'IP GAP' potential (no Sum, Glue or other IPs)");
  const std::string* label = kv.find("label");
  return label ? *label : std::string();
}

inline pugi::xml_node find_gap_params(const Context& cx, const pugi::xml_node& root, const std::string& label) {
  pugi::xml_node first;
  for (const pugi::xpath_node& xn : root.select_nodes("//GAP_params")) {
    const pugi::xml_node n = xn.node();
    if (!first) first = n;
    if (!label.empty() && label == n.attribute("label").value()) return n;
  }
  if (!first) cx.fail(root, "no <GAP_params> element");
  if (!label.empty()) cx.fail(first, "no <GAP_params> with label=\"" + label + "\" (named by init_args)");
  return first;
}

inline void read_e0(const Context& cx, const pugi::xml_node& data, GapModel& m) {
  if (const pugi::xml_attribute all = data.attribute("e0")) {
    (void)all;
    m.e0.fill(cx.real(data, "e0"));
  }
  for (pugi::xml_node e : data.children("e0")) {
    const std::int64_t z = cx.integer(e, "Z");
    if (z < 1 || z > max_atomic_number) cx.fail(e, "<e0> has Z=" + std::to_string(z) + ", not an atomic number");
    m.e0[std::size_t(z)] = cx.real(e, "value");
  }
}

/// Resolves a sparseX file name beside the XML file (absolute names are kept).
inline std::string beside(const std::string& xml_path, const std::string& name) {
  const std::filesystem::path p(name);
  if (p.is_absolute()) return name;
  return (std::filesystem::path(xml_path).parent_path() / p).string();
}

inline void read_sparse_file(const Context& cx, const pugi::xml_node& gp, const std::string& file, std::size_t d,
                             std::size_t n, RowMatrix& points) {
  if (!std::filesystem::exists(file))
    cx.fail(gp, "sparseX file '" + file + "' (sparseX_filename) does not exist");
  if (const pugi::xml_attribute md5 = gp.attribute("sparseX_md5sum")) {
    const std::string want(Context::trim(md5.value()));
    const std::string got = md5_file(file);
    if (!want.empty() && want != got)
      cx.fail(gp, "md5 sum of sparseX file '" + file + "' is " + got + " but the XML records " + want +
                      " (the file does not belong to this potential)");
  }
  std::ifstream in(file);
  if (!in) cx.fail(gp, "cannot open sparseX file '" + file + "'");
  points.resize(Eigen::Index(n), Eigen::Index(d));
  std::size_t count = 0;
  std::string word;
  while (in >> word) {
    const auto x = quip_detail::parse_fortran_real(word);
    if (!x || !std::isfinite(*x))
      throw ParseError(file, 0, "value " + std::to_string(count + 1) + " is " + quote_for_message(word) + ", not a finite number");
    if (count < n * d) points(Eigen::Index(count / d), Eigen::Index(count % d)) = *x;
    ++count;
  }
  if (count != n * d)
    throw ParseError(file, 0, "holds " + std::to_string(count) + " values but the XML (" + cx.path() + ") needs n_sparseX × dimensions = " +
                                  std::to_string(n) + " × " + std::to_string(d) + " = " + std::to_string(n * d));
}

inline GapTerm read_term(const Context& cx, const pugi::xml_node& gp, std::int64_t version) {
  GapTerm t;
  t.label = gp.attribute("label").value();
  const std::int64_t d = cx.integer(gp, "dimensions");
  if (d < 1) cx.fail(gp, "dimensions must be positive");
  t.sparse.delta = cx.real(gp, "signal_variance");
  t.sparse.f0 = cx.real(gp, "signal_mean");
  if (!cx.logical(gp, "sparsified")) cx.fail(gp, "sparsified=\"F\" (a full GP) is not supported; pestle reads sparse GAPs");
  const std::int64_t n_perm = cx.integer(gp, "n_permutations");
  if (n_perm < 1) cx.fail(gp, "n_permutations must be at least 1");
  const std::int64_t cov = cx.integer(gp, "covariance_type");
  if (cov != 1 && cov != 2)
    cx.fail(gp, "covariance_type=\"" + std::to_string(cov) +
                    "\" is not supported (pestle reads 1 = ard_se and 2 = dot_product)");
  t.covariance = GapCovariance(int(cov));
  const std::int64_t n = cx.integer(gp, "n_sparseX");
  if (n < 1) cx.fail(gp, "n_sparseX must be positive");
  const auto du = std::size_t(d), nu = std::size_t(n);

  // descriptor string
  const pugi::xml_node desc = gp.child("descriptor");
  if (!desc) cx.fail(gp, "<gpCoordinates> has no <descriptor> element");
  t.descriptor_string = std::string(Context::trim(desc.child_value()));
  try {
    t.descriptor = parse_quip_descriptor(t.descriptor_string, version);
  } catch (const ParseError&) {
    throw;
  } catch (const InputError& e) {
    cx.fail(desc, e.what());
  }
  const std::size_t want = quip_descriptor_dimensions(t.descriptor);
  if (want != du)
    cx.fail(gp, "dimensions=\"" + std::to_string(d) + "\" does not match the descriptor, which has " +
                    std::to_string(want) + " dimensions");

  // kernel hyperparameters
  if (t.covariance == GapCovariance::dot_product) {
    if (gp.attribute("zeta")) {
      t.zeta = cx.real(gp, "zeta");
    } else if (const pugi::xml_node th = gp.child("theta")) {  // older files keep zeta in <theta>
      const auto v = cx.reals(th, th.child_value());
      if (v.size() != 1) cx.fail(th, "dot_product <theta> must hold one value (zeta)");
      t.zeta = v[0];
    } else {
      cx.fail(gp, "dot_product covariance without a zeta attribute");
    }
    if (!(t.zeta > 0.0)) cx.fail(gp, "zeta must be positive");
  } else {
    if (gp.attribute("zeta")) cx.fail(gp, "zeta attribute on a non-dot_product covariance");
    const pugi::xml_node th = gp.child("theta");
    if (!th) cx.fail(gp, "ard_se covariance without a <theta> element");
    t.theta = cx.reals(th, th.child_value());
    if (t.theta.size() != du)
      cx.fail(th, "<theta> holds " + std::to_string(t.theta.size()) + " values but dimensions=" + std::to_string(d));
    for (double x : t.theta)
      if (!(x > 0.0)) cx.fail(th, "<theta> values must be positive");
  }

  // permutations (1-based in the file)
  std::vector<std::vector<int>> perms(static_cast<std::size_t>(n_perm));
  std::vector<bool> seen_perm(std::size_t(n_perm), false);
  const std::size_t perm_len = t.covariance == GapCovariance::dot_product ? 1 : du;
  for (pugi::xml_node p : gp.children("permutation")) {
    const std::int64_t i = cx.integer(p, "i");
    if (i < 1 || i > n_perm) cx.fail(p, "<permutation i=\"" + std::to_string(i) + "\"> is outside 1..n_permutations");
    const auto v = cx.reals(p, p.child_value());
    if (v.size() != perm_len)
      cx.fail(p, "<permutation> holds " + std::to_string(v.size()) + " entries, expected " + std::to_string(perm_len));
    std::vector<int> perm;
    for (double x : v) {
      if (x != std::round(x) || x < 1 || x > double(perm_len)) cx.fail(p, "<permutation> entries must be indices 1..d");
      perm.push_back(int(x) - 1);
    }
    perms[std::size_t(i - 1)] = perm;
    seen_perm[std::size_t(i - 1)] = true;
  }
  for (std::size_t k = 0; k < perms.size(); ++k)
    if (!seen_perm[k]) cx.fail(gp, "<permutation i=\"" + std::to_string(k + 1) + "\"> is missing");
  if (t.covariance == GapCovariance::ard_se) t.permutations = perms;

  // sparse points: alpha, sparseCutoff, and values inline or in the separate file
  t.sparse.alpha.resize(Eigen::Index(n));
  t.sparse.cutoff.resize(Eigen::Index(n));
  t.sparse.points.resize(Eigen::Index(n), Eigen::Index(d));
  std::vector<bool> seen(nu, false);
  const bool separate = bool(gp.attribute("sparseX_filename"));
  for (pugi::xml_node sx : gp.children("sparseX")) {
    const std::int64_t i = cx.integer(sx, "i");
    if (i < 1 || i > n) cx.fail(sx, "<sparseX i=\"" + std::to_string(i) + "\"> is outside 1..n_sparseX=" + std::to_string(n));
    if (seen[std::size_t(i - 1)]) cx.fail(sx, "<sparseX i=\"" + std::to_string(i) + "\"> appears twice");
    seen[std::size_t(i - 1)] = true;
    t.sparse.alpha[Eigen::Index(i - 1)] = cx.real(sx, "alpha");
    t.sparse.cutoff[Eigen::Index(i - 1)] = cx.real(sx, "sparseCutoff");
    if (sx.attribute("sliced") && cx.logical(sx, "sliced")) cx.fail(sx, "sliced sparse points are not supported");
    if (!separate) {
      const auto v = cx.reals(sx, sx.child_value());
      if (v.size() != du)
        cx.fail(sx, "inline <sparseX> holds " + std::to_string(v.size()) + " values but dimensions=" + std::to_string(d));
      for (std::size_t c = 0; c < du; ++c) t.sparse.points(Eigen::Index(i - 1), Eigen::Index(c)) = v[c];
    }
  }
  for (std::size_t k = 0; k < nu; ++k)
    if (!seen[k]) cx.fail(gp, "<sparseX i=\"" + std::to_string(k + 1) + "\"> is missing (n_sparseX=" + std::to_string(n) + ")");
  if (separate)
    read_sparse_file(cx, gp, beside(cx.path(), cx.attribute(gp, "sparseX_filename")), du, nu, t.sparse.points);
  return t;
}

}  // namespace gap_xml_detail

/// Reads a QUIP GAP XML file (and its sparseX files, looked up beside it).
PESTLE_RUNTIME_INLINE GapModel read_gap_xml(const std::string& path);

/// read_gap_xml + GapPotential in one call.
inline GapPotential read_gap_potential(const std::string& path) { return GapPotential(read_gap_xml(path)); }

namespace gap_xml_detail {

inline std::string fortran_real(double x) {
  std::string s;
  append_real(s, x);
  return s;
}

inline std::string join_reals(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    s += ' ';
    append_real(s, x);
  }
  return s + ' ';
}

}  // namespace gap_xml_detail

/// Writes `m` as a QUIP GAP XML file at `path`, with the sparse points of every term in a separate
/// file `<path>.sparseX.<term label>` beside it (one value per line, md5 recorded), as gap_fit
/// does with sparse_separate_file=T. Numbers are written with shortest round-trip precision, so
/// reading the file back gives bit-identical parameters.
PESTLE_RUNTIME_INLINE void write_gap_xml(const GapModel& m, const std::string& path);

}  // namespace pestle::io

#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/formats/impl/gap_xml.hpp"
#endif
