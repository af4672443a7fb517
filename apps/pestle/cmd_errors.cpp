// pestle errors MODEL DATA.xyz [--json]: energy, force and stress errors of a model on
// labelled data, overall and per config_type.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/fit/metrics.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/runtime/load.hpp"

namespace pestle::cli {

inline nlohmann::json metrics_json(const ErrorMetrics& m) {
  nlohmann::json j = {{"structures", m.structures},
                      {"energy_rmse_meV_per_atom", m.energy_rmse_meV_per_atom()},
                      {"energy_mae_meV_per_atom", m.energy_mae_meV_per_atom()},
                      {"force_rmse_eV_per_A", m.force_rmse()},
                      {"force_mae_eV_per_A", m.force_mae()},
                      {"force_vector_rmse_eV_per_A", m.force_vector_rmse()}};
  if (m.stress.count) {
    j["stress_rmse_GPa"] = m.stress_rmse_GPa();
    j["stress_mae_GPa"] = m.stress_mae_GPa();
  }
  return j;
}

inline void print_metrics_row(const std::string& name, const ErrorMetrics& m) {
  std::printf("%-24s %6zu %12.3f %12.3f %12.4f %12.4f %12.4f", name.c_str(), m.structures, m.energy_rmse_meV_per_atom(),
              m.energy_mae_meV_per_atom(), m.force_rmse(), m.force_mae(), m.force_vector_rmse());
  if (m.stress.count) std::printf(" %10.4f", m.stress_rmse_GPa());
  std::printf("\n");
}

int run_errors(const Args& args) {
  const ParsedArgs parsed = parse_args(args, {"--json"});
  const std::vector<std::string>& files = parsed.positional;
  const bool as_json = parsed.has("--json");
  if (!parsed.output.empty()) throw UsageError("errors writes to stdout; -o is not an option here");
  if (files.size() != 2) throw UsageError("expected MODEL and DATA.xyz");
  const runtime::CalculatorPtr potential = runtime::load_calculator(files[0]);
  const Dataset data = read_extxyz(files[1]);
  if (data.empty()) throw InputError(files[1] + " holds no structures");
  const ErrorReport report = error_report(*potential, data);
  if (as_json) {
    nlohmann::json j = metrics_json(report.overall);
    j["model"] = files[0];
    j["data"] = files[1];
    if (report.by_config_type.size() > 1 || !report.by_config_type.begin()->first.empty())
      for (const auto& [name, m] : report.by_config_type) j["by_config_type"][name.empty() ? "(none)" : name] = metrics_json(m);
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("%s on %s\n", files[0].c_str(), files[1].c_str());
  std::printf("%-24s %6s %12s %12s %12s %12s %12s%s\n", "config_type", "frames", "E RMSE", "E MAE", "F RMSE", "F MAE",
              "|F| RMSE", report.overall.stress.count ? "   S RMSE" : "");
  std::printf("%-24s %6s %12s %12s %12s %12s %12s%s\n", "", "", "meV/atom", "meV/atom", "eV/Å comp", "eV/Å comp",
              "eV/Å vector", report.overall.stress.count ? "      GPa" : "");
  print_metrics_row("all", report.overall);
  if (report.by_config_type.size() > 1)
    for (const auto& [name, m] : report.by_config_type) print_metrics_row(name.empty() ? "(none)" : name, m);
  return 0;
}

}  // namespace pestle::cli
