#pragma once
// Search spaces for the Bayesian optimiser: named dimensions (real, log-real, integer,
// categorical), fixed values and simple "a < b" constraints. The optimiser works in the
// unit cube [0,1]^d; a Space maps unit-cube points to values and back.
//
//   real       u -> low + u (high - low)
//   log-real   u -> exp(log low + u (log high - log low))        (low > 0)
//   integer    u -> low + floor(u (high - low + 1)), clamped      (each integer owns an equal bin)
//   categorical u -> choices[floor(u n)], clamped                 (ordinal encoding, equal bins)
// to_unit() returns the centre of the bin for integer and categorical values, so every
// discrete value has exactly one unit-cube representative (snap()).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstddef>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "pestle/core/error.hpp"

namespace pestle::optimise {

/// A value of one dimension: a number (real, integer) or a category label.
using Value = std::variant<double, long long, std::string>;

inline std::string to_string(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", *d);
    return buf;
  }
  if (const auto* i = std::get_if<long long>(&v)) return std::to_string(*i);
  return std::get<std::string>(v);
}

/// Numeric value of a real or integer Value (categories: InputError).
inline double as_number(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<long long>(&v)) return static_cast<double>(*i);
  throw InputError("category '" + std::get<std::string>(v) + "' is not a number");
}

enum class DimensionKind { real, log_real, integer, categorical };

struct Dimension {
  std::string name;
  DimensionKind kind = DimensionKind::real;
  double low = 0.0, high = 1.0;         ///< real, log_real, integer (inclusive)
  std::vector<std::string> choices;     ///< categorical

  static Dimension real(std::string name, double low, double high) {
    return {std::move(name), DimensionKind::real, low, high, {}};
  }
  static Dimension log_real(std::string name, double low, double high) {
    return {std::move(name), DimensionKind::log_real, low, high, {}};
  }
  static Dimension integer(std::string name, long long low, long long high) {
    return {std::move(name), DimensionKind::integer, static_cast<double>(low), static_cast<double>(high), {}};
  }
  static Dimension categorical(std::string name, std::vector<std::string> choices) {
    return {std::move(name), DimensionKind::categorical, 0.0, 0.0, std::move(choices)};
  }

  bool discrete() const { return kind == DimensionKind::integer || kind == DimensionKind::categorical; }
  /// Number of distinct values of a discrete dimension.
  std::size_t levels() const {
    return kind == DimensionKind::categorical ? choices.size() : static_cast<std::size_t>(high - low) + 1;
  }

  void validate() const {
    const std::string where = "search dimension '" + name + "'";
    if (name.empty()) throw InputError("a search dimension needs a name");
    switch (kind) {
      case DimensionKind::real:
        if (!(std::isfinite(low) && std::isfinite(high) && low < high)) throw InputError(where + ": needs finite low < high");
        break;
      case DimensionKind::log_real:
        if (!(std::isfinite(low) && std::isfinite(high) && low > 0.0 && low < high))
          throw InputError(where + ": a log-uniform range needs 0 < low < high");
        break;
      case DimensionKind::integer:
        if (!(low <= high) || low != std::floor(low) || high != std::floor(high))
          throw InputError(where + ": needs integer low <= high");
        break;
      case DimensionKind::categorical:
        if (choices.empty()) throw InputError(where + ": needs at least one choice");
        break;
    }
  }

  Value from_unit(double u) const {
    u = std::clamp(u, 0.0, 1.0);
    switch (kind) {
      case DimensionKind::real: return low + u * (high - low);
      case DimensionKind::log_real: return std::exp(std::log(low) + u * (std::log(high) - std::log(low)));
      case DimensionKind::integer: return static_cast<long long>(low) + static_cast<long long>(bin(u));
      case DimensionKind::categorical: return choices[bin(u)];
    }
    return 0.0;
  }

  double to_unit(const Value& v) const {
    switch (kind) {
      case DimensionKind::real: return std::clamp((as_number(v) - low) / (high - low), 0.0, 1.0);
      case DimensionKind::log_real:
        return std::clamp((std::log(as_number(v)) - std::log(low)) / (std::log(high) - std::log(low)), 0.0, 1.0);
      case DimensionKind::integer: {
        const double x = as_number(v);
        if (x != std::round(x) || x < low || x > high)
          throw InputError("value " + to_string(v) + " of '" + name + "' is not an integer in its range");
        return (x - low + 0.5) / static_cast<double>(levels());
      }
      case DimensionKind::categorical: {
        const std::string label = std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : to_string(v);
        const auto it = std::find(choices.begin(), choices.end(), label);
        if (it == choices.end()) throw InputError("'" + label + "' is not a choice of '" + name + "'");
        return (static_cast<double>(it - choices.begin()) + 0.5) / static_cast<double>(levels());
      }
    }
    return 0.0;
  }

