#pragma once
// pestle's active-set file (`pestle activeset MODEL TRAIN.xyz -o MODEL.asi`; pacemaker's file name,
// pestle's own format, docs/validation.md "Active-set files"): JSON,
//   {"format": "pestle-active-set", "version": 1,
//    "model": "<the model file it was built for>", "training": "<the training file>",
//    "sets": [{"element": "Mo", "width": m, "rank": r,
//              "projection": [[…r numbers…], …m rows…],   // only when r < m: P, m × r
//              "atoms": [[frame, atom], …],       // r training atoms (0-based)
//              "rows":  [[c_1 … c_r], …]}, …]}     // their (projected) feature rows: the r × r matrix A
// one set per species of the model, in the model's order; r = m unless the training atoms span fewer
// directions (models/extrapolation_grade.hpp). A⁻¹ is recomputed on reading (so a file whose rows
// were edited into a singular matrix is refused, never silently used).
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/core/error.hpp"
#include "pestle/core/json.hpp"
#include "pestle/models/extrapolation_grade.hpp"

namespace pestle {

inline constexpr const char* kActiveSetFormat = "pestle-active-set";

inline nlohmann::json active_set_to_json(const ExtrapolationGrade& grade, const std::string& model,
                                         const std::string& training) {
  nlohmann::json sets = nlohmann::json::array();
  for (const ActiveSet& set : grade.active_sets()) {
    nlohmann::json atoms = nlohmann::json::array(), rows = nlohmann::json::array();
    for (const AtomRef& a : set.atoms) atoms.push_back({a.frame, a.atom});
    for (Eigen::Index r = 0; r < set.rows.rows(); ++r) {
      std::vector<double> row(set.rows.row(r).begin(), set.rows.row(r).end());
      rows.push_back(row);
    }
    nlohmann::json entry = {{"element", std::string(element_symbol(set.element))}, {"width", set.width},
                            {"rank", set.rows.cols()}, {"atoms", atoms}, {"rows", rows}};
    if (set.projection.size() != 0) {
      nlohmann::json projection = nlohmann::json::array();
      for (Eigen::Index r = 0; r < set.projection.rows(); ++r)
        projection.push_back(std::vector<double>(set.projection.row(r).begin(), set.projection.row(r).end()));
      entry["projection"] = projection;
    }
    sets.push_back(entry);
  }
  return {{"format", kActiveSetFormat}, {"version", 1}, {"model", model}, {"training", training}, {"sets", sets}};
}

namespace detail {
/// A rows × cols matrix from a JSON array of arrays of numbers; InputError naming `what` otherwise.
inline Eigen::MatrixXd active_set_matrix(const nlohmann::json& j, Eigen::Index rows, Eigen::Index cols, const std::string& what) {
  if (!j.is_array() || j.size() != std::size_t(rows)) throw InputError(what + " needs " + std::to_string(rows) + " rows");
  Eigen::MatrixXd M(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r) {
    const std::vector<double> row = j[std::size_t(r)].get<std::vector<double>>();
    if (row.size() != std::size_t(cols)) throw InputError(what + ": row " + std::to_string(r) + " has the wrong length");
    for (Eigen::Index c = 0; c < cols; ++c) M(r, c) = row[std::size_t(c)];
  }
  return M;
}
}  // namespace detail

inline ExtrapolationGrade active_set_from_json(const nlohmann::json& j, const std::string& path) {
  const std::string where = "active-set file '" + path + "'";
  json_read::check_keys(j, where, {"format", "version", "model", "training", "sets"});
  if (json_read::require<std::string>(j, "format", "", where + ": ") != kActiveSetFormat)
    throw InputError(where + " is not a pestle active-set file (format must be \"" + kActiveSetFormat + "\")");
  if (json_read::require<int>(j, "version", "", where + ": ") != 1)
    throw InputError(where + ": unknown version (this pestle reads version 1)");
  const nlohmann::json& sets = json_read::at(j, "sets", "", where + ": ");
  if (!sets.is_array() || sets.empty()) throw InputError(where + ": \"sets\" must be a non-empty array");
  std::vector<ActiveSet> out;
  for (const nlohmann::json& s : sets) {
    json_read::check_keys(s, where + " sets[]", {"element", "width", "rank", "projection", "atoms", "rows"});
    ActiveSet set;
    set.element = atomic_number(json_read::require<std::string>(s, "element", "sets[]", where + ": "));
    const int m = json_read::require<int>(s, "width", "sets[]", where + ": ");
    const int rank = json_read::require<int>(s, "rank", "sets[]", where + ": ");
    const nlohmann::json& rows = json_read::at(s, "rows", "sets[]", where + ": ");
    const nlohmann::json& atoms = json_read::at(s, "atoms", "sets[]", where + ": ");
    const std::string what = where + ", " + std::string(element_symbol(set.element)) + ": ";
    if (m < 1 || rank < 1 || rank > m || (rank < m) != s.contains("projection"))
      throw InputError(what + "needs 1 <= \"rank\" <= \"width\", and a \"projection\" exactly when rank < width");
    if (!rows.is_array() || rows.size() != std::size_t(rank) || !atoms.is_array() || atoms.size() != std::size_t(rank))
      throw InputError(what + "\"rows\" and \"atoms\" need \"rank\" = " + std::to_string(rank) + " entries each");
    set.width = m;
    try {
      set.rows = detail::active_set_matrix(rows, rank, rank, what + "rows");
      if (rank < m) set.projection = detail::active_set_matrix(s.at("projection"), m, rank, what + "projection");
      for (int r = 0; r < rank; ++r) {
        const auto ref = atoms[std::size_t(r)].get<std::vector<std::size_t>>();
        if (ref.size() != 2) throw InputError(what + "every atom is [frame, atom]");
        set.atoms.push_back({ref[0], ref[1]});
      }
    } catch (const nlohmann::json::exception&) {
      throw InputError(what + "\"rows\" and \"projection\" must hold numbers and \"atoms\" pairs of indices");
    }
    out.push_back(std::move(set));
  }
  return ExtrapolationGrade::from_active_sets(std::move(out));
}

inline void save_active_set(const std::string& path, const ExtrapolationGrade& grade, const std::string& model,
                            const std::string& training) {
  std::ofstream out(path);
  if (!(out << active_set_to_json(grade, model, training).dump() << '\n'))
    throw InputError("cannot write active-set file '" + path + "'");
}

inline ExtrapolationGrade load_active_set(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open active-set file '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError("active-set file '" + path + "' is not valid JSON: " + e.what());
  }
  return active_set_from_json(j, path);
}

}  // namespace pestle
