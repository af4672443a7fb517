#pragma once
// pestle convert IN OUT: reads any model file pestle understands (io/potential_file.hpp) and writes
// it in the format OUT's name asks for, where that format can hold the model:
//   OUT.json       pestle model file        (SNAP / qSNAP)
//   OUT.xml        QUIP GAP XML + sparseX   (GAP)
//   OUT.snapcoeff  LAMMPS SNAP files        (SNAP / qSNAP; OUT.snapparam is written beside it)
//   OUT.yace       pacemaker/ML-PACE YAML   (ACE from .ace or .yace; pestle's fitted linear ACE)
// Anything else is refused with a message saying which formats the model can be written to.
#include <iostream>
#include <string>
#include <type_traits>

#include "cli.hpp"
#include "pestle/io/gap_xml.hpp"
#include "pestle/io/model_json.hpp"
#include "pestle/io/potential_file.hpp"
#include "pestle/io/snap_files.hpp"
#include "pestle/io/yace_file.hpp"

namespace pestle::cli {

inline int run_convert(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  std::vector<std::string> files = parsed.positional;
  if (!parsed.output.empty()) files.push_back(parsed.output);
  if (files.size() != 2) throw UsageError("expected IN and OUT");
  const std::string& in = files[0];
  const std::string& out = files[1];
  auto ends = [&](const char* tail) { return detail::ends_with(out, tail); };
  // ACE → .yace goes through the file's AceFile (the evaluator keeps no copy of it)
  if (ends(".yace")) {
    const bool linear_ace = detail::ends_with(in, ".json") && is_ace_model_json(read_model_json_document(in));
    if (linear_ace || detail::ends_with(in, ".ace") || detail::ends_with(in, ".yace")) {
      write_yace_file(linear_ace                        ? ace_file_from_linear_model(load_ace_linear_model(in))
                      : detail::ends_with(in, ".ace") ? read_ace_file(in)
                                                        : read_yace_file(in),
                      out);
      std::cout << "wrote " << out << "\n";
      return 0;
    }
  }
  const AnyCalculator model = load_potential(in);
  const bool written = model.visit([&](const auto& p) -> bool {
    using T = std::remove_cvref_t<decltype(p)>;
    if constexpr (std::is_same_v<T, AnyPotential>) {
      if (ends(".json")) {
        save_model(out, p, nlohmann::json{{"converted_from", in}});
        return true;
      }
      if (ends(".snapcoeff")) {
        write_snap_files(p, out, out.substr(0, out.size() - 10) + ".snapparam");
        return true;
      }
    } else if constexpr (std::is_same_v<T, GapPotential>) {
      if (ends(".xml")) {
        io::write_gap_xml(p.model(), out);
        return true;
      }
    }
    return false;
  });
  if (!written) {
    const std::string kind = model.type_name();
    const std::string formats = (kind == "snap" || kind == "qsnap") ? ".json or .snapcoeff"
                                : kind == "gap"                      ? ".xml"
                                : kind == "ace"                      ? ".yace (from .ace, .yace or a linear ACE .json)"
                                                                     : "no other format yet";
    throw UsageError("cannot write a " + kind + " model to '" + out + "' (a " + kind + " model can be written as " +
                     formats + ")");
  }
  std::cout << "wrote " << out << "\n";
  return 0;
}

}  // namespace pestle::cli
