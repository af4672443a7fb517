// pestle hull FILE.xyz [-o PREFIX] [--relax MODEL] [--pressure GPA]: the convex hull of formation
// energies of labelled structures (include/pestle/explore/convex_hull.hpp). Writes PREFIX.csv (every
// structure: composition, formation energy, energy above the hull) and, for two elements, PREFIX.svg.
// With --relax, each structure is first relaxed (positions and cell, FIRE) with MODEL and its
// enthalpy per atom is used (the relaxed frames go to PREFIX.xyz): a reference potential's own hull.
#include <iomanip>
#include <iostream>

#include <tbb/parallel_for.h>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/dynamics/relax.hpp"
#include "pestle/explore/rss_loop.hpp"
#include "pestle/runtime/load.hpp"

namespace pestle::cli {

namespace {

/// Each frame relaxed with the model (positions and cell at the given pressure); labels replaced by
/// the model's energy, forces and stress at the minimum. A relaxation that fails names its frame.
Dataset relax_all(const Dataset& frames, const std::string& model_file, double pressure_gpa) {
  const runtime::CalculatorPtr model = runtime::load_calculator(model_file);
  RelaxOptions opt;
  opt.relax_cell = true;
  opt.fmax = 1e-3;
  opt.stress_tolerance = 1e-5;
  opt.max_steps = 5000;
  opt.pressure = pressure_gpa / units::gpa_per_ev_a3;
  Dataset out = frames;
  std::vector<std::string> failures(frames.size());
  tbb::parallel_for(std::size_t{0}, frames.size(), [&](std::size_t i) {
    try {
      const RelaxResult r = relax_fire(*model, frames[i].structure, opt);
      Frame& f = out[i];
      f.structure = r.structure;
      f.labels.energy = r.result.energy;
      f.labels.forces = r.result.forces;
      if (r.result.stress) f.labels.stress = *r.result.stress;
      f.labels.info.set("enthalpy_per_atom", r.enthalpy / static_cast<double>(r.structure.size()));
      f.labels.info.set("relaxed_converged", r.converged ? "T" : "F");
    } catch (const std::exception& e) {
      failures[i] = e.what();
    }
  });
  for (std::size_t i = 0; i < failures.size(); ++i)
    if (!failures[i].empty()) throw NumericalError("relaxing frame " + std::to_string(i) + ": " + failures[i]);
  return out;
}

/// The hull points: energy per atom from the labels, or the enthalpy per atom after a relaxation.
std::vector<explore::HullPoint> points_of(const Dataset& frames, const std::string& source, bool relaxed) {
  std::vector<explore::HullPoint> points = explore::hull_points(frames, source);
  if (relaxed)
    for (std::size_t i = 0; i < frames.size(); ++i)
      points[i].energy_per_atom = frames[i].labels.info.get<double>("enthalpy_per_atom").value();
  return points;
}

}  // namespace

int run_hull(const Args& args) {
  Args rest;
  std::string relax_model;
  double pressure_gpa = 0.0;
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (args[k] == "--relax" || args[k] == "--pressure") {
      if (k + 1 >= args.size()) throw UsageError(args[k] + " needs a value");
      if (args[k] == "--relax") relax_model = args[++k];
      else {
        try {
          pressure_gpa = std::stod(args[++k]);
        } catch (const std::logic_error&) {
          throw UsageError("--pressure needs a number of GPa, got '" + args[k] + "'");
        }
      }
      continue;
    }
    rest.push_back(args[k]);
  }
  const ParsedArgs parsed = parse_args(rest);
  if (parsed.positional.size() != 1) throw UsageError("expected one FILE.xyz");
  const std::string file = parsed.positional[0];
  const std::string prefix = parsed.output.empty() ? "hull" : parsed.output;
  Dataset frames = read_extxyz(file);
  if (frames.empty()) throw InputError(file + ": no frames");
  if (!relax_model.empty()) {
    frames = relax_all(frames, relax_model, pressure_gpa);
    write_extxyz(prefix + ".xyz", frames);
  }
  const explore::ConvexHull hull = explore::convex_hull(points_of(frames, file, !relax_model.empty()));
  explore::write_hull_csv(prefix + ".csv", hull);
  if (hull.elements.size() <= 3) explore::write_hull_svg(prefix + ".svg", {{relax_model.empty() ? file : relax_model, hull}});
  std::cout << "end members (eV/atom):";
  for (const auto& [z, mu] : hull.end_members) std::cout << " " << element_symbol(z) << " " << mu;
  std::cout << "\non the hull (formula, formation energy eV/atom, frame):\n" << std::fixed << std::setprecision(4);
  for (const explore::HullEntry& e : hull.entries)
    if (e.on_hull) std::cout << "  " << explore::reduced_formula(e.point.atoms) << " " << e.formation_energy << " " << e.point.id << "\n";
  std::cout << "wrote " << prefix << ".csv" << (hull.elements.size() == 2 ? " and " + prefix + ".svg" : "")
            << (relax_model.empty() ? "" : " and " + prefix + ".xyz") << "\n";
  return 0;
}

}  // namespace pestle::cli
