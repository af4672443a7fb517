#pragma once
// A data set: an ordered collection of labelled frames with summary queries.
#include <algorithm>
#include <set>
#include <vector>

#include "pestle/core/labels.hpp"

namespace pestle {

struct Dataset {
  std::vector<Frame> frames;

  std::size_t size() const noexcept { return frames.size(); }
  bool empty() const noexcept { return frames.empty(); }
  Frame& operator[](std::size_t i) { return frames[i]; }
  const Frame& operator[](std::size_t i) const { return frames[i]; }
  auto begin() { return frames.begin(); }
  auto end() { return frames.end(); }
  auto begin() const { return frames.begin(); }
  auto end() const { return frames.end(); }
  void push_back(Frame f) { frames.push_back(std::move(f)); }

  std::size_t atom_count() const {
    std::size_t n = 0;
    for (const auto& f : frames) n += f.size();
    return n;
  }
  /// Sorted distinct atomic numbers present.
  std::vector<int> species() const {
    std::set<int> s;
    for (const auto& f : frames) s.insert(f.structure.numbers.begin(), f.structure.numbers.end());
    return {s.begin(), s.end()};
  }
  /// Sorted distinct config_type values.
  std::vector<std::string> config_types() const {
    std::set<std::string> s;
    for (const auto& f : frames) s.insert(f.labels.config_type);
    return {s.begin(), s.end()};
  }
};

}  // namespace pestle
