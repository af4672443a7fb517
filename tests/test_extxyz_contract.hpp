#pragma once
// The robustness contract of the extended-XYZ reader, shared by the Catch2 tests and the
// libFuzzer target: for any input the reader either throws pestle::ParseError (naming a
// line inside the input, or one past its end) or returns frames that validate(), whose
// arrays agree in size, and which the writer turns into text that reads back to the same
// frames and the same text. Anything else is a bug.
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "pestle/data/extxyz.hpp"

namespace pestle::test {

inline bool same_real(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;  // the writer does not keep NaN payloads
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

inline bool same_reals(const double* a, const double* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!same_real(a[i], b[i])) return false;
  return true;
}

inline bool same_value(const InfoValue& a, const InfoValue& b) {
  if (a.index() != b.index()) return false;
  if (auto* x = std::get_if<double>(&a)) return same_real(*x, std::get<double>(b));
  if (auto* x = std::get_if<std::vector<double>>(&a)) {
    const auto& y = std::get<std::vector<double>>(b);
    return x->size() == y.size() && same_reals(x->data(), y.data(), x->size());
  }
  return a == b;
}

/// "" if the frames are equal bit for bit (NaN equals NaN), else what differs.
inline std::string compare_frames(const Frame& a, const Frame& b) {
  const auto& s = a.structure;
  const auto& t = b.structure;
  if (s.numbers != t.numbers) return "atomic numbers";
  if (s.pbc != t.pbc) return "pbc";
  if (!same_reals(s.cell.data(), t.cell.data(), 9)) return "cell";
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!same_reals(s.positions[i].data(), t.positions[i].data(), 3)) return "position of atom " + std::to_string(i);
  const auto& l = a.labels;
  const auto& m = b.labels;
  if (l.energy.has_value() != m.energy.has_value() || (l.energy && !same_real(*l.energy, *m.energy))) return "energy";
  if (l.forces.has_value() != m.forces.has_value()) return "forces presence";
  if (l.forces) {
    if (l.forces->size() != m.forces->size()) return "force count";
    for (std::size_t i = 0; i < l.forces->size(); ++i)
      if (!same_reals((*l.forces)[i].data(), (*m.forces)[i].data(), 3)) return "force on atom " + std::to_string(i);
  }
  if (l.stress.has_value() != m.stress.has_value() || (l.stress && !same_reals(l.stress->data(), m.stress->data(), 9)))
    return "stress";
  if (l.virial.has_value() != m.virial.has_value() || (l.virial && !same_reals(l.virial->data(), m.virial->data(), 9)))
    return "virial";
  if (!same_real(l.weight, m.weight)) return "weight";
  if (l.config_type != m.config_type) return "config_type";
  if (l.info.size() != m.info.size()) return "number of info keys";
  for (std::size_t i = 0; i < l.info.size(); ++i) {
    const auto& [k1, v1] = l.info.entries()[i];
    const auto& [k2, v2] = m.info.entries()[i];
    if (k1 != k2 || !same_value(v1, v2)) return "info key " + k1;
  }
  if (a.atom_properties.size() != b.atom_properties.size()) return "number of atom properties";
  for (std::size_t i = 0; i < a.atom_properties.size(); ++i) {
    const auto& p = a.atom_properties[i];
    const auto& q = b.atom_properties[i];
    if (p.name != q.name || p.type != q.type || p.columns != q.columns || p.integers != q.integers ||
        p.strings != q.strings || p.reals.size() != q.reals.size() ||
        !same_reals(p.reals.data(), q.reals.data(), p.reals.size()))
      return "atom property " + p.name;
  }
  return "";
}

inline std::size_t count_lines(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (c == '\n');
  return n + (!text.empty() && text.back() != '\n');
}

/// "" if the contract holds for `text`, else a description of the violation. Exceptions
/// other than pestle::Error propagate (they are violations too).
inline std::string check_extxyz_contract(std::string_view text) {
  Dataset d;
  try {
    d = parse_extxyz(text, "input");
  } catch (const ParseError& e) {
    if (e.file() != "input") return "ParseError names the wrong file: " + std::string(e.what());
    if (e.line() < 1 || e.line() > count_lines(text) + 1)
      return "ParseError line out of range: " + std::string(e.what());
    return "";
  } catch (const Error& e) {
    return "error that is not a ParseError: " + std::string(e.what());
  }
  for (const auto& f : d) {
    try {
      f.structure.validate();
    } catch (const Error& e) {
      return "returned a structure that does not validate: " + std::string(e.what());
    }
    if (f.labels.forces && f.labels.forces->size() != f.size()) return "force count differs from atom count";
    for (const auto& p : f.atom_properties) {
      const std::size_t want = f.size() * static_cast<std::size_t>(p.columns);
      const std::size_t have = p.reals.size() + p.integers.size() + p.strings.size();
      if (have != want) return "atom property " + p.name + " has the wrong size";
    }
  }
  std::string once;
  try {
    once = to_extxyz(d);
  } catch (const Error& e) {
    return "the writer rejects what the reader returned: " + std::string(e.what());
  }
  Dataset again;
  try {
    again = parse_extxyz(once, "written");
  } catch (const Error& e) {
    return "the reader rejects what the writer wrote: " + std::string(e.what());
  }
  if (again.size() != d.size()) return "frame count changed in a round trip";
  for (std::size_t i = 0; i < d.size(); ++i) {
    const std::string diff = compare_frames(d[i], again[i]);
    if (!diff.empty()) return "round trip changed " + diff + " of frame " + std::to_string(i);
  }
  if (to_extxyz(again) != once) return "written text is not stable";
  return "";
}

}  // namespace pestle::test
