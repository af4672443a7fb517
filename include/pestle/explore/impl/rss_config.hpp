#pragma once
// The RSS loop's config reader and labeller factory (explore/rss_loop.hpp): inline in header-only use,
// compiled once in src/runtime_fit/compile_rss_config.cpp with PESTLE_COMPILED_FIT, so a program that
// reads a config (the CLI's rss and hull commands, the tests) does not compile the parsers of every
// fit family it names.
#include "pestle/explore/rss_loop.hpp"

namespace pestle::explore {

PESTLE_FIT_INLINE RssConfig parse_rss_config(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  using namespace detail::rss;
  const std::string where = "the rss config";
  check_keys(j, where,
             {"random_structures", "labeller", "fit", "initial_structures", "iterations", "rss_structures", "select",
              "pool", "kT", "relax", "validation_structures", "target_energy_rmse_meV", "dimers", "isolated_atoms",
              "selection_soap", "selection", "datum", "md", "phases", "seed", "comment"});
  RssConfig c;
  if (!j.contains("random_structures")) throw InputError("\"random_structures\" is required");
  const json& rs = j["random_structures"];
  if (rs.is_object()) c.random_structures.push_back(parse_random_set(rs, base_dir));
  else if (rs.is_array())
    for (const auto& e : rs) c.random_structures.push_back(parse_random_set(e, base_dir));
  else throw InputError("\"random_structures\" must be an object or a list of objects");
  if (c.random_structures.empty()) throw InputError("\"random_structures\" is empty");
  if (j.contains("labeller")) {
    c.labeller = j["labeller"];
    if (c.labeller.contains("file") && c.labeller["file"].is_string())
      c.labeller["file"] = (base_dir / c.labeller["file"].get<std::string>()).string();
    // {config_dir}: the config's folder, so a command can name a script beside the config (the
    // command runs in a scratch directory under DIR/labels/work/).
    if (c.labeller.contains("command") && c.labeller["command"].is_string()) {
      std::string cmd = c.labeller["command"].get<std::string>();
      const std::string key = "{config_dir}", abs = std::filesystem::absolute(base_dir).lexically_normal().string();
      for (std::size_t pos; (pos = cmd.find(key)) != std::string::npos;) cmd.replace(pos, key.size(), abs);
      c.labeller["command"] = cmd;
    }
    if (c.labeller.contains("workdir")) throw InputError("labeller: \"workdir\" is not a key (scratch goes to DIR/labels)");
  }
  if (!j.contains("fit") || !j["fit"].is_object())
    throw InputError("\"fit\" ({\"gap\": ..., \"default_sigma\": ...} or {\"model\": \"ace_linear\", \"descriptor\": ...}) is required");
  const json& f = j["fit"];
  const std::string model = get<std::string>(f, "model", "\"fit\"", "gap");
  if (model == "gap") parse_gap_fit(f, c);
  else if (model == "ace_linear") parse_ace_fit(f, c);
  else if (model == "eddp") parse_eddp_fit(f, c);
  else throw InputError("\"fit.model\" must be \"gap\", \"ace_linear\" or \"eddp\" (not '" + model + "')");
  const std::string selection = get<std::string>(j, "selection", where, "cur");
  if (selection != "cur" && selection != "spread" && selection != "uncertainty")
    throw InputError("\"selection\" must be \"cur\", \"uncertainty\" or \"spread\"");
  c.select_by_spread = selection == "spread";
  c.select_by_uncertainty = selection == "uncertainty";
  if (c.select_by_spread && c.model != RssModelKind::eddp)
    throw InputError("\"selection\": \"spread\" needs an ensemble (\"fit.model\": \"eddp\")");
  c.energy_sigma_fraction = get<double>(f, "energy_sigma_fraction", "\"fit\"", 0.0);
  if (!(c.energy_sigma_fraction >= 0.0)) throw InputError("\"energy_sigma_fraction\" must be >= 0");
  c.initial_structures = get<std::size_t>(j, "initial_structures", where, c.initial_structures);
  c.iterations = get<std::size_t>(j, "iterations", where, c.iterations);
  c.rss_structures = get<std::size_t>(j, "rss_structures", where, c.rss_structures);
  c.select = get<std::size_t>(j, "select", where, c.select);
  c.pool = get<std::size_t>(j, "pool", where, c.pool);
  c.kT = get<double>(j, "kT", where, c.kT);
  c.validation_structures = get<std::size_t>(j, "validation_structures", where, c.validation_structures);
  c.target_energy_rmse_meV = get<double>(j, "target_energy_rmse_meV", where, 0.0);
  c.isolated_atoms = get<bool>(j, "isolated_atoms", where, true);
  c.seed = get<std::uint64_t>(j, "seed", where, 1);
  if (j.contains("relax")) {
    const json& r = j["relax"];
    check_keys(r, "\"relax\"",
               {"fmax", "stress_tolerance", "max_steps", "pressure_gpa", "hookean_k", "hookean_d_min", "hookean_steps",
                "hookean_always",
                "anneal"});
    RssRelaxSettings& s = c.relax;
    s.fmax = get<double>(r, "fmax", "\"relax\"", s.fmax);
    s.stress_tolerance = get<double>(r, "stress_tolerance", "\"relax\"", s.stress_tolerance);
    s.max_steps = get<std::size_t>(r, "max_steps", "\"relax\"", s.max_steps);
    s.pressure_gpa = get<double>(r, "pressure_gpa", "\"relax\"", s.pressure_gpa);
    s.hookean_k = get<double>(r, "hookean_k", "\"relax\"", s.hookean_k);
    s.hookean_d_min = get<double>(r, "hookean_d_min", "\"relax\"", s.hookean_d_min);
    s.hookean_steps = get<std::size_t>(r, "hookean_steps", "\"relax\"", s.hookean_steps);
    s.hookean_always = get<bool>(r, "hookean_always", "\"relax\"", s.hookean_always);
    if (r.contains("anneal")) s.anneal = parse_anneal(r["anneal"]);
  }
  if (j.contains("dimers")) {
    const json& d = j["dimers"];
    check_keys(d, "\"dimers\"", {"r_min", "r_max", "count"});
    c.dimer_r_min = get<double>(d, "r_min", "\"dimers\"", 1.5);
    c.dimer_r_max = get<double>(d, "r_max", "\"dimers\"", 5.0);
    c.dimer_count = get<std::size_t>(d, "count", "\"dimers\"", 10);
  }
  c.selection_soap.cutoff = 5.0;
  c.selection_soap.n_max = 6;
  c.selection_soap.l_max = 4;
  if (j.contains("selection_soap")) {
    const json& s = j["selection_soap"];
    check_keys(s, "\"selection_soap\"", {"cutoff", "n_max", "l_max", "atom_sigma"});
    c.selection_soap.cutoff = get<double>(s, "cutoff", "\"selection_soap\"", 5.0);
    c.selection_soap.n_max = get<int>(s, "n_max", "\"selection_soap\"", 6);
    c.selection_soap.l_max = get<int>(s, "l_max", "\"selection_soap\"", 4);
    c.selection_soap.atom_sigma = get<double>(s, "atom_sigma", "\"selection_soap\"", 0.5);
  }
  if (j.contains("md")) c.md = parse_gamma_md(j["md"]);
  if (j.contains("phases")) c.phases = parse_phase_errors(j["phases"], base_dir, rss_species(c.random_structures));
  if (j.contains("datum")) {
    c.datum = parse_datum(j["datum"], base_dir);
    std::vector<int> covered(c.datum->structure.numbers.begin(), c.datum->structure.numbers.end());
    std::sort(covered.begin(), covered.end());
    covered.erase(std::unique(covered.begin(), covered.end()), covered.end());
    require_species(c.random_structures, covered, "the datum '" + c.datum->file.string() + "'");
    default_datum_cost(c.datum->structure, c.datum->cost);  // refuses a datum it cannot use, now
  }
  if (c.md.enabled() && c.model != RssModelKind::ace_linear)
    throw InputError("\"md\": the gamma-driven MD stage needs a model with an extrapolation grade (\"fit.model\": \"ace_linear\")");
  if (c.initial_structures == 0) throw InputError("\"initial_structures\" must be at least 1");
  if (c.iterations == 0) throw InputError("\"iterations\" must be at least 1");
  if (c.select == 0 || c.rss_structures < c.select)
    throw InputError("need 1 <= \"select\" <= \"rss_structures\"");
  if (!(c.kT > 0.0)) throw InputError("\"kT\" must be positive (eV)");
  if (c.model == RssModelKind::ace_linear)
    require_species(c.random_structures, c.ace.spec.elements, "\"fit.descriptor.elements\"");
  return c;
}

PESTLE_FIT_INLINE RssConfig load_rss_config(const std::filesystem::path& file) {
  try {
    RssConfig c = parse_rss_config(read_json_file(file, "rss config"), file.parent_path());
    c.source = file;
    return c;
  } catch (const InputError& e) {
    throw InputError(file.string() + ": " + e.what());
  }
}

PESTLE_FIT_INLINE Labeller make_labeller(const nlohmann::json& j) {
  using namespace detail::rss;
  const std::string type = get<std::string>(j, "type", "\"labeller\"", "reference");
  if (type == "reference") {
    check_keys(j, "\"labeller\"", {"type", "potential", "file"});
    if (j.contains("file")) {
      const std::string file = j["file"].get<std::string>();
      runtime::CalculatorPtr calc = runtime::load_calculator(file);
      std::vector<int> species = calc->species();
      Labeller l = reference_labeller(std::move(calc), "file:" + std::filesystem::path(file).filename().string());
      l.species = std::move(species);
      return l;
    }
    const std::string name = get<std::string>(j, "potential", "\"labeller\"", "sw-si");
    if (name == "sw-si") {
      Labeller l = reference_labeller(StillingerWeber::silicon(), "sw-si");
      l.species = {14};
      return l;
    }
    throw InputError("labeller: unknown built-in potential '" + name + "' (built in: sw-si; or give \"file\")");
  }
  if (type == "command") {
    check_keys(j, "\"labeller\"", {"type", "command", "timeout", "processes", "retries", "id", "scheduler"});
    CommandLabellerOptions o;
    o.command = get<std::string>(j, "command", "\"labeller\"", "");
    o.timeout_seconds = get<double>(j, "timeout", "\"labeller\"", 3600.0);
    o.processes = get<std::size_t>(j, "processes", "\"labeller\"", 1);
    o.retries = get<std::size_t>(j, "retries", "\"labeller\"", 0);
    o.id = get<std::string>(j, "id", "\"labeller\"", "");
    if (j.contains("scheduler")) {
      const json& q = j["scheduler"];
      const std::string where = "\"labeller.scheduler\"";
      check_keys(q, where, {"submit", "poll", "cancel", "poll_seconds"});
      SchedulerOptions sched;
      sched.submit = get<std::string>(q, "submit", where, "");
      sched.poll = get<std::string>(q, "poll", where, "");
      sched.cancel = get<std::string>(q, "cancel", where, "");
      sched.poll_seconds = get<double>(q, "poll_seconds", where, sched.poll_seconds);
      o.scheduler = sched;
    }
    return command_labeller(o);
  }
  throw InputError("labeller: \"type\" must be \"reference\" or \"command\"");
}

}  // namespace pestle::explore
