#pragma once
// Free-form per-structure metadata (the key=value pairs of an extended-XYZ comment line
// that pestle does not interpret itself), kept in file order so a round trip is faithful.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pestle {

/// A bare key (no value) is std::monostate.
using InfoValue = std::variant<std::monostate, bool, std::int64_t, double, std::string,
                               std::vector<bool>, std::vector<std::int64_t>, std::vector<double>,
                               std::vector<std::string>>;

class Info {
 public:
  using Entry = std::pair<std::string, InfoValue>;

  bool contains(const std::string& key) const { return find(key) != nullptr; }
  const InfoValue* find(const std::string& key) const {
    for (const auto& e : entries_)
      if (e.first == key) return &e.second;
    return nullptr;
  }
  /// Inserts or replaces, keeping the position of an existing key.
  void set(const std::string& key, InfoValue value) {
    for (auto& e : entries_)
      if (e.first == key) { e.second = std::move(value); return; }
    entries_.emplace_back(key, std::move(value));
  }
  bool erase(const std::string& key) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->first == key) { entries_.erase(it); return true; }
    return false;
  }
  /// The value as T if the key exists and holds a T.
  template <class T>
  std::optional<T> get(const std::string& key) const {
    const InfoValue* v = find(key);
    if (v == nullptr || !std::holds_alternative<T>(*v)) return std::nullopt;
    return std::get<T>(*v);
  }
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  bool operator==(const Info&) const = default;

 private:
  std::vector<Entry> entries_;
};

/// One per-atom column set of an extended-XYZ Properties= entry that pestle does not
/// interpret (e.g. momenta, masses, tags). Values are row-major (atoms × columns) in the
/// vector matching the type; L (logical) columns are stored as 0/1 integers.
struct AtomProperty {
  enum class Type : char { real = 'R', integer = 'I', string = 'S', logical = 'L' };
  std::string name;
  Type type = Type::real;
  int columns = 1;
  std::vector<double> reals;
  std::vector<std::int64_t> integers;
  std::vector<std::string> strings;
  bool operator==(const AtomProperty&) const = default;
};

}  // namespace pestle
