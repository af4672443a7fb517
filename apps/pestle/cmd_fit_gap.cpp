// pestle fit on a GAP config (see cmd_fit.cpp for the command).
#include "fit_shared.hpp"
#include "pestle/fit/gap_config.hpp"
#include "pestle/formats/gap_xml.hpp"

namespace pestle::cli {


/// A GAP fit: gap_fit's settings, written as QUIP XML.
int run_fit_gap(const std::string& config_path, std::string output) {
  GapFitConfig config = load_gap_fit_config(config_path);
  config.settings.communicator = &world();
  if (output.empty()) output = config.output.string();
  if (output.empty()) throw UsageError("no output file: give -o MODEL.xml or \"output\" in the config");
  if (output.size() < 4 || output.substr(output.size() - 4) != ".xml")
    throw UsageError("a GAP model is written as QUIP XML: the output name must end in .xml");
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
  const Dataset data = load_gap_training_data(config);
  std::cerr << "pestle fit: " << data.size() << " structures, " << data.atom_count() << " atoms; fitting gap\n";
  GpFitResult details;
  const GapModel model = fit_gap(
      data, config.settings,
      [&](std::size_t done, std::size_t total) {
        std::cerr << "\rpestle fit: covariance rows " << done << "/" << total << " structures, " << static_cast<int>(seconds())
                  << " s" << std::flush;
      },
      &details);
  std::cerr << "\npestle fit: " << details.columns << " sparse points, " << details.observations
            << " observations" << ranks_note() << " (rank " << details.rank << ") in " << seconds() << " s\n";
  if (!world().is_root()) return 0;  // every rank holds the model; rank 0 writes it
  io::write_gap_xml(model, output);
  std::cout << "wrote " << output << "\n";
  print_training_errors(error_report(GapPotential(model), data));
  return 0;
}

}  // namespace pestle::cli
