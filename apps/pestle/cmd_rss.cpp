// pestle rss CONFIG.json [-o DIR] [--max-iterations N] [--final-search N]: the random-structure-search
// → label → fit loop of include/pestle/explore/rss_loop.hpp. DIR (default "rss") holds iter_XXX/ checkpoints,
// model.xml (GAP) or model.json (linear ACE) of the latest fit and log.csv; rerunning with the same DIR resumes. Progress on stderr.
#include <filesystem>
#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/explore/rss_loop.hpp"

namespace pestle::cli {

int run_rss(const Args& args) {
  Args rest;
  std::size_t max_iterations = 0, final_search = 0;
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (args[k] == "--max-iterations" || args[k] == "--final-search") {
      const std::string flag = args[k];
      if (k + 1 >= args.size()) throw UsageError(flag + " needs a number");
      try {
        const long n = std::stol(args[++k]);
        if (n < 1) throw UsageError(flag + " must be at least 1");
        (flag == "--max-iterations" ? max_iterations : final_search) = static_cast<std::size_t>(n);
      } catch (const std::logic_error&) {
        throw UsageError(flag + " needs a number, got '" + args[k] + "'");
      }
      continue;
    }
    rest.push_back(args[k]);
  }
  const ParsedArgs parsed = parse_args(rest);
  if (parsed.positional.size() != 1) throw UsageError("expected one CONFIG.json");
  const explore::RssConfig config = explore::load_rss_config(parsed.positional[0]);
  const std::filesystem::path dir = parsed.output.empty() ? "rss" : parsed.output;
  explore::RssLoop loop(config, explore::make_labeller(config.labeller), dir,
                        [](const std::string& m) { std::cerr << "pestle rss: " << m << "\n"; });
  const explore::RssReport report = loop.run(max_iterations);
  if (report.iterations.empty()) throw NumericalError("no iteration completed");
  const auto& last = report.iterations.back();
  std::cout << "iterations " << report.iterations.size() << " (resumed after " << report.resumed_after
            << "), labelled structures " << last.labelled_total << ", labels computed " << report.labels.computed
            << ", cached " << report.labels.cached << ", failed " << report.labels.failed
            << "\nvalidation energy RMSE " << last.energy_rmse_meV << " meV/atom, force RMSE " << last.force_rmse
            << " eV/Å" << (report.target_reached ? " (target reached)" : "") << "\nwrote "
            << (dir / explore::rss_model_file(config.model)).string() << " and " << (dir / "log.csv").string() << "\n";
  if (final_search > 0) {
    const explore::RssFinalSearch f = loop.final_search(final_search);
    std::cout << "final search: " << f.relaxed << " minima, lowest " << f.lowest_enthalpy << " eV/atom (model), "
              << f.lowest_reference_energy << " eV/atom (labeller), " << f.lowest_volume << " Å^3/atom, "
              << f.lowest_atoms << " atoms; wrote " << (dir / "final_search").string() << "/{minima.xyz,summary.json}\n";
  }
  return 0;
}

}  // namespace pestle::cli
