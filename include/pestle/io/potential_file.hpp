#pragma once
// load_potential(path): one way to name a model. The file's kind follows from its name:
//   *.json                   pestle model file (SNAP / qSNAP: io/model_json.hpp; ace_linear: io/ace_model_json.hpp)
//   *.xml                    QUIP GAP potential (+ its sparseX files beside it) io/gap_xml.hpp
//   *.snapcoeff              LAMMPS SNAP/qSNAP; the .snapparam with the same stem beside it
//   *.ace                    pacemaker ACE (ML-PACE's format)                  io/ace_file.hpp
//   *.yace                   pacemaker ACE, YAML form (what pace_yaml2yace writes) io/yace_file.hpp
//   *.sw, *.tersoff          LAMMPS Stillinger-Weber / Tersoff parameter files (all their elements)
//   *.eam.alloy, *.eam.fs?   LAMMPS setfl EAM (eam/alloy);  *.eam  LAMMPS funcfl EAM (eam)
// Anything else is refused with a message that lists these.
#include <filesystem>
#include <string>

#include "pestle/core/error.hpp"
#include "pestle/io/ace_file.hpp"
#include "pestle/io/ace_model_json.hpp"
#include "pestle/io/gap_xml.hpp"
#include "pestle/io/model_json.hpp"
#include "pestle/io/snap_files.hpp"
#include "pestle/io/yace_file.hpp"
#include "pestle/models/any_calculator.hpp"

namespace pestle {

namespace detail {
inline bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace detail

/// Reads any potential file pestle understands (see the table above).
inline AnyCalculator load_potential(const std::string& path) {
  using detail::ends_with;
  if (!std::filesystem::exists(path)) throw InputError("cannot open model file '" + path + "': it does not exist");
  if (ends_with(path, ".json")) {
    const nlohmann::json document = read_model_json_document(path);
    if (is_ace_model_json(document)) return load_ace_linear_model(path).potential();
    if (is_ace_nonlinear_model_json(document)) return load_ace_nonlinear_model(path).potential();
    return load_model(path);
  }
  if (ends_with(path, ".xml")) return io::read_gap_potential(path);
  if (ends_with(path, ".snapcoeff")) {
    const std::string param = path.substr(0, path.size() - std::string(".snapcoeff").size()) + ".snapparam";
    if (!std::filesystem::exists(param))
      throw InputError("'" + path + "' needs its parameter file '" + param + "' beside it");
    return load_snap(path, param);
  }
  if (ends_with(path, ".ace")) return read_ace_potential(path);
  if (ends_with(path, ".yace")) return read_yace_potential(path);
  if (ends_with(path, ".sw")) return StillingerWeber::from_file(path);
  if (ends_with(path, ".tersoff")) return Tersoff::from_file(path);
  if (ends_with(path, ".eam.alloy")) return Eam::from_setfl(path);
  if (ends_with(path, ".eam")) return Eam::from_funcfl(path);
  throw InputError("'" + path + "': unknown model file type (expected .json, .xml (GAP), .snapcoeff, .ace, .yace, .sw, "
                   ".tersoff, .eam or .eam.alloy)");
}

}  // namespace pestle
