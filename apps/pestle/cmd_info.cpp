// pestle info FILE.xyz... [--json]
// Summary of extended-XYZ files: frames, atoms, species, cell volumes and which reference
// labels are present. Files are streamed frame by frame, so any size works.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "pestle/core/elements.hpp"
#include "pestle/data/extxyz.hpp"

namespace pestle::cli {

namespace info_detail {

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double x) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  bool empty() const { return lo > hi; }
};

struct FileSummary {
  std::string path;
  std::size_t frames = 0;
  std::size_t atoms = 0;
  std::size_t min_atoms = std::numeric_limits<std::size_t>::max();
  std::size_t max_atoms = 0;
  std::map<int, std::size_t> species;  ///< atomic number -> atom count
  std::size_t periodic_frames = 0;     ///< frames periodic along all three axes (volume defined)
  Range volume, volume_per_atom;
  std::size_t energy = 0, forces = 0, stress = 0, virial = 0;
  std::map<std::string, std::size_t> config_types;
  Range weight;
  std::size_t non_unit_weights = 0;

  void add(const Frame& f) {
    ++frames;
    atoms += f.size();
    min_atoms = std::min(min_atoms, f.size());
    max_atoms = std::max(max_atoms, f.size());
    for (int z : f.structure.numbers) ++species[z];
    const auto& pbc = f.structure.pbc;
    if (pbc[0] && pbc[1] && pbc[2]) {
      ++periodic_frames;
      const double v = f.structure.volume();
      volume.add(v);
      if (f.size() > 0) volume_per_atom.add(v / static_cast<double>(f.size()));
    }
    const auto& l = f.labels;
    energy += l.energy.has_value();
    forces += l.forces.has_value();
    stress += l.stress.has_value();
    virial += l.virial.has_value();
    ++config_types[l.config_type];
    weight.add(l.weight);
    non_unit_weights += (l.weight != 1.0);
  }
};

inline FileSummary summarise(const std::string& path) {
  FileSummary s;
  s.path = path;
  ExtXyzReader reader(path);
  while (auto f = reader.next()) s.add(*f);
  if (s.frames == 0) s.min_atoms = 0;
  return s;
}

inline std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

inline std::string general(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

inline void print_text(std::ostream& os, const FileSummary& s) {
  auto row = [&os](const char* name, const std::string& value) {
    os << "  " << name << std::string(14 - std::min<std::size_t>(14, std::char_traits<char>::length(name)), ' ')
       << value << "\n";
  };
  auto of = [&s](std::size_t n) { return std::to_string(n) + " of " + std::to_string(s.frames) + " frames"; };
  os << s.path << "\n";
  row("frames", std::to_string(s.frames));
  row("atoms", std::to_string(s.atoms) + " total, " + std::to_string(s.min_atoms) + ".." +
                   std::to_string(s.max_atoms) + " per frame");
  std::string species;
  for (const auto& [z, n] : s.species)
    species += (species.empty() ? "" : ", ") + std::string(element_symbol(z)) + " " + std::to_string(n);
  row("species", species.empty() ? "(none)" : species);
  if (s.volume.empty()) {
    row("volume", "(no frame is periodic in all three directions)");
  } else {
    row("volume", fixed(s.volume.lo, 3) + ".." + fixed(s.volume.hi, 3) + " Å³ in " +
                      std::to_string(s.periodic_frames) + " periodic frames");
    if (!s.volume_per_atom.empty())
      row("volume/atom", fixed(s.volume_per_atom.lo, 3) + ".." + fixed(s.volume_per_atom.hi, 3) + " Å³");
  }
  row("energy", of(s.energy));
  row("forces", of(s.forces));
  row("stress", of(s.stress));
  row("virial", of(s.virial));
  std::string types;
  for (const auto& [t, n] : s.config_types)
    types += (types.empty() ? "" : ", ") + (t.empty() ? std::string("(none)") : t) + " " + std::to_string(n);
  row("config_types", types.empty() ? "(none)" : types);
  if (s.frames == 0) row("weights", "(none)");
  else if (s.non_unit_weights == 0) row("weights", "all 1");
  else
    row("weights", general(s.weight.lo) + ".." + general(s.weight.hi) + " (" + std::to_string(s.non_unit_weights) +
                       " frames with weight != 1)");
}

inline nlohmann::json to_json(const FileSummary& s) {
  using nlohmann::json;
  auto range = [](const Range& r) -> json {
    if (r.empty()) return nullptr;
    return {{"min", r.lo}, {"max", r.hi}};
  };
  json species = json::object();
  for (const auto& [z, n] : s.species) species[std::string(element_symbol(z))] = n;
  json types = json::object();
  for (const auto& [t, n] : s.config_types) types[t] = n;
  return {
      {"path", s.path},
      {"frames", s.frames},
      {"atoms", {{"total", s.atoms}, {"min", s.min_atoms}, {"max", s.max_atoms}}},
      {"species", species},
      {"periodic_frames", s.periodic_frames},
      {"volume", range(s.volume)},
      {"volume_per_atom", range(s.volume_per_atom)},
      {"labels", {{"energy", s.energy}, {"forces", s.forces}, {"stress", s.stress}, {"virial", s.virial}}},
      {"config_types", types},
      {"weights", {{"min", s.frames ? json(s.weight.lo) : json(nullptr)},
                   {"max", s.frames ? json(s.weight.hi) : json(nullptr)},
                   {"non_unit", s.non_unit_weights}}},
  };
}

}  // namespace info_detail

/// Prints a summary of each file (text, or one JSON object with --json). A file that
/// cannot be read stops the command with its ParseError (file:line: reason) on stderr.
int run_info(const Args& args) {
  bool json_output = false;
  std::vector<std::string> paths;
  for (const auto& a : args) {
    if (a == "--json") json_output = true;
    else if (a.size() > 1 && a[0] == '-') throw UsageError("unknown option '" + a + "'");
    else paths.push_back(a);
  }
  if (paths.empty()) throw UsageError("no input files");
  std::vector<info_detail::FileSummary> summaries;
  for (const auto& p : paths) summaries.push_back(info_detail::summarise(p));
  if (json_output) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& s : summaries) files.push_back(info_detail::to_json(s));
    std::cout << nlohmann::json{{"files", files}}.dump(2) << "\n";
  } else {
    for (std::size_t i = 0; i < summaries.size(); ++i) {
      if (i > 0) std::cout << "\n";
      info_detail::print_text(std::cout, summaries[i]);
    }
  }
  return 0;
}

}  // namespace pestle::cli
