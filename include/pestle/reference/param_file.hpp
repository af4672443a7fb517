#pragma once
// Reading the parameter files of the reference potentials (LAMMPS's sw, tersoff, eam and
// eam/alloy formats): whitespace-separated words that remember their 1-based line, so every
// error names the file, the line and the reason (ParseError).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/text.hpp"
#include "pestle/reference/calculator.hpp"

namespace pestle::detail::reference {

struct Word {
  std::string text;
  std::size_t line;
};

/// Reads all lines of a file (InputError when it cannot be opened).
inline std::vector<std::string> read_lines(const std::string& path, std::string_view what) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open " + std::string(what) + " file '" + path + "'");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::move(l));
  }
  return lines;
}

/// The words of lines [first, end), optionally cutting each line at '#'.
inline std::vector<Word> words_of(const std::vector<std::string>& lines, std::size_t first, bool strip_comments) {
  std::vector<Word> out;
  std::vector<std::string_view> parts;
  for (std::size_t k = first; k < lines.size(); ++k) {
    std::string_view l = lines[k];
    if (strip_comments) l = l.substr(0, l.find('#'));
    io::split_whitespace(l, parts);
    for (auto p : parts) out.push_back({std::string(p), k + 1});
  }
  return out;
}

/// A number as strtod reads it in these files ("0.", "-.57", "1.5E-02", an optional '+').
inline std::optional<double> to_real(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  return io::parse_real(s);
}

inline double real_at(const Word& w, const std::string& file, std::string_view what) {
  const auto v = to_real(w.text);
  if (!v || !std::isfinite(*v))
    throw ParseError(file, w.line, "expected " + std::string(what) + ", got " + io::quote_for_message(w.text));
  return *v;
}

inline long integer_at(const Word& w, const std::string& file, std::string_view what) {
  const auto v = io::parse_int(w.text);
  if (!v) throw ParseError(file, w.line, "expected " + std::string(what) + ", got " + io::quote_for_message(w.text));
  return static_cast<long>(*v);
}

inline int element_at(const Word& w, const std::string& file) {
  const int z = find_atomic_number(w.text);
  if (z == 0) throw ParseError(file, w.line, io::quote_for_message(w.text) + " is not an element symbol");
  return z;
}

/// Sequential access to the words of a file, with end-of-file errors that say what was expected.
class WordStream {
 public:
  WordStream(std::vector<Word> words, std::string file, std::size_t last_line)
      : words_(std::move(words)), file_(std::move(file)), last_line_(last_line) {}

  bool done() const noexcept { return pos_ >= words_.size(); }
  std::size_t remaining() const noexcept { return words_.size() - pos_; }
  const Word& next(std::string_view what) {
    if (done()) throw ParseError(file_, last_line_, "file ends where " + std::string(what) + " was expected");
    return words_[pos_++];
  }
  double real(std::string_view what) { return real_at(next(what), file_, what); }
  /// All words of the line the next word is on (a header line); at least `min_words` of them.
  std::vector<Word> line(std::size_t min_words, std::string_view what) {
    const std::size_t l = next(what).line;
    --pos_;
    std::vector<Word> out;
    while (!done() && words_[pos_].line == l) out.push_back(words_[pos_++]);
    if (out.size() < min_words)
      throw ParseError(file_, l, std::string(what) + " needs at least " + std::to_string(min_words) + " values");
    return out;
  }
  long integer(std::string_view what) { return integer_at(next(what), file_, what); }
  /// n reals (a tabulated function).
  std::vector<double> reals(std::size_t n, std::string_view what) {
    std::vector<double> v(n);
    for (auto& x : v) x = real(what);
    return v;
  }
  const std::string& file() const noexcept { return file_; }

 private:
  std::vector<Word> words_;
  std::string file_;
  std::size_t last_line_;
  std::size_t pos_ = 0;
};

/// One entry of a three-body parameter file (sw, tersoff): three element symbols and the
/// numbers that follow, gathered over as many lines as it takes (as LAMMPS reads them).
struct TripletEntry {
  int z[3];
  std::vector<double> values;
  std::size_t line;
};

/// Element labels of a parameter file that are not chemical symbols, and the atomic number each
/// stands for: SiCGe.tersoff names three silicon parameter sets Si(B), Si(C) and Si(D), and
/// `pair_coeff * * SiCGe.tersoff Si(D) C Ge` picks one of them.
using ElementLabels = std::vector<std::pair<std::string, int>>;

