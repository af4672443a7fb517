// pestle generate --datum FILE.xyz [options] [-o OUT.xyz]: datum-derived structures
// (include/pestle/explore/datum_structures.hpp). Each structure is a random cell of the composition
// at the datum's density, minimised on the environment cost against the datum (default SOAP
// fingerprint, positions and cell), and, with --relax MODEL, relaxed with that model afterwards
// (FIRE, positions and cell, at --pressure). Structure k depends only on (seed, k). Progress on stderr.
#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/dynamics/relax.hpp"
#include "pestle/explore/datum_structures.hpp"
#include "pestle/runtime/load.hpp"

namespace pestle::cli {

namespace {

/// One generated structure, and what became of it.
struct Generated {
  std::optional<Frame> frame;
  std::string failure;
  double cost = 0.0;
  double enthalpy_per_atom = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace

int run_generate(const Args& args) {
  std::string datum_file, output = "generated.xyz", relax_model, composition_text;
  std::size_t count = 10, frame_index = 0;
  std::uint64_t seed = 1;
  double pressure_gpa = 0.0;
  explore::DatumCostParams cost_params;
  explore::DatumGenerateOptions options;
  for (std::size_t k = 0; k < args.size(); ++k) {
    const std::string& a = args[k];
    if (a == "--fixed-cell") {
      options.relax_cell = false;
      continue;
    }
    if (a.empty() || a[0] != '-') throw UsageError("unexpected argument '" + a + "'");
    if (k + 1 >= args.size()) throw UsageError(a + " needs a value");
    const std::string& v = args[++k];
    if (a == "--datum") datum_file = v;
    else if (a == "-o" || a == "--output") output = v;
    else if (a == "--composition") composition_text = v;
    else if (a == "--count") count = count_argument(a, v);
    else if (a == "--seed") seed = static_cast<std::uint64_t>(count_argument(a, v));
    else if (a == "--frame") frame_index = count_argument(a, v);
    else if (a == "--relax") relax_model = v;
    else if (a == "--pressure") pressure_gpa = number_argument(a, v);
    else if (a == "--alpha") cost_params.alpha = number_argument(a, v);
    else if (a == "--beta") cost_params.beta = number_argument(a, v);
    else if (a == "--steps") options.max_steps = count_argument(a, v);
    else throw UsageError("unknown option '" + a + "'");
  }
  if (datum_file.empty()) throw UsageError("--datum FILE.xyz is required");
  if (count == 0) throw UsageError("--count must be at least 1");
  const Frame datum_frame = read_extxyz_frame(datum_file, frame_index);
  const Structure& datum = datum_frame.structure;
  if (datum.empty()) throw InputError(datum_file + ": frame " + std::to_string(frame_index) + " has no atoms");
  if (!composition_text.empty()) options.composition = explore::parse_cell_composition(composition_text);
  cost_params.validate();
  const auto cost = explore::default_datum_cost(datum, cost_params);
  // checks the composition against the datum before any work
  const explore::RandomStructureParams start = explore::datum_random_params(datum, options);
  runtime::CalculatorPtr model;
  if (!relax_model.empty()) {
    model = runtime::load_calculator(relax_model);
    const std::vector<int> covered = model->species();
    for (const auto& [z, n] : start.composition)
      if (!covered.empty() && std::find(covered.begin(), covered.end(), z) == covered.end())
        throw InputError(std::string(element_symbol(z)) + " is not an element of '" + relax_model + "'");
  }
  std::cerr << "pestle generate: " << count << " x " << explore::formula(start.composition) << " from datum '" << datum_file
            << "' (" << datum.size() << " atoms, " << std::setprecision(4) << datum.volume() / double(datum.size())
            << " Å^3/atom), SOAP fingerprint of " << cost.descriptor().size() << " features, cutoff " << cost.cutoff()
            << " Å, alpha " << cost_params.alpha << ", beta " << cost_params.beta
            << (options.relax_cell ? "" : ", fixed cell") << (model ? ", then relaxed with '" + relax_model + "'" : "")
            << "\n";

  RelaxOptions relax;
  relax.relax_cell = true;
  relax.fmax = 1e-3;
  relax.stress_tolerance = 1e-5;
  relax.max_steps = 5000;
  relax.pressure = pressure_gpa / units::gpa_per_ev_a3;
  std::vector<Generated> out(count);
  std::mutex say;
  std::size_t finished = 0;
  tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
    Generated& g = out[k];
    try {
      const explore::DatumStructure d = explore::generate_datum_structure(cost, datum, options, seed, k);
      Frame f;
      f.structure = d.structure;
      f.labels.config_type = "datum_derived";
      Info& info = f.labels.info;
      info.set("datum_cost", d.cost);
      info.set("datum_cost_start", d.initial_cost);
      info.set("datum_steps", static_cast<std::int64_t>(d.steps));
      info.set("datum_converged", d.converged ? "T" : "F");
      info.set("seed", static_cast<std::int64_t>(seed));
      info.set("index", static_cast<std::int64_t>(k));
      g.cost = d.cost;
      std::ostringstream msg;
      msg << std::setprecision(4) << "structure " << k << ": cost " << d.initial_cost << " -> " << d.cost << " in "
          << d.steps << " steps" << (d.converged ? "" : " (not converged)");
      if (model) {
        const RelaxResult r = relax_fire(*model, d.structure, relax);
        f.structure = r.structure;
        f.labels.energy = r.result.energy;
        f.labels.forces = r.result.forces;
        if (r.result.stress) f.labels.stress = *r.result.stress;
        g.enthalpy_per_atom = r.enthalpy / static_cast<double>(r.structure.size());
        info.set("enthalpy_per_atom", g.enthalpy_per_atom);
        info.set("relaxed_converged", r.converged ? "T" : "F");
        info.set("datum_cost_relaxed", cost.cost(r.structure));
        msg << "; relaxed: " << g.enthalpy_per_atom << " eV/atom, " << r.structure.volume() / double(r.structure.size())
            << " Å^3/atom" << (r.converged ? "" : " (not converged)");
      }
      g.frame = std::move(f);
      const std::lock_guard<std::mutex> lock(say);
      std::cerr << "pestle generate: [" << ++finished << "/" << count << "] " << msg.str() << "\n";
    } catch (const std::exception& e) {
      g.failure = e.what();
      const std::lock_guard<std::mutex> lock(say);
      std::cerr << "pestle generate: [" << ++finished << "/" << count << "] structure " << k << " failed: " << e.what() << "\n";
    }
  });
  Dataset frames;
  std::size_t failed = 0;
  double lowest_cost = std::numeric_limits<double>::infinity(), lowest_h = std::numeric_limits<double>::infinity();
  for (Generated& g : out) {
    if (!g.frame) {
      ++failed;
      continue;
    }
    lowest_cost = std::min(lowest_cost, g.cost);
    if (std::isfinite(g.enthalpy_per_atom)) lowest_h = std::min(lowest_h, g.enthalpy_per_atom);
    frames.push_back(std::move(*g.frame));
  }
  if (frames.empty()) throw NumericalError("no structure was generated (" + out.front().failure + ")");
  write_extxyz(output, frames);
  std::cout << "wrote " << frames.size() << " structures to " << output << (failed ? " (" + std::to_string(failed) + " failed)" : "")
            << "; lowest datum cost " << lowest_cost;
  if (model) std::cout << ", lowest enthalpy " << lowest_h << " eV/atom (" << relax_model << ")";
  std::cout << "\n";
  return 0;
}

}  // namespace pestle::cli
