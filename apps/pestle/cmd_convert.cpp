// pestle convert IN OUT: reads any model file pestle understands (runtime/load.hpp) and writes
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
#include "commands.hpp"
#include "pestle/formats/gap_xml.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/formats/ace_file.hpp"
#include "pestle/formats/ace_model_json.hpp"
#include "pestle/runtime/impl/common.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/runtime/model.hpp"
#include "pestle/runtime/overlay.hpp"
#include "pestle/formats/snap_files.hpp"
#include "pestle/formats/yace_file.hpp"

namespace pestle::cli {

int run_convert(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  std::vector<std::string> files = parsed.positional;
  if (!parsed.output.empty()) files.push_back(parsed.output);
  if (files.size() != 2) throw UsageError("expected IN and OUT");
  const std::string& in = files[0];
  const std::string& out = files[1];
  auto ends = [&](const char* tail) { return runtime::detail::ends_with(out, tail); };
  // ACE → .yace goes through the file's AceFile (the evaluator keeps no copy of it)
  if (ends(".yace")) {
    const bool linear_ace = runtime::detail::ends_with(in, ".json") && is_ace_model_json(read_model_json_document(in));
    if (linear_ace || runtime::detail::ends_with(in, ".ace") || runtime::detail::ends_with(in, ".yace")) {
      write_yace_file(linear_ace                        ? ace_file_from_linear_model(load_ace_linear_model(in))
                      : runtime::detail::ends_with(in, ".ace") ? read_ace_file(in)
                                                        : read_yace_file(in),
                      out);
      std::cout << "wrote " << out << "\n";
      return 0;
    }
  }
  const runtime::CalculatorPtr model = runtime::load_calculator(in);
  if (dynamic_cast<const runtime::OverlayCalculator*>(model.get()))
    throw UsageError("'" + in + "' overlays a reference term (ZBL) on its " + model->name() +
                     " model; pestle cannot yet write that pair to another format, and writing the " + model->name() +
                     " part alone would change the potential");
  bool written = false;
  if (const auto* snap = model->as<AnyPotential>()) {
    if (ends(".json")) {
      save_model(out, *snap, nlohmann::json{{"converted_from", in}});
      written = true;
    } else if (ends(".snapcoeff")) {
      write_snap_files(*snap, out, out.substr(0, out.size() - 10) + ".snapparam");
      written = true;
    }
  } else if (const auto* gap = model->as<GapPotential>()) {
    if (ends(".xml")) {
      io::write_gap_xml(gap->model(), out);
      written = true;
    }
  }
  if (!written) {
    const std::string kind = model->name();
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
