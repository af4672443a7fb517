#pragma once
// The validation suite behind `pestle validate CONFIG.json`: the config (strict keys), running the
// chosen tests for a potential and a reference, and the report: DIR/summary.json, DIR/report.md and
// SVG plots (E–V, phonon bands and DOS, RDF, parity). Config keys: docs/validation.md.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pestle/core/elements.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/runtime/load.hpp"
#include "pestle/optimise/svg_plot.hpp"
#include "pestle/validate/defects.hpp"
#include "pestle/validate/elastic.hpp"
#include "pestle/validate/eos.hpp"
#include "pestle/validate/amorphous.hpp"
#include "pestle/validate/liquid.hpp"
#include "pestle/validate/phonons.hpp"
#include "pestle/validate/stability.hpp"
#include "pestle/core/json.hpp"

namespace pestle::validate {

using json = nlohmann::json;

namespace detail::config {

/// InputError naming `where` for any key of `obj` not in `allowed` (the core strict-key reader).
inline void only_keys(const json& obj, std::initializer_list<const char*> allowed, const std::string& where) {
  json_read::check_keys(obj, where, allowed);
}

template <class T>
T get(const json& obj, const char* key, T fallback, const std::string& where) {
  return json_read::get(obj, key, where, fallback);
}

inline std::string path_key(const json& obj, const char* key, const std::filesystem::path& base, const std::string& where,
                            bool required) {
  if (!obj.contains(key)) {
    if (required) throw InputError(where + " needs the key '" + key + "'");
    return {};
  }
  std::filesystem::path p = get<std::string>(obj, key, "", where);
  if (p.is_relative()) p = base / p;
  if (!std::filesystem::exists(p)) throw InputError("'" + p.string() + "' (key '" + std::string(key) + "' of " + where + ") does not exist");
  return p.string();
}

}  // namespace detail::config

/// What `pestle validate` runs; every test is optional.
struct ValidationConfig {
  std::string potential;           ///< any file runtime::load_calculator reads
  std::string reference;           ///< a potential file, or empty
  std::string reference_data;      ///< a labelled extended-XYZ file (parity plot), or empty
  std::size_t parity_max_frames = 200;
  int element = 14;
  std::string lattice = "diamond";
  double a = 5.43;
  int supercell = 2;
  std::optional<EosOptions> eos;
  std::vector<std::string> phases;     ///< further lattices for relative phase energies
  std::optional<ElasticOptions> elastic;
  std::optional<PhononOptions> phonons;
  int dos_mesh = 8;
  double dos_sigma = 0.1;
  int band_points = 20;
  bool defects = false;
  bool vacancy = true;
  std::vector<std::array<int, 3>> surfaces;
  int surface_layers = 4;
  double vacuum = 10.0;
  InternalRelax defect_relax{true, 1e-3, 3000};
  std::optional<MeltQuenchOptions> liquid;
  double rdf_max = 6.0, coordination_cutoff = 2.8;
  std::optional<StabilityOptions> stability;
  std::string stability_training;      ///< extxyz whose atoms give a linear model's MaxVol active set
};

/// Reads and checks a validation config; relative paths are relative to the config's folder.
inline ValidationConfig parse_validation_config(const json& j, const std::filesystem::path& base) {
  using namespace detail::config;
  only_keys(j, {"potential", "reference", "crystal", "tests", "comment"}, "the config");
  ValidationConfig c;
  c.potential = path_key(j, "potential", base, "the config", true);
  if (j.contains("reference")) {
    const std::string ref = path_key(j, "reference", base, "the config", true);
    const bool xyz = ref.ends_with(".xyz") || ref.ends_with(".extxyz");
    (xyz ? c.reference_data : c.reference) = ref;
  }
  if (!j.contains("crystal")) throw InputError("the config needs a 'crystal' (element, lattice, a, supercell)");
  const json& cr = j.at("crystal");
  only_keys(cr, {"element", "lattice", "a", "supercell"}, "crystal");
  c.element = atomic_number(get<std::string>(cr, "element", "Si", "crystal"));
  c.lattice = get<std::string>(cr, "lattice", "diamond", "crystal");
  cubic_basis_named(c.lattice);  // checks the name
  c.a = get<double>(cr, "a", 5.43, "crystal");
  c.supercell = get<int>(cr, "supercell", 2, "crystal");
  if (!(c.a > 0) || c.supercell < 1) throw InputError("crystal: a must be positive and supercell >= 1");
  if (!j.contains("tests")) throw InputError("the config needs 'tests' (eos, elastic, phonons, defects, liquid, stability, parity)");
  const json& t = j.at("tests");
  only_keys(t, {"eos", "elastic", "phonons", "defects", "liquid", "stability", "parity"}, "tests");
  if (t.contains("eos")) {
    const json& e = t.at("eos");
    only_keys(e, {"volume_range", "points", "relax", "phases"}, "tests.eos");
    EosOptions o;
    o.volume_range = get<double>(e, "volume_range", o.volume_range, "tests.eos");
    o.points = get<int>(e, "points", o.points, "tests.eos");
    o.relax.enabled = get<bool>(e, "relax", false, "tests.eos");
    c.phases = get<std::vector<std::string>>(e, "phases", {}, "tests.eos");
    for (const auto& p : c.phases) cubic_basis_named(p);
    c.eos = o;
  }
  if (t.contains("elastic")) {
    const json& e = t.at("elastic");
    only_keys(e, {"strain", "relax"}, "tests.elastic");
    ElasticOptions o;
    o.strain = get<double>(e, "strain", o.strain, "tests.elastic");
    o.relax.enabled = get<bool>(e, "relax", true, "tests.elastic");
    o.relax.fmax = 1e-6;
    c.elastic = o;
  }
  if (t.contains("phonons")) {
    const json& e = t.at("phonons");
    only_keys(e, {"supercell", "displacement", "dos_mesh", "dos_sigma", "band_points"}, "tests.phonons");
    PhononOptions o;
    const int n = get<int>(e, "supercell", 2, "tests.phonons");
    if (n < 1) throw InputError("tests.phonons.supercell must be >= 1");
    o.supercell = {n, n, n};
    o.displacement = get<double>(e, "displacement", o.displacement, "tests.phonons");
    c.dos_mesh = get<int>(e, "dos_mesh", c.dos_mesh, "tests.phonons");
    c.dos_sigma = get<double>(e, "dos_sigma", c.dos_sigma, "tests.phonons");
    c.band_points = get<int>(e, "band_points", c.band_points, "tests.phonons");
    c.phonons = o;
  }
  if (t.contains("defects")) {
    const json& e = t.at("defects");
    only_keys(e, {"vacancy", "surfaces", "layers", "vacuum", "relax"}, "tests.defects");
    c.defects = true;
    c.vacancy = get<bool>(e, "vacancy", true, "tests.defects");
    c.surfaces = get<std::vector<std::array<int, 3>>>(e, "surfaces", {}, "tests.defects");
    c.surface_layers = get<int>(e, "layers", c.surface_layers, "tests.defects");
    c.vacuum = get<double>(e, "vacuum", c.vacuum, "tests.defects");
    c.defect_relax.enabled = get<bool>(e, "relax", true, "tests.defects");
  }
  if (t.contains("liquid")) {
    const json& e = t.at("liquid");
    only_keys(e, {"t_melt", "t_end", "heat_steps", "hold_steps", "quench_rate", "final_hold_steps", "timestep", "sample_every",
                  "rdf_max", "coordination_cutoff", "seed"},
              "tests.liquid");
    MeltQuenchOptions o;
    o.t_melt = get<double>(e, "t_melt", o.t_melt, "tests.liquid");
    o.t_end = get<double>(e, "t_end", o.t_end, "tests.liquid");
    o.t_start = o.t_end;
    o.heat_steps = get<std::size_t>(e, "heat_steps", o.heat_steps, "tests.liquid");
    o.hold_steps = get<std::size_t>(e, "hold_steps", o.hold_steps, "tests.liquid");
    o.quench_rate = get<double>(e, "quench_rate", o.quench_rate, "tests.liquid");
    o.final_hold_steps = get<std::size_t>(e, "final_hold_steps", o.final_hold_steps, "tests.liquid");
    o.timestep = get<double>(e, "timestep", o.timestep, "tests.liquid");
    o.sample_every = get<std::size_t>(e, "sample_every", o.sample_every, "tests.liquid");
    o.seed = get<std::uint64_t>(e, "seed", o.seed, "tests.liquid");
    c.rdf_max = get<double>(e, "rdf_max", c.rdf_max, "tests.liquid");
    c.coordination_cutoff = get<double>(e, "coordination_cutoff", c.coordination_cutoff, "tests.liquid");
    c.liquid = o;
  }
  if (t.contains("stability")) {
    const json& e = t.at("stability");
    only_keys(e, {"temperature", "thermalise_steps", "nve_steps", "timestep", "overlap_distance", "seed", "training"},
              "tests.stability");
    if (e.contains("training")) c.stability_training = path_key(e, "training", base, "tests.stability", true);
    StabilityOptions o;
    o.temperature = get<double>(e, "temperature", o.temperature, "tests.stability");
    o.thermalise_steps = get<std::size_t>(e, "thermalise_steps", o.thermalise_steps, "tests.stability");
    o.nve_steps = get<std::size_t>(e, "nve_steps", o.nve_steps, "tests.stability");
    o.timestep = get<double>(e, "timestep", o.timestep, "tests.stability");
    o.overlap_distance = get<double>(e, "overlap_distance", o.overlap_distance, "tests.stability");
    o.seed = get<std::uint64_t>(e, "seed", o.seed, "tests.stability");
    c.stability = o;
  }
  if (t.contains("parity")) {
    const json& e = t.at("parity");
    only_keys(e, {"max_frames"}, "tests.parity");
    c.parity_max_frames = get<std::size_t>(e, "max_frames", c.parity_max_frames, "tests.parity");
    if (c.reference_data.empty()) throw InputError("tests.parity needs a labelled .xyz file as 'reference'");
  }
  return c;
}

namespace detail::suite {

inline json structure_json(const Structure& s) {
  json j;
  j["cell"] = json::array();
  for (int r = 0; r < 3; ++r) j["cell"].push_back({s.cell(r, 0), s.cell(r, 1), s.cell(r, 2)});
  j["positions"] = json::array();
  for (const Vec3& p : s.positions) j["positions"].push_back({p[0], p[1], p[2]});
  j["numbers"] = s.numbers;
  j["masses"] = masses_of(s);
  return j;
}

/// Force constants, structures, q-points and frequencies, for the phonopy cross-check.
inline json phonon_dump(const ForceConstants& fc, const std::vector<Vec3>& q_reduced, const std::vector<std::vector<double>>& freqs) {
  json j;
  j["unit_cell"] = structure_json(fc.unit_cell);
  j["supercell"] = structure_json(fc.supercell);
  j["supercell_multiples"] = fc.multiples;
  json phi = json::array();
  for (const auto& row : fc.phi) {
    json r = json::array();
    for (const Mat3& m : row) r.push_back({{m(0, 0), m(0, 1), m(0, 2)}, {m(1, 0), m(1, 1), m(1, 2)}, {m(2, 0), m(2, 1), m(2, 2)}});
    phi.push_back(r);
  }
  j["force_constants"] = phi;
  j["qpoints_reduced"] = json::array();
  for (const Vec3& q : q_reduced) j["qpoints_reduced"].push_back({q[0], q[1], q[2]});
  j["frequencies_THz"] = freqs;
  return j;
}

/// The melt–quench's final structure, relaxed at fixed cell (the glass at 0 K), judged as amorphous-solid
/// papers judge it (docs/amorphous.md): energy above the crystal, SOAP crystalline fraction against the
/// crystal, shortest-path rings per atom (bonds within the coordination cutoff), S(Q) from g(r).
template <Calculator C>
json quenched_structure_summary(const C& calc, const MeltQuenchResult& q, const Histogram& g, const Structure& crystal,
                                double crystal_energy, double bond_cutoff) {
  RelaxOptions fixed_cell;
  fixed_cell.fmax = 0.01;
  const RelaxResult glass = relax_fire(calc, q.final, fixed_cell);
  const double n = double(glass.structure.size());
  const RingStatistics rings = shortest_path_rings(glass.structure, bond_cutoff, 12);
  json per_atom = json::object();
  for (int size = 3; size <= rings.max_size; ++size) per_atom[std::to_string(size)] = rings.per_cell_atom(size);
  std::vector<double> qs;
  for (double x = 0.5; x <= 12.0 + 1e-9; x += 0.05) qs.push_back(x);
  const StructureFactor sq = structure_factor_from_rdf(g, n / glass.structure.volume(), qs, true);
  return {{"energy_above_crystal", glass.result.energy / n - crystal_energy / double(crystal.size())},
          {"relax_converged", glass.converged},
          {"crystalline_fraction", soap_crystallinity(glass.structure, crystal).fraction},
          {"rings_per_atom", per_atom}, {"sq_q", sq.q}, {"sq", sq.s}};
}

}  // namespace detail::suite

/// Runs the config's crystal tests for one calculator; `tag` names it in progress messages and in the
/// files it writes into `dir` (phonons_<tag>.json with the force constants). Returns the results as JSON.
template <Calculator C>
json run_suite(const C& calc, const ValidationConfig& c, const std::string& tag, const std::filesystem::path& dir,
               const Progress& progress = {}) {
  const auto say = [&](const std::string& m) { report(progress, tag + ": " + m); };
  json out;
  const double vol_guess = std::pow(c.a, 3) / double(cubic_basis_named(c.lattice).size());
  const auto relaxed_phase = [&](const std::string& lattice) {
    const double a = std::cbrt(vol_guess * double(cubic_basis_named(lattice).size()));
    return relax_cell_and_positions(calc, crystal(lattice, a, 1, c.element), 1e-5, 1e-7);
  };
  say("relaxing the " + c.lattice + " cell");
  const RelaxResult eq = relaxed_phase(c.lattice);
  const Structure& unit = eq.structure;
  const double a = std::cbrt(unit.volume());
  out["equilibrium"] = {{"lattice_constant", a}, {"energy_per_atom", eq.result.energy / double(unit.size())},
                        {"volume_per_atom", unit.volume() / double(unit.size())}};
  if (c.eos) {
    const auto fit_json = [](const EosResult& r) {
      return json{{"volumes", r.volumes}, {"energies", r.energies}, {"E0", r.fit.e0}, {"V0", r.fit.v0},
                  {"B0_GPa", r.fit.b0_gpa()}, {"B0_prime", r.fit.b0p}, {"rms_residual", r.fit.rms_residual}};
    };
    const EosResult r = equation_of_state(calc, unit, *c.eos, [&](const std::string& m) { say("eos " + m); });
    out["eos"] = fit_json(r);
    out["eos"]["lattice_constant"] = std::cbrt(r.fit.v0 * double(unit.size()));
    json phases = json::object();
    phases[c.lattice] = out["eos"];
    for (const std::string& p : c.phases) {
      if (p == c.lattice) continue;
      try {
        const RelaxResult pr = relaxed_phase(p);
        phases[p] = fit_json(equation_of_state(calc, pr.structure, *c.eos));
      } catch (const Error& e) {
        phases[p] = {{"error", e.what()}};
      }
      say("eos phase " + p + " done");
    }
    double lowest = 1e300;
    for (const auto& [name, v] : phases.items())
      if (v.contains("E0")) lowest = std::min(lowest, v["E0"].template get<double>());
    for (auto& [name, v] : phases.items())
      if (v.contains("E0")) v["E0_relative"] = v["E0"].template get<double>() - lowest;
    out["phases"] = phases;
  }
  if (c.elastic) {
    const ElasticResult r = elastic_constants(calc, unit, *c.elastic, [&](const std::string& m) { say("elastic " + m); });
    json cm = json::array();
    for (int i = 0; i < 6; ++i) cm.push_back({r.c(i, 0), r.c(i, 1), r.c(i, 2), r.c(i, 3), r.c(i, 4), r.c(i, 5)});
    out["elastic"] = {{"C_GPa", cm}, {"C11", r.c(0, 0)}, {"C12", r.c(0, 1)}, {"C44", r.c(3, 3)}, {"asymmetry_GPa", r.asymmetry},
                      {"bulk_voigt", r.moduli.bulk_voigt}, {"bulk_reuss", r.moduli.bulk_reuss}, {"bulk_hill", r.moduli.bulk_hill},
                      {"shear_voigt", r.moduli.shear_voigt}, {"shear_reuss", r.moduli.shear_reuss}, {"shear_hill", r.moduli.shear_hill}};
  }
  if (c.phonons) {
    const ForceConstants fc = force_constants(calc, unit, *c.phonons, [&](const std::string& m) { say("phonons " + m); });
    const DynamicalMatrix dm(fc);
    const Bands bands = band_structure(dm, fc, cubic_band_path(c.lattice), c.band_points);
    const Dos dos = density_of_states(dm, fc, c.dos_mesh, c.dos_sigma);
    const std::vector<double> gamma = dm.frequencies(Vec3::Zero());
    json ticks = json::array();
    for (const auto& [s, l] : bands.ticks) ticks.push_back({{"distance", s}, {"label", l}});
    out["phonons"] = {{"gamma_THz", gamma}, {"band_distance", bands.distance}, {"band_THz", bands.frequencies},
                      {"band_ticks", ticks}, {"dos_THz", dos.frequency}, {"dos", dos.density},
                      {"max_THz", *std::max_element(gamma.begin(), gamma.end())}};
    const std::string file = "phonons_" + tag + ".json";
    std::ofstream(dir / file) << detail::suite::phonon_dump(fc, bands.q_reduced, bands.frequencies).dump();
    out["phonons"]["force_constants_file"] = file;
  }
  if (c.defects) {
    json d = json::object();
    if (c.vacancy) {
      const Structure bulk = repeat(unit, {c.supercell, c.supercell, c.supercell});
      const VacancyResult v = vacancy_formation(calc, bulk, c.defect_relax);
      d["vacancy"] = {{"atoms", v.atoms}, {"unrelaxed_eV", v.unrelaxed}, {"relaxed_eV", v.relaxed}};
      say("vacancy done");
    }
    d["surfaces"] = json::array();
    for (const auto& hkl : c.surfaces) {
      const SurfaceResult s = surface_energy(calc, c.lattice, a, c.element, hkl, c.surface_layers, c.vacuum, c.defect_relax);
      d["surfaces"].push_back({{"hkl", hkl}, {"atoms", s.atoms}, {"area_A2", s.area},
                               {"unrelaxed_J_m2", s.unrelaxed * j_per_m2_per_ev_per_a2}, {"relaxed_J_m2", s.relaxed_j_m2()}});
      say("surface done");
    }
    out["defects"] = d;
  }
  if (c.liquid) {
    const MeltQuenchResult q = melt_quench(calc, repeat(unit, {c.supercell, c.supercell, c.supercell}), *c.liquid,
                                           [&](const std::string& m) { say("melt-quench " + m); });
    const Histogram g = radial_distribution(q.snapshots, c.rdf_max, 120);
    const Histogram adf = bond_angle_distribution(q.snapshots, c.coordination_cutoff, 90);
    out["liquid"] = {{"quench_steps", q.quench_steps}, {"snapshots", q.snapshots.size()},
                     {"mean_coordination", mean_coordination(q.snapshots, c.coordination_cutoff)},
                     {"coordination_cutoff", c.coordination_cutoff}, {"rdf_r", g.x}, {"rdf_g", g.y},
                     {"adf_deg", adf.x}, {"adf", adf.y}, {"final_temperature", q.log.back().temperature}};
    out["liquid"]["quenched"] = detail::suite::quenched_structure_summary(calc, q, g, unit, eq.result.energy, c.coordination_cutoff);
    say("melt-quench analysis done");
  }
  if (c.stability) {
    std::optional<runtime::Grader> graded;
    if (!c.stability_training.empty()) {
      if constexpr (std::is_base_of_v<runtime::Calculator, C>) {
        if (has_linear_view(calc)) {
          say("stability: MaxVol active set from " + c.stability_training);
          graded = runtime::Grader::from_training(c.potential, read_extxyz(c.stability_training));
        }
      }
    }
    const StabilityResult s = stability_run(calc, repeat(unit, {c.supercell, c.supercell, c.supercell}), *c.stability,
                                            [&](const std::string& m) { say("stability " + m); },
                                            graded ? &*graded : nullptr);
    out["stability"] = {{"completed", s.completed}, {"failure", s.failure}, {"lost_atoms", s.lost_atoms},
                        {"overlapping_pairs", s.overlapping_pairs}, {"min_distance", s.min_distance},
                        {"drift_eV_per_atom_ps", s.drift}, {"mean_temperature", s.mean_temperature},
                        {"extrapolation", s.extrapolation ? json(*s.extrapolation) : json(nullptr)},
                        {"extrapolation_kind", s.extrapolation_kind}};
  }
  return out;
}

/// Per-atom energies and force components of a model against a labelled file.
template <Calculator C>
json parity(const C& calc, const std::string& path, std::size_t max_frames) {
  const Dataset data = read_extxyz(path);
  json j;
  std::vector<double> e_ref, e_model, f_ref, f_model;
  for (std::size_t k = 0; k < data.size() && k < max_frames; ++k) {
    const Frame& f = data[k];
    const PotentialResult r = evaluate(calc, f.structure);
    const double n = double(f.size());
    if (f.labels.energy) e_ref.push_back(*f.labels.energy / n), e_model.push_back(r.energy / n);
    if (f.labels.forces)
      for (std::size_t i = 0; i < f.size(); ++i)
        for (int a = 0; a < 3; ++a) f_ref.push_back((*f.labels.forces)[i][a]), f_model.push_back(r.forces[i][a]);
  }
  const auto rmse = [](const std::vector<double>& x, const std::vector<double>& y) {
    double s = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) s += (x[i] - y[i]) * (x[i] - y[i]);
    return x.empty() ? 0.0 : std::sqrt(s / double(x.size()));
  };
  // energies are compared after removing the mean offset (reference energies may have another zero)
  double offset = 0.0;
  for (std::size_t i = 0; i < e_ref.size(); ++i) offset += (e_model[i] - e_ref[i]) / double(e_ref.size());
  std::vector<double> e_shift = e_model;
  for (double& e : e_shift) e -= offset;
  j = {{"file", path}, {"frames", std::min(max_frames, data.size())}, {"energy_reference", e_ref}, {"energy_model", e_model},
       {"energy_offset_eV_per_atom", offset}, {"energy_rmse_meV_per_atom", 1e3 * rmse(e_ref, e_shift)},
       {"force_reference", f_ref}, {"force_model", f_model}, {"force_rmse_components", rmse(f_ref, f_model)}};
  return j;
}

