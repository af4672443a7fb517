#pragma once
// Extended XYZ reader and writer in the dialect ASE and QUIP use (docs/extxyz.md).
//
//   pestle::Dataset d = pestle::read_extxyz("train.xyz");
//   pestle::ExtXyzReader r("huge.xyz");                 // streaming, one frame in memory
//   while (auto f = r.next()) { ... }
//   pestle::write_extxyz("out.xyz", d);                  // read -> write -> read is bit-exact
//
// Every malformed input raises pestle::ParseError naming the file, the 1-based line and
// the reason; the reader never returns a structure that fails Structure::validate().
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "pestle/core/compiled.hpp"
#include "pestle/core/dataset.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/info.hpp"
#include "pestle/core/labels.hpp"
#include "pestle/core/structure.hpp"
#include "pestle/core/text.hpp"

namespace pestle {

namespace extxyz_detail {

// ---------------------------------------------------------------------------------------
// Comment line: key[=value] entries. A value is bare (up to whitespace), quoted ("..." or
// '...', backslash escapes) or an array ([...] or {...}, items separated by commas and/or
// whitespace, items may be quoted).

struct RawValue {
  enum class Form { none, bare, quoted, array };
  Form form = Form::none;
  std::string text;                ///< bare or quoted content, escapes resolved
  std::vector<std::string> items;  ///< array items
  bool any_item_quoted = false;
};

struct Entry {
  std::string key;
  RawValue value;
};

/// Where an error is reported: file name and line.
struct Where {
  const std::string& file;
  std::size_t line;
  [[noreturn]] void fail(const std::string& reason) const { throw ParseError(file, line, reason); }
};

constexpr bool is_delimiter(char c) noexcept {
  return c == '"' || c == '\'' || c == '[' || c == ']' || c == '{' || c == '}';
}

/// Characters that cannot appear unquoted in a key, a bare value or a Properties name.
constexpr bool is_special(char c) noexcept {
  return io::is_space(c) || is_delimiter(c) || c == '\\' || c == '=' || c == ':' || c == ',' ||
         static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

class CommentLexer {
 public:
  CommentLexer(std::string_view s, const Where& where) : s_(s), where_(where) {}

  std::vector<Entry> entries() {
    std::vector<Entry> out;
    while (true) {
      skip_space();
      if (at_end()) break;
      Entry e;
      e.key = key();
      skip_space();
      if (!at_end() && s_[pos_] == '=') {
        ++pos_;
        skip_space();
        if (at_end()) where_.fail("key " + io::quote_for_message(e.key) + " has '=' but no value");
        e.value = value(e.key);
      }
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  bool at_end() const noexcept { return pos_ >= s_.size(); }
  void skip_space() noexcept {
    while (!at_end() && io::is_space(s_[pos_])) ++pos_;
  }

  std::string key() {
    std::string k;
    if (s_[pos_] == '"' || s_[pos_] == '\'') {
      k = quoted();
    } else {
      const std::size_t start = pos_;
      while (!at_end() && !io::is_space(s_[pos_]) && s_[pos_] != '=') {
        if (is_delimiter(s_[pos_]) || s_[pos_] == '\\')
          where_.fail(std::string("unexpected '") + s_[pos_] + "' in key " +
                      io::quote_for_message(s_.substr(start, pos_ - start + 1)));
        ++pos_;
      }
      k = std::string(s_.substr(start, pos_ - start));
    }
    if (k.empty()) where_.fail("empty key on the comment line");
    expect_separator("key " + io::quote_for_message(k), /*allow_equals=*/true);
    return k;
  }

  RawValue value(const std::string& key) {
    RawValue v;
    const char c = s_[pos_];
    if (c == '"' || c == '\'') {
      v.form = RawValue::Form::quoted;
      v.text = quoted();
    } else if (c == '[' || c == '{') {
      v.form = RawValue::Form::array;
      array(v);
    } else {
      v.form = RawValue::Form::bare;
      const std::size_t start = pos_;
      while (!at_end() && !io::is_space(s_[pos_])) {
        if (is_delimiter(s_[pos_]) || s_[pos_] == '\\')
          where_.fail(std::string("unexpected '") + s_[pos_] + "' in the value of key " + io::quote_for_message(key));
        ++pos_;
      }
      v.text = std::string(s_.substr(start, pos_ - start));
    }
    expect_separator("the value of key " + io::quote_for_message(key), /*allow_equals=*/false);
    return v;
  }

  void expect_separator(const std::string& what, bool allow_equals) const {
    if (at_end() || io::is_space(s_[pos_]) || (allow_equals && s_[pos_] == '=')) return;
    where_.fail(std::string("unexpected '") + s_[pos_] + "' after " + what);
  }

  // pos_ is at the opening quote; returns the content with escapes resolved (\n is a
  // newline, any other escaped character stands for itself).
  std::string quoted() {
    const char q = s_[pos_++];
    const std::size_t start = pos_;
    std::string out;
    while (true) {
      if (at_end()) where_.fail("unterminated quoted string starting at column " + std::to_string(start));
      const char c = s_[pos_++];
      if (c == q) return out;
      if (c == '\\') {
        if (at_end()) where_.fail("unterminated quoted string starting at column " + std::to_string(start));
        const char e = s_[pos_++];
        out += (e == 'n') ? '\n' : e;
      } else {
        out += c;
      }
    }
  }

  void array(RawValue& v) {
    const char close = s_[pos_] == '[' ? ']' : '}';
    const std::size_t start = ++pos_;
    while (true) {
      while (!at_end() && (io::is_space(s_[pos_]) || s_[pos_] == ',')) ++pos_;
      if (at_end()) where_.fail("unterminated array starting at column " + std::to_string(start));
      const char c = s_[pos_];
      if (c == close) {
        ++pos_;
        return;
      }
      if (c == '"' || c == '\'') {
        v.items.push_back(quoted());
        v.any_item_quoted = true;
        continue;
      }
      const std::size_t item_start = pos_;
      while (!at_end() && !io::is_space(s_[pos_]) && s_[pos_] != ',' && s_[pos_] != close) {
        if (is_delimiter(s_[pos_]) || s_[pos_] == '\\')
          where_.fail(std::string("unexpected '") + s_[pos_] + "' inside an array (nested arrays are not supported)");
        ++pos_;
      }
      v.items.emplace_back(s_.substr(item_start, pos_ - item_start));
    }
  }

  std::string_view s_;
  const Where& where_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------
// Typed values. As in ASE, a bare or quoted value is split on whitespace and commas; if
// every part is an integer it is an integer (array), else if every part is a number a
// real (array), else if every part is T/F/True/False a boolean (array), else a string.
// In a bracketed array a quoted item is always a string.

template <class T, class Parse>
bool all_parse(const std::vector<std::string_view>& parts, std::vector<T>& out, Parse parse) {
  out.clear();
  for (auto p : parts) {
    auto v = parse(p);
    if (!v) return false;
    out.push_back(*v);
  }
  return true;
}

inline std::vector<std::string_view> split_items(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (io::is_space(s[i]) || s[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < s.size() && !io::is_space(s[i]) && s[i] != ',') ++i;
    if (i > start) parts.push_back(s.substr(start, i - start));
  }
  return parts;
}

/// Typed value of parts; `scalar` collapses a one-element list to a scalar.
inline std::optional<InfoValue> typed(const std::vector<std::string_view>& parts, bool scalar) {
  std::vector<std::int64_t> ints;
  std::vector<double> reals;
  std::vector<bool> bools;
  if (all_parse(parts, ints, io::parse_int)) {
    if (scalar && ints.size() == 1) return InfoValue(ints[0]);
    return InfoValue(std::move(ints));
  }
  if (all_parse(parts, reals, io::parse_real)) {
    if (scalar && reals.size() == 1) return InfoValue(reals[0]);
    return InfoValue(std::move(reals));
  }
  bools.clear();
  for (auto p : parts) {
    auto b = io::parse_bool(p);
    if (!b) return std::nullopt;
    bools.push_back(*b);
  }
  if (scalar && bools.size() == 1) return InfoValue(static_cast<bool>(bools[0]));
  return InfoValue(std::move(bools));
}

inline InfoValue to_info_value(const RawValue& v) {
  switch (v.form) {
    case RawValue::Form::none:
      return std::monostate{};
    case RawValue::Form::bare:
    case RawValue::Form::quoted: {
      const auto parts = split_items(v.text);
      if (parts.empty()) return v.text;
      if (auto t = typed(parts, /*scalar=*/true)) return *t;
      return v.text;
    }
    case RawValue::Form::array: {
      if (v.items.empty()) return std::vector<double>{};
      if (!v.any_item_quoted) {
        std::vector<std::string_view> parts(v.items.begin(), v.items.end());
        if (auto t = typed(parts, /*scalar=*/false)) return *t;
      }
      return v.items;
    }
  }
  return std::monostate{};
}

/// The value as a list of numbers if it is an integer/real scalar or array.
inline std::optional<std::vector<double>> as_numbers(const InfoValue& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::vector<double>{static_cast<double>(*i)};
  if (auto* d = std::get_if<double>(&v)) return std::vector<double>{*d};
  if (auto* iv = std::get_if<std::vector<std::int64_t>>(&v)) return std::vector<double>(iv->begin(), iv->end());
  if (auto* dv = std::get_if<std::vector<double>>(&v)) return *dv;
  return std::nullopt;
}

inline bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// The comment-line keys pestle interprets. Lattice and Properties are matched
/// case-insensitively (as ASE does), the others exactly.
enum class Known { none, lattice, properties, pbc, energy, stress, virial, config_type, weight };

inline Known known_key(std::string_view key) {
  const std::string k = lower(key);
  if (k == "lattice") return Known::lattice;
  if (k == "properties") return Known::properties;
  if (key == "pbc") return Known::pbc;
  if (key == "energy") return Known::energy;
  if (key == "stress") return Known::stress;
  if (key == "virial") return Known::virial;
  if (key == "config_type") return Known::config_type;
  if (key == "weight" || key == "config_weight") return Known::weight;
  return Known::none;
}

// ---------------------------------------------------------------------------------------
// Properties=name:type:columns:...

struct Column {
  enum class Role { species, pos, forces, z, extra };
  std::string name;
  AtomProperty::Type type = AtomProperty::Type::real;
  int count = 1;
  Role role = Role::extra;
  std::size_t extra_index = 0;  ///< index into Frame::atom_properties for Role::extra
};

inline constexpr int max_property_columns = 10000;

struct Layout {
  std::vector<Column> columns;
  std::size_t total = 0;  ///< tokens per atom line
  bool has_species = false;
  bool has_z = false;
  bool has_forces = false;
  std::string text;  ///< the Properties string, for messages
};

inline Layout parse_properties(const std::string& text, const Where& where) {
  Layout layout;
  layout.text = text;
  std::vector<std::string_view> fields;
  std::string_view rest = text;
  while (true) {
    const auto colon = rest.find(':');
    fields.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (fields.size() % 3 != 0)
    where.fail("Properties=" + io::quote_for_message(text) + " is not a list of name:type:columns triples");
  std::set<std::string> seen;
  std::size_t extras = 0;
  for (std::size_t i = 0; i < fields.size(); i += 3) {
    Column c;
    c.name = std::string(fields[i]);
    if (c.name.empty()) where.fail("Properties has an empty column name");
    for (char ch : c.name)
      if (is_special(ch))
        where.fail("Properties column name " + io::quote_for_message(c.name) + " contains a character names cannot hold");
    const std::string_view type = fields[i + 1];
    if (type.size() != 1 || std::string_view("RISL").find(type[0]) == std::string_view::npos)
      where.fail("Properties column " + io::quote_for_message(c.name) + " has type " + io::quote_for_message(type) +
                 " (expected R, I, S or L)");
    c.type = static_cast<AtomProperty::Type>(type[0]);
    const auto count = io::parse_int(fields[i + 2]);
    if (!count || *count < 1 || *count > max_property_columns)
      where.fail("Properties column " + io::quote_for_message(c.name) + " has column count " +
                 io::quote_for_message(fields[i + 2]) + " (expected 1.." + std::to_string(max_property_columns) + ")");
    c.count = static_cast<int>(*count);
    // force and forces name the same label; only one of them may appear.
    const std::string canonical = (c.name == "force") ? std::string("forces") : c.name;
    if (!seen.insert(canonical).second)
      where.fail("Properties names column " + io::quote_for_message(c.name) + " twice");
    auto require = [&](AtomProperty::Type t, int n, const char* spec) {
      if (c.type != t || c.count != n)
        where.fail("Properties column " + io::quote_for_message(c.name) + " must be " + spec);
    };
    if (c.name == "species") {
      require(AtomProperty::Type::string, 1, "S:1");
      c.role = Column::Role::species;
      layout.has_species = true;
    } else if (c.name == "pos") {
      require(AtomProperty::Type::real, 3, "R:3");
      c.role = Column::Role::pos;
    } else if (c.name == "forces" || c.name == "force") {
      require(AtomProperty::Type::real, 3, "R:3");
      c.role = Column::Role::forces;
      layout.has_forces = true;
    } else if (c.name == "Z") {
      require(AtomProperty::Type::integer, 1, "I:1");
      c.role = Column::Role::z;
      layout.has_z = true;
    } else {
      c.extra_index = extras++;
    }
    layout.total += static_cast<std::size_t>(c.count);
    layout.columns.push_back(std::move(c));
  }
  if (!seen.count("pos")) where.fail("Properties=" + io::quote_for_message(text) + " has no pos:R:3 column");
  if (!layout.has_species && !layout.has_z)
    where.fail("Properties=" + io::quote_for_message(text) + " has neither a species:S:1 nor a Z:I:1 column");
  return layout;
}

/// "SI", "si" -> "Si" (ASE capitalises symbols the same way).
inline std::string capitalise(std::string_view s) {
  std::string out(s);
  for (std::size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    if (i == 0 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (i > 0 && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Frame header: everything the comment line says.

struct Header {
  Layout layout;
  Mat3 cell = Mat3::Zero();
  bool has_lattice = false;
  std::optional<std::array<bool, 3>> pbc;
  Labels labels;
};

inline Mat3 lattice_from(const InfoValue& v, const Where& where) {
  const auto numbers = as_numbers(v);
  if (!numbers) where.fail("Lattice must be 9 numbers");
  if (numbers->size() != 9) where.fail("Lattice must be 9 numbers, got " + std::to_string(numbers->size()));
  if (!all_finite(*numbers)) where.fail("Lattice has a non-finite entry");
  Mat3 cell;
  for (int k = 0; k < 9; ++k) cell(k / 3, k % 3) = (*numbers)[static_cast<std::size_t>(k)];  // rows a, b, c
  return cell;
}

/// stress/virial: 9 values (3x3, column-major as ASE writes them; the tensors are
/// symmetric in practice) or 6 Voigt values xx yy zz yz xz xy.
inline Mat3 tensor_from(const std::string& key, const InfoValue& v, const Where& where) {
  const auto n = as_numbers(v);
  if (!n || (n->size() != 9 && n->size() != 6))
    where.fail(key + " must be 9 or 6 (Voigt) numbers" + (n ? ", got " + std::to_string(n->size()) : std::string()));
  if (!all_finite(*n)) where.fail(key + " has a non-finite entry");
  Mat3 m;
  const auto& x = *n;
  if (x.size() == 9) {
    for (int k = 0; k < 9; ++k) m(k % 3, k / 3) = x[static_cast<std::size_t>(k)];
  } else {
    m << x[0], x[5], x[4],  //
        x[5], x[1], x[3],   //
        x[4], x[3], x[2];
  }
  return m;
}

inline std::array<bool, 3> pbc_from(const InfoValue& v, const Where& where) {
  if (auto* b = std::get_if<bool>(&v)) return {*b, *b, *b};
  if (auto* bv = std::get_if<std::vector<bool>>(&v); bv && bv->size() == 3) return {(*bv)[0], (*bv)[1], (*bv)[2]};
  where.fail("pbc must be three booleans such as \"T T F\"");
}

inline Header parse_header(std::string_view line, const Where& where) {
  Header h;
  std::set<std::string> seen;
  std::optional<std::string> properties;
  for (auto& e : CommentLexer(line, where).entries()) {
    const Known kind = known_key(e.key);
    std::string identity = e.key;
    if (kind == Known::lattice || kind == Known::properties) identity = lower(e.key);
    if (kind == Known::weight) identity = "weight";
    if (!seen.insert(identity).second)
      where.fail("duplicated key " + io::quote_for_message(e.key) +
                 (kind == Known::weight ? " (weight and config_weight mean the same)" : ""));
    if (kind != Known::none && e.value.form == RawValue::Form::none)
      where.fail("key " + io::quote_for_message(e.key) + " needs a value");
    const InfoValue value = to_info_value(e.value);
    switch (kind) {
      case Known::lattice:
        h.cell = lattice_from(value, where);
        h.has_lattice = true;
        break;
      case Known::properties:
        if (e.value.form != RawValue::Form::bare && e.value.form != RawValue::Form::quoted)
          where.fail("Properties must be a string such as species:S:1:pos:R:3");
        properties = e.value.text;
        break;
      case Known::pbc:
        h.pbc = pbc_from(value, where);
        break;
      case Known::energy: {
        if (!std::holds_alternative<std::int64_t>(value) && !std::holds_alternative<double>(value))
          where.fail("energy must be a number");
        const auto n = as_numbers(value);
        if (!std::isfinite((*n)[0])) where.fail("energy is not finite");
        h.labels.energy = (*n)[0];
        break;
      }
      case Known::stress:
        h.labels.stress = tensor_from(e.key, value, where);
        break;
      case Known::virial:
        h.labels.virial = tensor_from(e.key, value, where);
        break;
      case Known::config_type:
        if (e.value.form != RawValue::Form::bare && e.value.form != RawValue::Form::quoted)
          where.fail("config_type must be a string");
        h.labels.config_type = e.value.text;
        break;
      case Known::weight: {
        if (!std::holds_alternative<std::int64_t>(value) && !std::holds_alternative<double>(value))
          where.fail(e.key + " must be a number");
        const auto n = as_numbers(value);
        if (!std::isfinite((*n)[0]) || (*n)[0] < 0.0) where.fail(e.key + " must be finite and non-negative");
        h.labels.weight = (*n)[0];
        break;
      }
      case Known::none:
        h.labels.info.set(e.key, value);
        break;
    }
  }
  h.layout = parse_properties(properties.value_or("species:S:1:pos:R:3"), where);
  return h;
}

}  // namespace extxyz_detail

// =========================================================================================
// Reading

/// Streams frames from an extended-XYZ file or stream; holds one frame in memory at a time.
/// After a ParseError the reader is finished (next() returns nullopt).
class ExtXyzReader {
 public:
  /// Opens `path`; throws InputError if it cannot be opened.
  explicit ExtXyzReader(const std::string& path)
      : owned_(std::make_unique<std::ifstream>(path, std::ios::binary)), lines_(*owned_), name_(path) {
    if (!*owned_) throw InputError("cannot open '" + path + "' for reading");
  }
  /// Reads from `in`; `name` is used in error messages (a file name or "<string>").
  ExtXyzReader(std::istream& in, std::string name) : lines_(in), name_(std::move(name)) {}

  /// The next frame, or nullopt at the end of the input (trailing blank lines are fine).
  PESTLE_RUNTIME_INLINE std::optional<Frame> next();

  const std::string& name() const noexcept { return name_; }
  std::size_t frames_read() const noexcept { return frames_; }
  /// 1-based number of the last line read.
  std::size_t line() const noexcept { return lines_.line(); }

 private:
  using Where = extxyz_detail::Where;
  using Column = extxyz_detail::Column;

  std::optional<Frame> read_frame() {
    const auto count = read_count_line();
    if (!count) return std::nullopt;
    const std::size_t count_line = lines_.line();
    const std::size_t natoms = *count;

    const auto comment = lines_.next();
    if (!comment)
      Where{name_, lines_.line() + 1}.fail("file ends after the atom count line " + std::to_string(count_line));
    const Where header_where{name_, lines_.line()};
    extxyz_detail::Header h = extxyz_detail::parse_header(*comment, header_where);

    Frame f;
    f.structure.cell = h.cell;
    f.structure.pbc = h.pbc.value_or(std::array<bool, 3>{h.has_lattice, h.has_lattice, h.has_lattice});
    f.labels = std::move(h.labels);
    for (const auto& c : h.layout.columns) {
      if (c.role != Column::Role::extra) continue;
      AtomProperty p;
      p.name = c.name;
      p.type = c.type;
      p.columns = c.count;
      f.atom_properties.push_back(std::move(p));
    }
    const std::size_t reserve = std::min<std::size_t>(natoms, 1u << 16);  // a bogus count must not allocate
    f.structure.positions.reserve(reserve);
    f.structure.numbers.reserve(reserve);
    if (h.layout.has_forces) {
      f.labels.forces.emplace();
      f.labels.forces->reserve(reserve);
    }
    for (std::size_t i = 0; i < natoms; ++i) {
      const auto line = lines_.next();
      if (!line)
        Where{name_, lines_.line() + 1}.fail("file ends inside a frame: " + std::to_string(i) + " of " +
                                             std::to_string(natoms) + " atom lines (frame starts at line " +
                                             std::to_string(count_line) + ")");
      read_atom(*line, h.layout, f);
    }
    try {
      f.structure.validate();
    } catch (const InputError& e) {
      header_where.fail(e.what());
    }
    return f;
  }

  /// The atom count of the next frame, or nullopt at the end of the input.
  std::optional<std::size_t> read_count_line() {
    std::optional<std::size_t> first_blank;
    while (true) {
      const auto line = lines_.next();
      if (!line) return std::nullopt;
      if (io::is_blank(*line)) {
        if (!first_blank) first_blank = lines_.line();
        continue;
      }
      // Blank lines are allowed only at the end of the file.
      if (first_blank) Where{name_, *first_blank}.fail("blank line where an atom count was expected");
      io::split_whitespace(*line, tokens_);
      const Where where{name_, lines_.line()};
      if (tokens_.size() != 1) where.fail("expected an atom count, got " + io::quote_for_message(*line));
      const auto n = io::parse_int(tokens_[0]);
      if (!n) where.fail("expected an atom count, got " + io::quote_for_message(tokens_[0]));
      if (*n < 0) where.fail("negative atom count " + std::to_string(*n));
      return static_cast<std::size_t>(*n);
    }
  }

  void read_atom(std::string_view line, const extxyz_detail::Layout& layout, Frame& f) {
    const Where where{name_, lines_.line()};
    io::split_whitespace(line, tokens_);
    if (tokens_.size() != layout.total)
      where.fail("expected " + std::to_string(layout.total) + " columns (Properties=" +
                 io::quote_for_message(layout.text, 80) + "), got " + std::to_string(tokens_.size()));
    int species_z = 0;
    int column_z = 0;
    Vec3 pos = Vec3::Zero();
    std::size_t t = 0;
    for (const auto& c : layout.columns) {
      switch (c.role) {
        case Column::Role::species: {
          const std::string symbol = extxyz_detail::capitalise(tokens_[t]);
          species_z = find_atomic_number(symbol);
          if (species_z == 0) where.fail("unknown element " + io::quote_for_message(tokens_[t]));
          break;
        }
        case Column::Role::pos:
          pos = vector3(t, "position", where);
          break;
        case Column::Role::forces:
          f.labels.forces->push_back(vector3(t, "force", where));
          break;
        case Column::Role::z: {
          const auto z = io::parse_int(tokens_[t]);
          if (!z) where.fail("Z " + io::quote_for_message(tokens_[t]) + " is not an integer");
          if (!is_atomic_number(static_cast<int>(std::clamp<std::int64_t>(*z, -1, 1000))))
            where.fail("unknown atomic number " + io::quote_for_message(tokens_[t]));
          column_z = static_cast<int>(*z);
          break;
        }
        case Column::Role::extra:
          read_extra(c, t, f.atom_properties[c.extra_index], where);
          break;
      }
      t += static_cast<std::size_t>(c.count);
    }
    if (layout.has_species && layout.has_z && species_z != column_z)
      where.fail("Z=" + std::to_string(column_z) + " disagrees with species " +
                 std::string(element_symbol(species_z)));
    f.structure.add_atom(layout.has_species ? species_z : column_z, pos);
  }

  Vec3 vector3(std::size_t t, const char* what, const Where& where) const {
    Vec3 v;
    for (int k = 0; k < 3; ++k) {
      const auto x = io::parse_real(tokens_[t + static_cast<std::size_t>(k)]);
      if (!x) where.fail(std::string(what) + " " + io::quote_for_message(tokens_[t + static_cast<std::size_t>(k)]) +
                         " is not a number");
      if (!std::isfinite(*x)) where.fail(std::string(what) + " is not finite");
      v[k] = *x;
    }
    return v;
  }

  void read_extra(const Column& c, std::size_t t, AtomProperty& p, const Where& where) const {
    for (int k = 0; k < c.count; ++k) {
      const std::string_view tok = tokens_[t + static_cast<std::size_t>(k)];
      switch (c.type) {
        case AtomProperty::Type::real: {
          const auto x = io::parse_real(tok);
          if (!x) where.fail("column " + io::quote_for_message(c.name) + ": " + io::quote_for_message(tok) + " is not a number");
          p.reals.push_back(*x);
          break;
        }
        case AtomProperty::Type::integer: {
          const auto x = io::parse_int(tok);
          if (!x) where.fail("column " + io::quote_for_message(c.name) + ": " + io::quote_for_message(tok) + " is not an integer");
          p.integers.push_back(*x);
          break;
        }
        case AtomProperty::Type::logical: {
          const auto x = io::parse_bool(tok);
          if (!x) where.fail("column " + io::quote_for_message(c.name) + ": " + io::quote_for_message(tok) + " is not T or F");
          p.integers.push_back(*x ? 1 : 0);
          break;
        }
        case AtomProperty::Type::string:
          p.strings.emplace_back(tok);
          break;
      }
    }
  }

  std::unique_ptr<std::ifstream> owned_;
  io::LineReader lines_;
  std::string name_;
  std::size_t frames_ = 0;
  bool done_ = false;
  std::vector<std::string_view> tokens_;
};

/// Every frame of a stream.
PESTLE_RUNTIME_INLINE Dataset read_extxyz(std::istream& in, const std::string& name);

/// Every frame of a file.
PESTLE_RUNTIME_INLINE Dataset read_extxyz(const std::string& path);

/// Every frame of an in-memory text; `name` appears in error messages.
inline Dataset parse_extxyz(std::string_view text, const std::string& name = "<string>") {
  std::istringstream in{std::string(text)};
  return read_extxyz(in, name);
}

/// Frame number `index` (0-based) of a file; frames before it are parsed (and checked)
/// but not kept. Throws InputError if the file has fewer frames.
inline Frame read_extxyz_frame(const std::string& path, std::size_t index = 0) {
  ExtXyzReader r(path);
  for (std::size_t i = 0;; ++i) {
    auto f = r.next();
    if (!f)
      throw InputError("'" + path + "' has " + std::to_string(i) + " frames, frame " + std::to_string(index) +
                       " was requested");
    if (i == index) return std::move(*f);
  }
}

// =========================================================================================
// Writing

namespace extxyz_detail {

/// True if `s` reads back as the same string when written bare.
inline bool bare_safe(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (io::is_space(c) || is_delimiter(c) || c == '\\' || c == '=' || c == ',' ||
        static_cast<unsigned char>(c) < 0x20)
      return false;
  return !typed(split_items(s), true).has_value();
}

inline void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
}

inline void append_string(std::string& out, std::string_view s) {
  if (bare_safe(s)) out += s;
  else append_quoted(out, s);
}

inline void append_key(std::string& out, std::string_view key) {
  bool bare = !key.empty();
  for (char c : key)
    if (io::is_space(c) || is_delimiter(c) || c == '\\' || c == '=' || static_cast<unsigned char>(c) < 0x20) bare = false;
  if (bare) out += key;
  else append_quoted(out, key);
}

/// Numeric and boolean lists of two or more items are written as ASE writes them, a
/// quoted space-separated list; shorter lists in brackets so they read back as lists.
template <class T, class AppendItem>
void append_list(std::string& out, const std::vector<T>& v, AppendItem item) {
  const bool quoted = v.size() >= 2;
  out += quoted ? '"' : '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += quoted ? " " : ", ";
    item(out, v[i]);
  }
  out += quoted ? '"' : ']';
}

inline void append_value(std::string& out, const InfoValue& v) {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += x ? 'T' : 'F';
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          io::append_int(out, x);
        } else if constexpr (std::is_same_v<T, double>) {
          io::append_real(out, x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_string(out, x);
        } else if constexpr (std::is_same_v<T, std::vector<bool>>) {
          append_list(out, x, [](std::string& o, bool b) { o += b ? 'T' : 'F'; });
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          append_list(out, x, [](std::string& o, std::int64_t i) { io::append_int(o, i); });
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          append_list(out, x, [](std::string& o, double d) { io::append_real(o, d); });
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          // Quoted items keep string lists strings whatever they contain.
          out += '[';
          for (std::size_t i = 0; i < x.size(); ++i) {
            if (i > 0) out += ", ";
            append_quoted(out, x[i]);
          }
          out += ']';
        }
      },
      v);
}

inline void append_reals(std::string& out, const double* x, int n) {
  for (int k = 0; k < n; ++k) {
    if (k > 0) out += ' ';
    io::append_real(out, x[k]);
  }
}

/// Column-major 9 values, the order ASE writes stress and virial in.
inline void append_tensor(std::string& out, const Mat3& m) {
  out += '"';
  for (int k = 0; k < 9; ++k) {
    if (k > 0) out += ' ';
    io::append_real(out, m(k % 3, k / 3));
  }
  out += '"';
}

inline bool reserved_atom_property(std::string_view name) {
  return name == "species" || name == "pos" || name == "force" || name == "forces" || name == "Z";
}

inline void check_atom_property(const AtomProperty& p, std::size_t natoms, std::set<std::string>& seen) {
  auto bad = [&](const std::string& why) { throw InputError("atom property '" + p.name + "': " + why); };
  if (p.name.empty()) bad("empty name");
  for (char c : p.name)
    if (is_special(c)) bad("name contains a character the Properties string cannot hold");
  if (reserved_atom_property(p.name)) bad("name is reserved for species, positions, forces or Z");
  if (!seen.insert(p.name).second) bad("appears twice");
  if (p.columns < 1 || p.columns > max_property_columns) bad("column count out of range");
  const std::size_t want = natoms * static_cast<std::size_t>(p.columns);
  std::size_t have = 0;
  switch (p.type) {
    case AtomProperty::Type::real: have = p.reals.size(); break;
    case AtomProperty::Type::integer:
    case AtomProperty::Type::logical: have = p.integers.size(); break;
    case AtomProperty::Type::string: have = p.strings.size(); break;
  }
  if (have != want) bad("holds " + std::to_string(have) + " values, expected " + std::to_string(want));
  if (p.type == AtomProperty::Type::logical)
    for (auto x : p.integers)
      if (x != 0 && x != 1) bad("logical values must be 0 or 1");
  if (p.type == AtomProperty::Type::string)
    for (const auto& s : p.strings) {
      if (s.empty()) bad("empty string value");
      for (char c : s)
        if (io::is_space(c)) bad("string value contains whitespace");
    }
}

inline void check_frame(const Frame& f) {
  f.structure.validate();
  const auto& l = f.labels;
  if (l.forces && l.forces->size() != f.size())
    throw InputError(std::to_string(l.forces->size()) + " forces for " + std::to_string(f.size()) + " atoms");
  if (l.forces)
    for (const auto& v : *l.forces)
      if (!v.allFinite()) throw InputError("non-finite force");
  if (l.energy && !std::isfinite(*l.energy)) throw InputError("non-finite energy");
  if (l.stress && !l.stress->allFinite()) throw InputError("non-finite stress");
  if (l.virial && !l.virial->allFinite()) throw InputError("non-finite virial");
  if (!std::isfinite(l.weight) || l.weight < 0.0) throw InputError("weight must be finite and non-negative");
  for (const auto& [key, value] : l.info.entries()) {
    (void)value;
    if (key.empty()) throw InputError("empty info key");
    if (known_key(key) != Known::none)
      throw InputError("info key '" + key + "' clashes with a key the extended-XYZ writer sets itself");
  }
  std::set<std::string> seen;
  for (const auto& p : f.atom_properties) check_atom_property(p, f.size(), seen);
}

inline std::string comment_line(const Frame& f) {
  const auto& s = f.structure;
  const auto& l = f.labels;
  std::string out;
  // Any set bit (also a -0.0) needs the Lattice key, or the round trip would not be exact.
  bool has_cell = s.any_periodic();
  for (int k = 0; k < 9; ++k) has_cell = has_cell || s.cell(k / 3, k % 3) != 0.0 || std::signbit(s.cell(k / 3, k % 3));
  if (has_cell) {
    out += "Lattice=\"";
    for (int k = 0; k < 9; ++k) {
      if (k > 0) out += ' ';
      io::append_real(out, s.cell(k / 3, k % 3));
    }
    out += "\" ";
  }
  out += "Properties=species:S:1:pos:R:3";
  if (l.forces) out += ":forces:R:3";
  for (const auto& p : f.atom_properties) {
    out += ':';
    out += p.name;
    out += ':';
    out += static_cast<char>(p.type);
    out += ':';
    io::append_int(out, p.columns);
  }
  if (l.energy) {
    out += " energy=";
    io::append_real(out, *l.energy);
  }
  if (l.stress) {
    out += " stress=";
    append_tensor(out, *l.stress);
  }
  if (l.virial) {
    out += " virial=";
    append_tensor(out, *l.virial);
  }
  out += " pbc=\"";
  for (int a = 0; a < 3; ++a) {
    if (a > 0) out += ' ';
    out += s.pbc[static_cast<std::size_t>(a)] ? 'T' : 'F';
  }
  out += '"';
  if (!l.config_type.empty()) {
    out += " config_type=";
    // Written as-is when bare-safe apart from looking like a number: config_type is read
    // back as text, never as a typed value.
    bool bare = true;
    for (char c : l.config_type)
      if (io::is_space(c) || is_delimiter(c) || c == '\\' || c == '=' || static_cast<unsigned char>(c) < 0x20)
        bare = false;
    if (bare) out += l.config_type;
    else append_quoted(out, l.config_type);
  }
  if (l.weight != 1.0) {
    out += " weight=";
    io::append_real(out, l.weight);
  }
  for (const auto& [key, value] : l.info.entries()) {
    out += ' ';
    append_key(out, key);
    if (std::holds_alternative<std::monostate>(value)) continue;
    out += '=';
    append_value(out, value);
  }
  return out;
}

inline void append_atom_line(std::string& out, const Frame& f, std::size_t i) {
  out += element_symbol(f.structure.numbers[i]);
  out += ' ';
  append_reals(out, f.structure.positions[i].data(), 3);
  if (f.labels.forces) {
    out += ' ';
    append_reals(out, (*f.labels.forces)[i].data(), 3);
  }
  for (const auto& p : f.atom_properties) {
    const std::size_t n = static_cast<std::size_t>(p.columns);
    for (std::size_t k = i * n; k < (i + 1) * n; ++k) {
      out += ' ';
      switch (p.type) {
        case AtomProperty::Type::real: io::append_real(out, p.reals[k]); break;
        case AtomProperty::Type::integer: io::append_int(out, p.integers[k]); break;
        case AtomProperty::Type::logical: out += p.integers[k] ? 'T' : 'F'; break;
        case AtomProperty::Type::string: out += p.strings[k]; break;
      }
    }
  }
  out += '\n';
}

}  // namespace extxyz_detail

/// Writes one frame. Reals are written with the shortest digits that read back exactly
/// (std::to_chars), so read -> write -> read reproduces every number bit for bit.
/// Throws InputError for a frame that cannot be written faithfully (invalid structure,
/// mismatched array sizes, an info key the writer sets itself, ...).
PESTLE_RUNTIME_INLINE void write_extxyz(std::ostream& out, const Frame& f);

inline void write_extxyz(std::ostream& out, const Dataset& d) {
  for (const auto& f : d) write_extxyz(out, f);
}

/// Writes every frame of `d` to `path` (replacing the file).
inline void write_extxyz(const std::string& path, const Dataset& d) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError("cannot open '" + path + "' for writing");
  write_extxyz(out, d);
  out.close();
  if (!out) throw Error("write error on '" + path + "'");
}

/// The extended-XYZ text of a frame / data set.
inline std::string to_extxyz(const Frame& f) {
  std::ostringstream out;
  write_extxyz(out, f);
  return out.str();
}
inline std::string to_extxyz(const Dataset& d) {
  std::ostringstream out;
  write_extxyz(out, d);
  return out.str();
}

}  // namespace pestle

// The entry points that do the work (ExtXyzReader::next and write_extxyz of a frame) are defined in
// data/impl/extxyz.hpp: inline by default, compiled once into pestle::runtime with PESTLE_COMPILED_RUNTIME
// (src/runtime/compile_foundations.cpp). Only they call the parser and writer above, so those are
// emitted in that one unit, not in every unit that reads or writes a file.
#if !defined(PESTLE_COMPILED_RUNTIME)
#include "pestle/data/impl/extxyz.hpp"
#endif
