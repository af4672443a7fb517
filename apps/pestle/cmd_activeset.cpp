// pestle activeset MODEL TRAIN.xyz [-o OUT.asi]: the MaxVol active set of a model's linear view over the
// atoms of its training file (runtime/extrapolation.hpp; docs/validation.md), saved for
// `pestle predict MODEL IN.xyz --active-set OUT.asi`, which then writes the extrapolation grade γ per atom.
// OUT defaults to MODEL with its extension replaced by .asi (pacemaker's name for the file).
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/formats/active_set_json.hpp"
#include "pestle/runtime/extrapolation.hpp"

namespace pestle::cli {

int run_activeset(const Args& args) {
  const ParsedArgs parsed = parse_args(args);
  if (parsed.positional.size() != 2) throw UsageError("expected MODEL and TRAIN.xyz");
  const std::string& model = parsed.positional[0];
  const std::string& training = parsed.positional[1];
  const std::string output =
      parsed.output.empty() ? std::filesystem::path(model).replace_extension(".asi").string() : parsed.output;
  const runtime::GradedModel graded = runtime::GradedModel::load(model);
  const Dataset data = read_extxyz(training);
  if (data.size() == 0) throw InputError("'" + training + "' holds no frames");
  std::cerr << "pestle activeset: MaxVol over the atoms of " << data.size() << " frames\n";
  const ExtrapolationGrade active = graded.active_set(data);
  save_active_set(output, active, model, training);
  double worst = 0.0;
  for (const Frame& f : data.frames)
    for (double g : graded.grades(active, f.structure)) worst = std::max(worst, g);
  for (const ActiveSet& set : active.active_sets())
    std::cout << element_symbol(set.element) << ": " << set.rows.rows() << " active atoms\n";
  std::cout << "largest grade over the training atoms " << worst << " (<= 1 up to MaxVol's tolerance)\n"
            << "wrote " << output << "\n";
  return 0;
}

}  // namespace pestle::cli