namespace detail::report {

inline std::string fmt(const json& v, int digits = 4) {
  if (v.is_null()) return "–";
  if (!v.is_number()) return v.dump();
  std::ostringstream o;
  o << std::setprecision(digits) << std::fixed << v.get<double>();
  return o.str();
}

inline json at(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return nullptr;
    p = &p->at(k);
  }
  return *p;
}

}  // namespace detail::report

/// Writes DIR/report.md and the SVG plots from the summary (keys "potential", optional "reference", "parity").
inline void write_report(const std::filesystem::path& dir, const json& summary, const std::string& command) {
  using detail::report::at;
  using detail::report::fmt;
  namespace svg = optimise::svg;
  const json& p = summary.at("potential");
  const bool has_ref = summary.contains("reference");
  const json r = has_ref ? summary.at("reference") : json::object();
  std::ostringstream md;
  md << "# Validation report\n\n";
  md << "Command: `" << command << "`\n\n";
  md << "- potential: `" << summary.value("potential_file", "") << "`\n";
  if (has_ref) md << "- reference: `" << summary.value("reference_file", "") << "`\n";
  md << "- crystal: " << summary.value("crystal", "") << "\n\n";
  md << "| quantity | potential | " << (has_ref ? "reference | difference |" : "") << "\n|---|---|" << (has_ref ? "---|---|" : "") << "\n";
  const auto row = [&](const std::string& name, std::initializer_list<const char*> path, int digits = 4) {
    const json a = at(p, path);
    if (a.is_null()) return;
    md << "| " << name << " | " << fmt(a, digits) << " |";
    if (has_ref) {
      const json b = at(r, path);
      md << " " << fmt(b, digits) << " | "
         << (a.is_number() && b.is_number() ? fmt(a.get<double>() - b.get<double>(), digits) : "–") << " |";
    }
    md << "\n";
  };
  row("lattice constant (Å)", {"equilibrium", "lattice_constant"}, 5);
  row("energy (eV/atom)", {"equilibrium", "energy_per_atom"}, 5);
  row("BM E0 (eV/atom)", {"eos", "E0"}, 5);
  row("BM V0 (Å³/atom)", {"eos", "V0"}, 4);
  row("BM B0 (GPa)", {"eos", "B0_GPa"}, 2);
  row("BM B0'", {"eos", "B0_prime"}, 3);
  if (p.contains("phases"))
    for (const auto& [name, v] : p["phases"].items()) row(name + " E0 − lowest (eV/atom)", {"phases", name.c_str(), "E0_relative"}, 4);
  row("C11 (GPa)", {"elastic", "C11"}, 2);
  row("C12 (GPa)", {"elastic", "C12"}, 2);
  row("C44 (GPa)", {"elastic", "C44"}, 2);
  row("bulk modulus, Hill (GPa)", {"elastic", "bulk_hill"}, 2);
  row("shear modulus, Hill (GPa)", {"elastic", "shear_hill"}, 2);
  row("highest Γ frequency (THz)", {"phonons", "max_THz"}, 3);
  row("vacancy formation, unrelaxed (eV)", {"defects", "vacancy", "unrelaxed_eV"}, 4);
  row("vacancy formation, relaxed (eV)", {"defects", "vacancy", "relaxed_eV"}, 4);
  if (p.contains("defects") && p["defects"].contains("surfaces"))
    for (std::size_t k = 0; k < p["defects"]["surfaces"].size(); ++k) {
      const json& s = p["defects"]["surfaces"][k];
      const auto h = s["hkl"];
      const std::string name = "(" + h[0].dump() + h[1].dump() + h[2].dump() + ") surface, relaxed (J/m²)";
      md << "| " << name << " | " << fmt(s["relaxed_J_m2"]) << " |";
      if (has_ref) {
        const json b = r["defects"]["surfaces"][k]["relaxed_J_m2"];
        md << " " << fmt(b) << " | " << fmt(s["relaxed_J_m2"].get<double>() - b.get<double>()) << " |";
      }
      md << "\n";
    }
  row("melt–quench mean coordination", {"liquid", "mean_coordination"}, 3);
  row("quenched: energy above the crystal (eV/atom)", {"liquid", "quenched", "energy_above_crystal"}, 4);
  row("quenched: crystalline fraction (SOAP)", {"liquid", "quenched", "crystalline_fraction"}, 3);
  row("quenched: 5-rings per atom", {"liquid", "quenched", "rings_per_atom", "5"}, 3);
  row("quenched: 6-rings per atom", {"liquid", "quenched", "rings_per_atom", "6"}, 3);
  row("quenched: 7-rings per atom", {"liquid", "quenched", "rings_per_atom", "7"}, 3);
  row("stability: lost atoms", {"stability", "lost_atoms"}, 0);
  row("stability: overlapping pairs", {"stability", "overlapping_pairs"}, 0);
  row("stability: NVE drift (eV/atom/ps)", {"stability", "drift_eV_per_atom_ps"}, 6);
  row("stability: extrapolation indicator", {"stability", "extrapolation"}, 6);
  if (summary.contains("parity")) {
    const json& q = summary["parity"];
    md << "\nParity against `" << q.value("file", "") << "` (" << q["frames"] << " frames): energy RMSE "
       << fmt(q["energy_rmse_meV_per_atom"], 2) << " meV/atom after removing a mean offset of "
       << fmt(q["energy_offset_eV_per_atom"], 4) << " eV/atom; force RMSE " << fmt(q["force_rmse_components"], 4)
       << " eV/Å (per component).\n";
  }
  if (at(p, {"stability", "extrapolation_kind"}).is_string())
    md << "\nExtrapolation indicator: " << p["stability"]["extrapolation_kind"].get<std::string>() << ".\n";
  // plots
  std::vector<std::string> plots;
  const auto series = [](const json& x, const json& y, const std::string& label, const std::string& colour, svg::Style st) {
    svg::Series s;
    s.label = label, s.colour = colour, s.style = st;
    s.x = x.get<std::vector<double>>();
    s.y = y.get<std::vector<double>>();
    return s;
  };
  if (p.contains("eos")) {
    svg::Panel panel{"Energy–volume", "V (Å³/atom)", "E (eV/atom)", false, false, {}};
    const auto add = [&](const json& e, const std::string& who, const std::string& colour) {
      panel.series.push_back(series(e["volumes"], e["energies"], who, colour, svg::Style::points));
      BirchMurnaghan bm{e["E0"], e["V0"], e["B0_GPa"].get<double>() / units::gpa_per_ev_a3, e["B0_prime"], 0.0};
      svg::Series fit;
      fit.colour = colour, fit.style = svg::Style::line;
      const auto v = e["volumes"].get<std::vector<double>>();
      for (int k = 0; k <= 60; ++k) {
        const double x = v.front() + (v.back() - v.front()) * k / 60.0;
        fit.x.push_back(x), fit.y.push_back(bm.energy(x));
      }
      panel.series.push_back(fit);
    };
    add(p["eos"], "potential", "#1f77b4");
    if (has_ref && r.contains("eos")) add(r["eos"], "reference", "#d62728");
    svg::write((dir / "eos.svg").string(), {panel});
    plots.push_back("eos.svg");
  }
  if (p.contains("phonons")) {
    svg::Panel bands{"Phonon bands", "q path (1/Å)", "ν (THz)", false, false, {}};
    svg::Panel dos{"Phonon DOS", "ν (THz)", "states/THz per cell", false, false, {}};
    const auto add = [&](const json& ph, const std::string& who, const std::string& colour) {
      const auto f = ph["band_THz"].get<std::vector<std::vector<double>>>();
      for (std::size_t m = 0; m < f.front().size(); ++m) {
        svg::Series s;
        s.label = m == 0 ? who : "", s.colour = colour, s.style = svg::Style::line;
        s.x = ph["band_distance"].get<std::vector<double>>();
        for (const auto& row : f) s.y.push_back(row[m]);
        bands.series.push_back(s);
      }
      dos.series.push_back(series(ph["dos_THz"], ph["dos"], who, colour, svg::Style::line));
    };
    add(p["phonons"], "potential", "#1f77b4");
    if (has_ref && r.contains("phonons")) add(r["phonons"], "reference", "#d62728");
    svg::write((dir / "phonons.svg").string(), {bands, dos}, 2);
    plots.push_back("phonons.svg");
    md << "\nPhonon path ticks:";
    for (const auto& t : p["phonons"]["band_ticks"]) md << " " << t["label"].get<std::string>() << " " << fmt(t["distance"], 3);
    md << " (1/Å).\n";
  }
  if (p.contains("liquid")) {
    svg::Panel g{"Radial distribution after melt–quench", "r (Å)", "g(r)", false, false, {}};
    svg::Panel adf{"Bond angles", "angle (°)", "density (1/°)", false, false, {}};
    g.series.push_back(series(p["liquid"]["rdf_r"], p["liquid"]["rdf_g"], "potential", "#1f77b4", svg::Style::line));
    adf.series.push_back(series(p["liquid"]["adf_deg"], p["liquid"]["adf"], "potential", "#1f77b4", svg::Style::line));
    if (has_ref && r.contains("liquid")) {
      g.series.push_back(series(r["liquid"]["rdf_r"], r["liquid"]["rdf_g"], "reference", "#d62728", svg::Style::line));
      adf.series.push_back(series(r["liquid"]["adf_deg"], r["liquid"]["adf"], "reference", "#d62728", svg::Style::line));
    }
    svg::write((dir / "rdf.svg").string(), {g, adf}, 2);
    plots.push_back("rdf.svg");
  }
  if (summary.contains("parity")) {
    const json& q = summary["parity"];
    svg::Panel e{"Energy parity", "reference (eV/atom)", "potential (eV/atom)", false, true, {}};
    svg::Panel f{"Force parity", "reference (eV/Å)", "potential (eV/Å)", false, true, {}};
    e.series.push_back(series(q["energy_reference"], q["energy_model"], "", "#1f77b4", svg::Style::points));
    f.series.push_back(series(q["force_reference"], q["force_model"], "", "#1f77b4", svg::Style::points));
    svg::write((dir / "parity.svg").string(), {e, f}, 2);
    plots.push_back("parity.svg");
  }
  if (!plots.empty()) {
    md << "\nPlots:";
    for (const auto& f : plots) md << " [" << f << "](" << f << ")";
    md << "\n";
  }
  std::ofstream out(dir / "report.md");
  if (!(out << md.str())) throw InputError("cannot write '" + (dir / "report.md").string() + "'");
}

}  // namespace pestle::validate