/// The atomic number of an entry's element label, or 0 when the entry is to be skipped. Without
/// labels every word must be a chemical symbol. With labels, a listed label gives its number; a
/// plain symbol is used unless a label already stands for that element (then Si(D) replaces Si);
/// anything else (another variant such as Si(B)) is skipped, as LAMMPS reads only the entries it needs.
inline int label_at(const Word& w, const std::string& file, const ElementLabels& labels) {
  if (labels.empty()) return element_at(w, file);
  for (const auto& [label, z] : labels)
    if (label == w.text) return z;
  const int z = find_atomic_number(w.text);
  for (const auto& [label, mapped] : labels)
    if (mapped == z) return 0;
  return z;
}

/// All entries of a file whose entries have `words_per_entry` words each ('#' starts a comment);
/// element labels resolved by `labels` (label_at), entries with a skipped label left out.
inline std::vector<TripletEntry> read_triplet_entries(const std::string& path, std::size_t words_per_entry,
                                                      std::string_view what, const ElementLabels& labels = {}) {
  const auto lines = read_lines(path, what);
  std::vector<TripletEntry> out;
  std::vector<std::string_view> parts;
  std::vector<Word> entry;
  std::size_t first_line = 0;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    std::string_view l = lines[k];
    io::split_whitespace(l.substr(0, l.find('#')), parts);
    if (parts.empty()) continue;
    if (entry.empty()) first_line = k + 1;
    for (auto p : parts) entry.push_back({std::string(p), k + 1});
    if (entry.size() < words_per_entry) continue;
    if (entry.size() > words_per_entry)
      throw ParseError(path, k + 1, "entry starting on line " + std::to_string(first_line) + " has " +
                                        std::to_string(entry.size()) + " words, expected " +
                                        std::to_string(words_per_entry) + " (3 elements and " +
                                        std::to_string(words_per_entry - 3) + " parameters)");
    TripletEntry e{{label_at(entry[0], path, labels), label_at(entry[1], path, labels), label_at(entry[2], path, labels)},
                   {},
                   first_line};
    for (std::size_t w = 3; w < entry.size(); ++w) e.values.push_back(real_at(entry[w], path, "a parameter"));
    if (e.z[0] != 0 && e.z[1] != 0 && e.z[2] != 0) out.push_back(std::move(e));
    entry.clear();
  }
  if (!entry.empty())
    throw ParseError(path, lines.size(), "file ends inside the entry starting on line " + std::to_string(first_line));
  if (out.empty()) throw ParseError(path, lines.size(), "no parameter entries in the file");
  return out;
}

/// Parameters of every ordered element triplet (i, j, k), indexed by species indices.
template <class P>
class TripletTable {
 public:
  /// Builds the table from file entries restricted to `elements` (all elements of the file
  /// when empty). Every triplet must be present exactly once.
  template <class Convert>
  TripletTable(const std::vector<TripletEntry>& entries, std::vector<int> elements, const std::string& file,
               Convert&& convert) {
    if (elements.empty())
      for (const auto& e : entries)
        for (int z : e.z) species_.add(z);
    else
      for (int z : elements) species_.add(z);
    const std::size_t n = species_.size();
    params_.resize(n * n * n);
    std::vector<bool> seen(n * n * n, false);
    for (const auto& e : entries) {
      const int a = species_.find(e.z[0]), b = species_.find(e.z[1]), c = species_.find(e.z[2]);
      if (a < 0 || b < 0 || c < 0) continue;  // an element not asked for
      const std::size_t k = slot(std::size_t(a), std::size_t(b), std::size_t(c));
      if (seen[k]) throw ParseError(file, e.line, "duplicate entry for " + name(k));
      seen[k] = true;
      params_[k] = convert(e);
    }
    for (std::size_t k = 0; k < seen.size(); ++k)
      if (!seen[k]) throw InputError(file + ": no entry for the element triplet " + name(k));
  }

  const SpeciesMap& species() const noexcept { return species_; }
  const P& operator()(std::size_t i, std::size_t j, std::size_t k) const { return params_[slot(i, j, k)]; }
  const std::vector<P>& all() const noexcept { return params_; }

 private:
  std::size_t slot(std::size_t i, std::size_t j, std::size_t k) const {
    const std::size_t n = species_.size();
    return (i * n + j) * n + k;
  }
  std::string name(std::size_t k) const {
    const std::size_t n = species_.size();
    return std::string(element_symbol(species_.number(k / (n * n)))) + "-" +
           std::string(element_symbol(species_.number(k / n % n))) + "-" +
           std::string(element_symbol(species_.number(k % n)));
  }

  SpeciesMap species_;
  std::vector<P> params_;
};

}  // namespace pestle::detail::reference