  /// The unit-cube representative of the value u stands for (bin centre if discrete).
  double snap(double u) const {
    u = std::clamp(u, 0.0, 1.0);
    if (!discrete()) return u;
    return (static_cast<double>(bin(u)) + 0.5) / static_cast<double>(levels());
  }

 private:
  std::size_t bin(double u) const {
    const std::size_t n = levels();
    return std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)));
  }
};

/// A point of the search space: one value per dimension, in the order of the space.
using Point = std::vector<Value>;

/// "lhs < rhs" between two numeric dimensions or fixed values, by name.
struct LessThan {
  std::string lhs, rhs;
};

class Space {
 public:
  Space() = default;
  explicit Space(std::vector<Dimension> dims) : dims_(std::move(dims)) { validate(); }

  Space& add(Dimension d) {
    dims_.push_back(std::move(d));
    validate();
    return *this;
  }
  /// A named value that is not searched (visible to constraints and to the objective).
  Space& fix(std::string name, Value v) {
    fixed_names_.push_back(std::move(name));
    fixed_values_.push_back(std::move(v));
    return *this;
  }
  Space& constrain(LessThan c) {
    if (!has(c.lhs) || !has(c.rhs))
      throw InputError("constraint '" + c.lhs + " < " + c.rhs + "' names an unknown dimension");
    less_.push_back(std::move(c));
    return *this;
  }
  /// Any other feasibility rule on a point.
  Space& constrain(std::function<bool(const Point&)> rule) {
    rules_.push_back(std::move(rule));
    return *this;
  }

  std::size_t size() const { return dims_.size(); }
  const Dimension& operator[](std::size_t k) const { return dims_[k]; }
  const std::vector<Dimension>& dimensions() const { return dims_; }
  const std::vector<std::string>& fixed_names() const { return fixed_names_; }
  const std::vector<Value>& fixed_values() const { return fixed_values_; }

  bool has(const std::string& name) const { return index_of(name) >= 0 || fixed_index(name) >= 0; }

  Point from_unit(const std::vector<double>& u) const {
    check_size(u.size());
    Point p(dims_.size());
    for (std::size_t k = 0; k < dims_.size(); ++k) p[k] = dims_[k].from_unit(u[k]);
    return p;
  }
  std::vector<double> to_unit(const Point& p) const {
    check_size(p.size());
    std::vector<double> u(dims_.size());
    for (std::size_t k = 0; k < dims_.size(); ++k) u[k] = dims_[k].to_unit(p[k]);
    return u;
  }
  std::vector<double> snap(std::vector<double> u) const {
    check_size(u.size());
    for (std::size_t k = 0; k < dims_.size(); ++k) u[k] = dims_[k].snap(u[k]);
    return u;
  }

  /// Value of a dimension or fixed value by name, at point p.
  Value value(const Point& p, const std::string& name) const {
    if (const int k = index_of(name); k >= 0) return p.at(static_cast<std::size_t>(k));
    if (const int f = fixed_index(name); f >= 0) return fixed_values_[static_cast<std::size_t>(f)];
    throw InputError("no search dimension or fixed value named '" + name + "'");
  }

  bool feasible(const Point& p) const {
    for (const auto& c : less_)
      if (!(as_number(value(p, c.lhs)) < as_number(value(p, c.rhs)))) return false;
    for (const auto& r : rules_)
      if (!r(p)) return false;
    return true;
  }
  bool feasible_unit(const std::vector<double>& u) const { return feasible(from_unit(u)); }

  int index_of(const std::string& name) const {
    for (std::size_t k = 0; k < dims_.size(); ++k)
      if (dims_[k].name == name) return static_cast<int>(k);
    return -1;
  }

 private:
  int fixed_index(const std::string& name) const {
    for (std::size_t k = 0; k < fixed_names_.size(); ++k)
      if (fixed_names_[k] == name) return static_cast<int>(k);
    return -1;
  }
  void check_size(std::size_t n) const {
    if (n != dims_.size())
      throw InputError("point has " + std::to_string(n) + " coordinates, the space " + std::to_string(dims_.size()));
  }
  void validate() const {
    for (std::size_t k = 0; k < dims_.size(); ++k) {
      dims_[k].validate();
      for (std::size_t j = 0; j < k; ++j)
        if (dims_[j].name == dims_[k].name) throw InputError("search dimension '" + dims_[k].name + "' appears twice");
    }
  }

  std::vector<Dimension> dims_;
  std::vector<std::string> fixed_names_;
  std::vector<Value> fixed_values_;
  std::vector<LessThan> less_;
  std::vector<std::function<bool(const Point&)>> rules_;
};

}  // namespace pestle::optimise
