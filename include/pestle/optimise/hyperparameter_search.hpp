#pragma once
// Bayesian hyperparameter search over a fit config (the XPOT approach): every evaluation
// writes the proposed values into a copy of the base fit config (JSON pointers), fits,
// measures validation errors and the loss
//     L = α·L_E/[E] + (1−α)·L_F/[F]
//     L_E = RMSE over structures of (Ê − E)/√n_at        (eV/√atom; MAE if "metric": "mae")
//     L_F = RMSE over atoms of |F̂ − F| (force VECTORS)    (eV/Å)
// and appends one row to DIR/history.csv. The best model goes to DIR/best.model.json (a GAP
// search: best.model.xml); any family of `pestle fit` can be searched (runtime/fitting.hpp);
// rerunning with the same DIR replays history.csv (no refits) and continues up to the budget.
// A fit that throws or gives non-finite errors is recorded with status "failed" and skipped.
//
// k-fold CV of a SNAP/qSNAP config with a normal-equation solver (ridge, bayesian_ridge, ard) and
// the RMSE metric takes ONE descriptor pass per evaluation: per-fold normal equations give every
// fold's model and its held-out errors exactly (fit/cross_validation.hpp). "refit": true (or the
// svd solver, or MAE) refits and predicts every fold instead (k + 1 descriptor passes).
//
// Search config (JSON; relative paths are relative to its folder):
//   {
//     "fit": "../qsnap/Mo.json",            // base fit config: a file or an inline object
//     "space": [
//       {"name": "rcutfac", "path": "/descriptor/rcutfac", "type": "real", "low": 3.5, "high": 5.5},
//       {"name": "eweight", "path": "/weights/energy", "type": "log", "low": 10, "high": 1e5},
//       {"name": "twojmax", "path": "/descriptor/twojmax", "type": "integer", "low": 4, "high": 8},
//       {"name": "model", "path": "/model", "type": "categorical", "choices": ["snap", "qsnap"]},
//       {"name": "cutoff", "path": "/gap", "gap_key": "cutoff", "term": 1, "type": "real", ...}],
//                          // gap_key: sets key=value in term `term` (0-based, default 0) of a
//                          // gap_fit term string such as a GAP config's "gap"
//     "fixed": {"/descriptor/rmin0": 0.0},  // values written into every fit config
//     "constraints": [["rmin0", "<", "rcutfac"]],
//     "validation": {"file": "Mo_val.xyz"}  or  {"folds": 5, "seed": 0, "refit": false}
//                   or  {"holdout": 0.2, "seed": 0}  (fit on the rest of the training set),
//     "loss": {"alpha": 0.8, "metric": "rmse", "energy_unit": 1.0, "force_unit": 1.0},
//     "optimiser": {"initial_points": 32, "design": "hammersley", "acquisition": "hedge",
//                   "seed": 0, "batch": 1, "candidates": 2000, "transform": "log"},
//     "budget": 150
//   }
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "pestle/core/error.hpp"
#include "pestle/fit/config.hpp"
#include "pestle/fit/cross_validation.hpp"
#include "pestle/runtime/fitting.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/formats/model_json.hpp"
#include "pestle/optimise/optimiser.hpp"
#include "pestle/optimise/svg_plot.hpp"

namespace pestle::optimise {

/// Loss settings (XPOT): α weights energy against forces; [E], [F] make the terms unit-free.
struct LossSettings {
  double alpha = 0.8;
  bool mae = false;          ///< mean absolute instead of root-mean-square errors
  double energy_unit = 1.0;  ///< [E], eV/√atom
  double force_unit = 1.0;   ///< [F], eV/Å
};

/// Where validation errors come from: a file, a held-out part of the training set, or k-fold
/// cross-validation on the training set.
struct ValidationSettings {
  std::filesystem::path file;  ///< empty: hold-out or k-fold
  double holdout = 0.0;        ///< > 0: hold out the first of round(1/holdout) stratified folds
  int folds = 5;
  std::uint64_t seed = 0;
  bool refit = false;          ///< k-fold: refit every fold even where one pass would do

  /// One fit per evaluation, scored on separate validation structures (a file or the hold-out).
  bool single_fit() const { return !file.empty() || holdout > 0.0; }
};

struct SearchConfig {
  nlohmann::json base;              ///< the base fit config document
  std::filesystem::path base_dir;   ///< relative paths in `base` are resolved here
  Space space;
  std::vector<std::string> pointers;                        ///< one JSON pointer per dimension
  std::vector<std::vector<nlohmann::json>> choice_values;   ///< categorical dimensions: the JSON values
  std::vector<std::string> gap_keys;   ///< per dimension: a key inside a gap_fit term string, or empty
  std::vector<std::size_t> gap_terms;  ///< per dimension: which term of that string
  std::vector<std::pair<std::string, nlohmann::json>> fixed;
  ValidationSettings validation;
  LossSettings loss;
  OptimiserOptions optimiser;
  std::size_t batch = 1;
  std::size_t budget = 50;
  std::filesystem::path source;
};

/// Errors of one model on validation data (XPOT's definitions plus the usual per-atom ones).
struct ValidationErrors {
  double energy = 0.0;  ///< L_E, eV/√atom
  double force = 0.0;   ///< L_F, eV/Å (force vectors)
  double energy_rmse_per_atom = 0.0;  ///< eV/atom
  double force_component_rmse = 0.0;  ///< eV/Å
  std::size_t structures = 0;
};

struct EvaluationRecord {
  std::size_t iteration = 0;
  Point point;
  bool failed = false;
  std::string message;
  ValidationErrors errors;
  double loss = std::numeric_limits<double>::quiet_NaN();
  double fit_seconds = 0.0;
  std::shared_ptr<const runtime::FittedModel> model;  ///< single fit (validation file or hold-out): the fitted model (not stored)
};

namespace detail::search {

using json = nlohmann::json;

inline std::string label_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

template <class T>
T get_or(const json& j, const char* key, T fallback, const std::string& where) {
  if (!j.contains(key)) return fallback;
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw InputError("key '" + std::string(key) + "' in " + where + " has the wrong type");
  }
}

inline json read_json(const std::filesystem::path& file, const char* what) {
  std::ifstream in(file);
  if (!in) throw InputError(std::string("cannot open ") + what + " '" + file.string() + "'");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw InputError(file.string() + " is not valid JSON: " + e.what());
  }
}

inline json::json_pointer pointer(const std::string& text) {
  try {
    return json::json_pointer(text);
  } catch (const json::exception&) {
    throw InputError("'" + text + "' is not a JSON pointer (e.g. \"/descriptor/rcutfac\")");
  }
}

/// Per-frame predictions reduced to the loss terms.
struct Accumulator {
  double e_sq = 0, e_abs = 0, f_sq = 0, f_abs = 0, epa_sq = 0, fc_sq = 0;
  std::size_t ne = 0, nf = 0;

  void add(const Frame& f, const PotentialResult& p) {
    const double n = static_cast<double>(f.size());
    if (f.labels.energy && n > 0) {
      const double d = p.energy - *f.labels.energy;
      e_sq += d * d / n;
      e_abs += std::abs(d) / std::sqrt(n);
      epa_sq += d * d / (n * n);
      ++ne;
    }
    if (f.labels.forces && f.labels.forces->size() == p.forces.size())
      for (std::size_t k = 0; k < p.forces.size(); ++k) {
        const Vec3 d = p.forces[k] - (*f.labels.forces)[k];
        f_sq += d.squaredNorm();
        f_abs += d.norm();
        fc_sq += d.squaredNorm();
        ++nf;
      }
  }
  ValidationErrors result(bool mae, std::size_t structures) const {
    ValidationErrors v;
    v.structures = structures;
    const auto mean = [](double s, std::size_t n) { return n ? s / static_cast<double>(n) : 0.0; };
    v.energy = mae ? mean(e_abs, ne) : std::sqrt(mean(e_sq, ne));
    v.force = mae ? mean(f_abs, nf) : std::sqrt(mean(f_sq, nf));
    v.energy_rmse_per_atom = std::sqrt(mean(epa_sq, ne));
    v.force_component_rmse = std::sqrt(mean(fc_sq, 3 * nf));
    return v;
  }
};

inline std::vector<PotentialResult> predict_all(const runtime::FittedModel& model, const Dataset& data) {
  std::vector<PotentialResult> out(data.size());
  tbb::parallel_for(std::size_t{0}, data.size(), [&](std::size_t k) { out[k] = model.compute(data[k].structure); });
  return out;
}

/// k-fold errors of a SNAP/qSNAP config from one descriptor pass: the folds' models are the
/// ones refitting would give (same normal equations, same solver), their held-out errors come
/// from unweighted per-fold summaries (FoldedNormalEquations::fold_errors).
template <class Map>
ValidationErrors one_pass_fold_errors(const FitConfig& fc, const Dataset& data, const std::vector<int>& fold, int folds) {
  const Bispectrum<dynamic> d(fc.descriptor);
  const DesignLayout layout{snap_species(fc.descriptor), Map::size(d.size())};
  const FoldedNormalEquations ne = folded_normal_equations_with_errors<Map>(d, data, layout, fc.options.design, fold, folds);
  const FitWeights& w = fc.options.design.weights;
  const auto e = ne.fold_errors(ne.fold_coefficients(w.energy, w.force, w.virial, fc.options.solver));
  const auto mean = [](double s, std::size_t n) { return n ? s / static_cast<double>(n) : 0.0; };
  ValidationErrors v;
  v.structures = data.size();
  v.energy = std::sqrt(mean(e.energy_sq_per_sqrt_atoms, e.energies));
  v.force = std::sqrt(mean(e.force_sq, e.force_components / 3));
  v.energy_rmse_per_atom = std::sqrt(mean(e.energy_sq_per_atom, e.energies));
  v.force_component_rmse = std::sqrt(mean(e.force_sq, e.force_components));
  return v;
}

/// Fold of every frame: a seeded shuffle, then frames of each config_type dealt round-robin
/// (stratified by config_type).
inline std::vector<int> fold_assignment(const Dataset& data, int folds, std::uint64_t seed) {
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  Rng rng(seed);
  shuffle(order, rng);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return data[a].labels.config_type < data[b].labels.config_type; });
  std::vector<int> fold(data.size());
  for (std::size_t k = 0; k < order.size(); ++k) fold[order[k]] = static_cast<int>(k % static_cast<std::size_t>(folds));
  return fold;
}

// ---- CSV (RFC 4180 quoting) ----
inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

inline std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

inline std::string num(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

/// A value with enough digits to be read back bit-exactly (resume must see the same points).
inline std::string exact(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  return to_string(v);
}

}  // namespace detail::search

/// Parses a search config document; base_dir resolves relative paths.
inline SearchConfig parse_search_config(const nlohmann::json& j, const std::filesystem::path& base_dir) {
  using namespace detail::search;
  pestle::detail::config::check_keys(j, "the search config",
                             {"fit", "space", "fixed", "constraints", "validation", "loss", "optimiser", "budget", "comment"});
  SearchConfig c;
  if (!j.contains("fit")) throw InputError("the search config needs \"fit\": a fit config file or object");
  if (j["fit"].is_string()) {
    const std::filesystem::path f = base_dir / j["fit"].get<std::string>();
    c.base = read_json(f, "fit config");
    c.base_dir = f.parent_path();
  } else if (j["fit"].is_object()) {
    c.base = j["fit"];
    c.base_dir = base_dir;
  } else {
    throw InputError("\"fit\" must be a file name or a fit config object");
  }
  if (!j.contains("space") || !j["space"].is_array() || j["space"].empty())
    throw InputError("the search config needs \"space\": a non-empty list of dimensions");
  std::vector<Dimension> dims;
  for (const auto& d : j["space"]) {
    pestle::detail::config::check_keys(d, "a \"space\" entry",
                                       {"name", "path", "type", "low", "high", "choices", "gap_key", "term"});
    const std::string path = get_or<std::string>(d, "path", "", "a \"space\" entry");
    if (path.empty()) throw InputError("every \"space\" entry needs a \"path\" (a JSON pointer into the fit config)");
    pointer(path);
    const std::string name = get_or<std::string>(d, "name", path, "space entry '" + path + "'");
    const std::string type = get_or<std::string>(d, "type", "real", "space entry '" + name + "'");
    const std::string where = "space entry '" + name + "'";
    const auto bound = [&](const char* key) {
      if (!d.contains(key) || !d[key].is_number()) throw InputError(where + " needs a number \"" + key + "\"");
      return d[key].get<double>();
    };
    std::vector<json> values;
    if (type == "real") dims.push_back(Dimension::real(name, bound("low"), bound("high")));
    else if (type == "log" || type == "log-real" || type == "log_real")
      dims.push_back(Dimension::log_real(name, bound("low"), bound("high")));
    else if (type == "integer") {
      const double lo = bound("low"), hi = bound("high");
      if (lo != std::floor(lo) || hi != std::floor(hi)) throw InputError(where + ": integer bounds must be integers");
      dims.push_back(Dimension::integer(name, static_cast<long long>(lo), static_cast<long long>(hi)));
    } else if (type == "categorical") {
      if (!d.contains("choices") || !d["choices"].is_array() || d["choices"].empty())
        throw InputError(where + " needs a non-empty list \"choices\"");
      std::vector<std::string> labels;
      for (const auto& v : d["choices"]) {
        values.push_back(v);
        labels.push_back(label_of(v));
      }
      dims.push_back(Dimension::categorical(name, labels));
    } else {
      throw InputError(where + ": unknown type '" + type + "' (expected real, log, integer or categorical)");
    }
    c.pointers.push_back(path);
    c.choice_values.push_back(std::move(values));
    c.gap_keys.push_back(get_or<std::string>(d, "gap_key", "", where));
    const int term = get_or(d, "term", 0, where);
    if (term < 0) throw InputError(where + ": \"term\" must be >= 0");
    if (d.contains("term") && c.gap_keys.back().empty()) throw InputError(where + ": \"term\" needs a \"gap_key\"");
    c.gap_terms.push_back(static_cast<std::size_t>(term));
  }
  c.space = Space(dims);
  if (j.contains("fixed")) {
    if (!j["fixed"].is_object()) throw InputError("\"fixed\" must be an object {\"/json/pointer\": value}");
    for (const auto& [path, value] : j["fixed"].items()) {
      pointer(path);
      c.fixed.emplace_back(path, value);
      if (value.is_number()) c.space.fix(path, value.get<double>());
    }
  }
  if (j.contains("constraints")) {
    for (const auto& r : j["constraints"]) {
      if (!r.is_array() || r.size() != 3 || !r[0].is_string() || r[1] != "<" || !r[2].is_string())
        throw InputError("a constraint is [\"name\", \"<\", \"name\"]");
      c.space.constrain(LessThan{r[0].get<std::string>(), r[2].get<std::string>()});
    }
  }
  if (j.contains("validation")) {
    const json& v = j["validation"];
    pestle::detail::config::check_keys(v, "\"validation\"", {"file", "holdout", "folds", "seed", "refit"});
    if (static_cast<int>(v.contains("file")) + static_cast<int>(v.contains("holdout")) + static_cast<int>(v.contains("folds")) > 1)
      throw InputError("\"validation\" takes one of \"file\", \"holdout\" and \"folds\"");
    if (v.contains("file")) c.validation.file = base_dir / get_or<std::string>(v, "file", "", "\"validation\"");
    c.validation.holdout = get_or(v, "holdout", c.validation.holdout, "\"validation\"");
    if (v.contains("holdout") && !(c.validation.holdout > 0.0 && c.validation.holdout <= 0.5))
      throw InputError("\"validation.holdout\" is the held-out fraction: it must lie in (0, 0.5]");
    c.validation.folds = get_or(v, "folds", c.validation.folds, "\"validation\"");
    c.validation.seed = get_or(v, "seed", c.validation.seed, "\"validation\"");
    c.validation.refit = get_or(v, "refit", c.validation.refit, "\"validation\"");
    if (c.validation.file.empty() && c.validation.folds < 2) throw InputError("\"validation.folds\" must be at least 2");
  }
  if (j.contains("loss")) {
    const json& l = j["loss"];
    pestle::detail::config::check_keys(l, "\"loss\"", {"alpha", "metric", "energy_unit", "force_unit"});
    c.loss.alpha = get_or(l, "alpha", c.loss.alpha, "\"loss\"");
    const std::string metric = get_or<std::string>(l, "metric", "rmse", "\"loss\"");
    if (metric != "rmse" && metric != "mae") throw InputError("\"loss.metric\" must be \"rmse\" or \"mae\"");
    c.loss.mae = metric == "mae";
    c.loss.energy_unit = get_or(l, "energy_unit", c.loss.energy_unit, "\"loss\"");
    c.loss.force_unit = get_or(l, "force_unit", c.loss.force_unit, "\"loss\"");
  }
  if (!(c.loss.alpha > 0.0 && c.loss.alpha < 1.0)) throw InputError("\"loss.alpha\" must lie strictly between 0 and 1");
  if (!(c.loss.energy_unit > 0.0 && c.loss.force_unit > 0.0)) throw InputError("loss units must be positive");
  c.optimiser.initial_points = 10;
  c.optimiser.transform = OutputTransform::log;  // losses are positive and span decades
  if (j.contains("optimiser")) {
    const json& o = j["optimiser"];
    const std::string where = "\"optimiser\"";
    pestle::detail::config::check_keys(o, where, {"initial_points", "design", "acquisition", "seed", "batch", "candidates", "transform", "xi", "kappa"});
    c.optimiser.initial_points = get_or(o, "initial_points", c.optimiser.initial_points, where);
    c.optimiser.design = design_from_name(get_or<std::string>(o, "design", "hammersley", where));
    c.optimiser.acquisition = acquisition_from_name(get_or<std::string>(o, "acquisition", "hedge", where));
    c.optimiser.seed = get_or(o, "seed", c.optimiser.seed, where);
    c.optimiser.candidates = get_or(o, "candidates", c.optimiser.candidates, where);
    c.optimiser.params.xi = get_or(o, "xi", c.optimiser.params.xi, where);
    c.optimiser.params.kappa = get_or(o, "kappa", c.optimiser.params.kappa, where);
    const std::string t = get_or<std::string>(o, "transform", "log", where);
    if (t != "log" && t != "none") throw InputError("\"optimiser.transform\" must be \"log\" or \"none\"");
    c.optimiser.transform = t == "log" ? OutputTransform::log : OutputTransform::none;
    c.batch = get_or(o, "batch", c.batch, where);
    if (c.batch == 0) throw InputError("\"optimiser.batch\" must be at least 1");
  }
  c.budget = get_or(j, "budget", c.budget, "the search config");
  return c;
}

inline SearchConfig load_search_config(const std::filesystem::path& file) {
  try {
    SearchConfig c = parse_search_config(detail::search::read_json(file, "search config"), file.parent_path());
    c.source = file;
    return c;
  } catch (const InputError& e) {
    throw InputError(file.string() + ": " + e.what());
  }
}

namespace detail::search {

/// `text` (gap_fit terms separated by ':') with key=value set in term `term`, added if absent.
inline std::string set_gap_term_key(const std::string& text, std::size_t term, const std::string& key,
                                    const std::string& value) {
  std::vector<std::string> terms(1);
  for (char ch : text) {
    if (ch == ':') terms.emplace_back();
    else terms.back().push_back(ch);
  }
  if (term >= terms.size())
    throw InputError("gap_key '" + key + "': the term string has " + std::to_string(terms.size()) + " term(s), no term " +
                     std::to_string(term) + " (0-based)");
  std::istringstream in(terms[term]);
  std::string token, out;
  bool found = false;
  while (in >> token) {
    if (token.rfind(key + "=", 0) == 0) token = key + "=" + value, found = true;
    out += (out.empty() ? "" : " ") + token;
  }
  if (!found) out += " " + key + "=" + value;
  terms[term] = " " + out + " ";
  std::string joined;
  for (std::size_t t = 0; t < terms.size(); ++t) joined += (t ? ":" : "") + terms[t];
  // trim the outer spaces added above
  const auto first = joined.find_first_not_of(' '), last = joined.find_last_not_of(' ');
  return joined.substr(first, last - first + 1);
}

inline std::string gap_value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
    return buf;
  }
  return v.dump();
}

}  // namespace detail::search

/// The fit config document for one point of the space.
inline nlohmann::json config_for(const SearchConfig& c, const Point& p) {
  nlohmann::json j = c.base;
  for (const auto& [path, value] : c.fixed) j[detail::search::pointer(path)] = value;
  for (std::size_t k = 0; k < c.space.size(); ++k) {
    const auto ptr = detail::search::pointer(c.pointers[k]);
    const Dimension& d = c.space[k];
    nlohmann::json value;
    if (d.kind == DimensionKind::categorical) {
      const auto& labels = d.choices;
      const auto it = std::find(labels.begin(), labels.end(), std::get<std::string>(p[k]));
      value = c.choice_values[k][static_cast<std::size_t>(it - labels.begin())];
    } else if (d.kind == DimensionKind::integer) {
      value = std::get<long long>(p[k]);
    } else {
      value = std::get<double>(p[k]);
    }
    if (c.gap_keys[k].empty()) {
      j[ptr] = value;
      continue;
    }
    if (!j.contains(ptr) || !j[ptr].is_string())
      throw InputError("space entry '" + d.name + "': gap_key needs a term string at '" + c.pointers[k] + "'");
    j[ptr] = detail::search::set_gap_term_key(j[ptr].get<std::string>(), c.gap_terms[k], c.gap_keys[k],
                                              detail::search::gap_value_text(value));
  }
  j.erase("output");
  return j;
}

/// Runs (or continues) a search in `dir`.
class HyperparameterSearch {
 public:
  HyperparameterSearch(SearchConfig config, std::filesystem::path dir, std::ostream* progress = &std::cerr)
      : c_(std::move(config)), dir_(std::move(dir)), log_(progress), opt_(c_.space, c_.optimiser) {
    // The fit config at the centre of the space must be valid: this catches a mistyped
    // pointer or a bad base config before any fit is run.
    const nlohmann::json centre = config_for(c_, c_.space.from_unit(std::vector<double>(c_.space.size(), 0.5)));
    family_ = &runtime::family_of_config(centre);
    std::vector<std::filesystem::path> files;
    try {
      files = family_->training_files(centre, c_.base_dir);
    } catch (const InputError& e) {
      throw InputError(std::string("the fit config at the centre of the search space is invalid: ") + e.what());
    }
    training_ = load_training_files(files, c_.source);
    if (!c_.validation.file.empty()) {
      validation_ = read_extxyz(c_.validation.file.string());
      if (validation_.empty()) throw InputError("validation file '" + c_.validation.file.string() + "' holds no structures");
    } else if (c_.validation.holdout > 0.0) {
      hold_out(static_cast<int>(std::lround(1.0 / c_.validation.holdout)));
    } else if (static_cast<std::size_t>(c_.validation.folds) > training_.size()) {
      throw InputError("more folds than training structures");
    } else {
      folds_ = detail::search::fold_assignment(training_, c_.validation.folds, c_.validation.seed);
    }
  }

  const std::vector<EvaluationRecord>& history() const { return history_; }
  std::filesystem::path history_file() const { return dir_ / "history.csv"; }
  std::filesystem::path best_model_file() const { return dir_ / (std::string("best.model") + family_->model_extension); }
  /// The model family of the searched fit config (runtime/fitting.hpp).
  const runtime::FitFamily& family() const { return *family_; }
  /// Structures the models are fitted on (without a hold-out) and scored on (file or hold-out).
  const Dataset& training() const { return training_; }
  const Dataset& validation() const { return validation_; }

  /// Evaluations run by the last call of run() (not replayed from history.csv).
  std::size_t new_evaluations() const { return new_evaluations_; }

  /// Continues until history.csv holds `budget` evaluations (0: the config's budget).
  void run(std::size_t budget = 0) {
    if (budget == 0) budget = c_.budget;
    std::filesystem::create_directories(dir_);
    resume();
    new_evaluations_ = 0;
    while (history_.size() < budget) {
      const std::size_t q = std::min(c_.batch, budget - history_.size());
      const std::vector<Point> batch = opt_.ask(q);
      std::vector<EvaluationRecord> done(batch.size());
      tbb::parallel_for(std::size_t{0}, batch.size(), [&](std::size_t k) {
        done[k] = evaluate(batch[k], history_.size() + k + 1);
      });
      for (auto& r : done) {
        if (r.failed) opt_.tell_failure(r.point);
        else opt_.tell(r.point, r.loss);
        if (!r.failed && (!best_ || r.loss < history_[*best_].loss)) {
          save_best_or_warn(r);
          best_ = history_.size();
        }
        r.model.reset();
        history_.push_back(r);
        append_row(r);
        report(r);
        ++new_evaluations_;
      }
      write_checkpoint();
      write_convergence_plot();
    }
    write_convergence_plot();
  }

  /// Parity plot of the best model (validation file or hold-out, else the training set), as SVG.
  void write_parity_plot() const {
    if (!best_) return;
    if (!best_model_) best_model_ = std::make_shared<const runtime::FittedModel>(runtime::fit_model(fit_document(history_[*best_].point), c_.base_dir, training_));
    const Dataset& data = c_.validation.single_fit() ? validation_ : training_;
    const auto pred = detail::search::predict_all(*best_model_, data);
    svg::Series e{"", {}, {}, "#1f77b4", svg::Style::points}, f{"", {}, {}, "#d62728", svg::Style::points};
    for (std::size_t k = 0; k < data.size(); ++k) {
      const Frame& fr = data[k];
      if (fr.labels.energy && fr.size()) {
        e.x.push_back(*fr.labels.energy / static_cast<double>(fr.size()));
        e.y.push_back(pred[k].energy / static_cast<double>(fr.size()));
      }
      if (fr.labels.forces)
        for (std::size_t a = 0; a < fr.size() && a < pred[k].forces.size(); ++a)
          for (int x = 0; x < 3; ++x) {
            f.x.push_back((*fr.labels.forces)[a][x]);
            f.y.push_back(pred[k].forces[a][x]);
          }
    }
    const std::string which = c_.validation.single_fit() ? "validation set" : "training set (in-sample)";
    svg::write((dir_ / "parity.svg").string(),
               {{"energy, " + which, "reference (eV/atom)", "predicted (eV/atom)", false, true, {e}},
                {"force components, " + which, "reference (eV/Å)", "predicted (eV/Å)", false, true, {f}}},
               2);
  }

  /// Fits and scores one point (thread-safe; nothing written).
  EvaluationRecord evaluate(const Point& p, std::size_t iteration) const {
    EvaluationRecord r;
    r.iteration = iteration;
    r.point = p;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      const nlohmann::json doc = fit_document(p);
      detail::search::Accumulator acc;
      if (c_.validation.single_fit()) {
        auto model = std::make_shared<const runtime::FittedModel>(runtime::fit_model(doc, c_.base_dir, training_));
        const auto pred = detail::search::predict_all(*model, validation_);
        for (std::size_t k = 0; k < validation_.size(); ++k) acc.add(validation_[k], pred[k]);
        r.errors = acc.result(c_.loss.mae, validation_.size());
        r.model = std::move(model);
      } else if (const auto fc = one_pass_config(doc)) {
        r.errors = fc->model == SnapModelKind::linear
                       ? detail::search::one_pass_fold_errors<LinearMap>(*fc, training_, folds_, c_.validation.folds)
                       : detail::search::one_pass_fold_errors<QuadraticMap>(*fc, training_, folds_, c_.validation.folds);
      } else {
        for (int f = 0; f < c_.validation.folds; ++f) {
          Dataset train, test;
          for (std::size_t k = 0; k < training_.size(); ++k) (folds_[k] == f ? test : train).push_back(training_[k]);
          const runtime::FittedModel model = runtime::fit_model(doc, c_.base_dir, train);
          const auto pred = detail::search::predict_all(model, test);
          for (std::size_t k = 0; k < test.size(); ++k) acc.add(test[k], pred[k]);
        }
        r.errors = acc.result(c_.loss.mae, training_.size());
      }
      r.loss = c_.loss.alpha * r.errors.energy / c_.loss.energy_unit +
               (1.0 - c_.loss.alpha) * r.errors.force / c_.loss.force_unit;
      if (!std::isfinite(r.loss)) throw NumericalError("the fitted model gives non-finite errors");
    } catch (const std::exception& e) {
      r.failed = true;
      r.message = e.what();
      std::replace(r.message.begin(), r.message.end(), '\n', ' ');
      r.loss = std::numeric_limits<double>::quiet_NaN();
    }
    r.fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  }

  /// The fit config document of a point (the base config with the point's values written in).
  nlohmann::json fit_document(const Point& p) const { return config_for(c_, p); }

 private:
  std::vector<std::string> header() const {
    std::vector<std::string> h = {"iteration", "status"};
    for (const auto& d : c_.space.dimensions()) h.push_back(d.name);
    for (const char* s : {"loss", "energy_error", "force_error", "energy_rmse_meV_per_atom", "force_component_rmse",
                          "fit_seconds", "message"})
      h.push_back(s);
    return h;
  }

  void append_row(const EvaluationRecord& r) const {
    using detail::search::csv_field;
    using detail::search::exact;
    using detail::search::num;
    const bool fresh = !std::filesystem::exists(history_file()) || std::filesystem::file_size(history_file()) == 0;
    std::ofstream out(history_file(), std::ios::app);
    if (fresh) {
      const auto h = header();
      for (std::size_t k = 0; k < h.size(); ++k) out << (k ? "," : "") << csv_field(h[k]);
      out << "\n";
    }
    out << r.iteration << ',' << (r.failed ? "failed" : "ok");
    for (const auto& v : r.point) out << ',' << csv_field(exact(v));
    if (r.failed) out << ",,,,,," << num(r.fit_seconds) << ',' << csv_field(r.message);
    else
      out << ',' << num(r.loss) << ',' << num(r.errors.energy) << ',' << num(r.errors.force) << ','
          << num(1e3 * r.errors.energy_rmse_per_atom) << ',' << num(r.errors.force_component_rmse) << ','
          << num(r.fit_seconds) << ',';
    out << "\n";
    out.flush();
    if (!out) throw InputError("cannot append to '" + history_file().string() + "'");
  }

  /// Reads history.csv (if any) and tells the optimiser every finished evaluation.
  void resume() {
    history_.clear();
    best_.reset();
    opt_ = Optimiser(c_.space, c_.optimiser);
    drop_incomplete_last_row();
    std::ifstream in(history_file());
    if (!in) return;
    std::string line;
    if (!std::getline(in, line)) return;
    const auto expected = header();
    if (detail::search::csv_split(line) != expected)
      throw InputError(history_file().string() + " was written for another search space (header differs)");
    std::size_t lineno = 1;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty()) continue;
      const auto f = detail::search::csv_split(line);
      if (f.size() != expected.size())
        throw ParseError(history_file().string(), lineno, "expected " + std::to_string(expected.size()) + " fields");
      try {
        EvaluationRecord r;
        r.iteration = std::stoul(f[0]);
        r.failed = f[1] == "failed";
        std::size_t col = 2;
        for (const auto& d : c_.space.dimensions()) {
          const std::string& s = f[col++];
          if (d.kind == DimensionKind::categorical) r.point.push_back(s);
          else if (d.kind == DimensionKind::integer) r.point.push_back(std::stoll(s));
          else r.point.push_back(std::stod(s));
        }
        if (!r.failed) {
          r.loss = std::stod(f[col]);
          r.errors.energy = std::stod(f[col + 1]);
          r.errors.force = std::stod(f[col + 2]);
          r.errors.energy_rmse_per_atom = 1e-3 * std::stod(f[col + 3]);
          r.errors.force_component_rmse = std::stod(f[col + 4]);
        }
        r.fit_seconds = f[col + 5].empty() ? 0.0 : std::stod(f[col + 5]);
        r.message = f[col + 6];
        if (!r.failed && (!best_ || r.loss < history_[*best_].loss)) best_ = history_.size();
        history_.push_back(std::move(r));
      } catch (const std::logic_error&) {
        throw ParseError(history_file().string(), lineno, "malformed row");
      }
    }
    // The optimiser's own checkpoint keeps the GP-hedge gains; without it, replay the history.
    const std::filesystem::path ck = dir_ / "optimiser.json";
    bool restored = false;
    if (std::filesystem::exists(ck)) {
      try {
        const nlohmann::json j = detail::search::read_json(ck, "optimiser checkpoint");
        if (j.at("observations").size() == history_.size() && j.at("pending").empty()) {
          opt_.restore(j);
          restored = true;
        }
      } catch (const std::exception&) {
        restored = false;
      }
    }
    if (!restored) {
      opt_ = Optimiser(c_.space, c_.optimiser);
      for (const auto& r : history_) {
        if (r.failed) opt_.tell_failure(r.point);
        else opt_.tell(r.point, r.loss);
      }
    }
    if (log_ && !history_.empty())
      *log_ << "pestle optimise: resumed " << history_.size() << " evaluations from " << history_file().string()
            << (restored ? " (optimiser checkpoint)" : " (replayed)") << "\n";
  }

  /// A run killed while writing leaves a last line without its newline: cut it off (that fit
  /// is simply run again).
  void drop_incomplete_last_row() const {
    if (!std::filesystem::exists(history_file())) return;
    std::string text;
    {
      std::ifstream in(history_file(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    if (text.empty() || text.back() == '\n') return;
    const std::size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    if (log_) *log_ << "pestle optimise: dropping an incomplete last line of " << history_file().string() << "\n";
    std::ofstream(history_file(), std::ios::binary | std::ios::trunc) << text.substr(0, keep);
  }

  void save_best_or_warn(const EvaluationRecord& r) const {
    try {
      save_best(r);
    } catch (const std::exception& e) {
      if (log_) *log_ << "pestle optimise: warning: could not save the best model: " << e.what() << "\n";
    }
  }

  /// Moves the first of k stratified folds of the training set into validation_.
  void hold_out(int k) {
    if (static_cast<std::size_t>(k) > training_.size()) throw InputError("too few training structures for the hold-out");
    const std::vector<int> fold = detail::search::fold_assignment(training_, k, c_.validation.seed);
    Dataset fit;
    for (std::size_t i = 0; i < training_.size(); ++i) (fold[i] == 0 ? validation_ : fit).push_back(training_[i]);
    training_ = std::move(fit);
  }

  /// k-fold CV that one descriptor pass answers exactly (see the file comment): the SNAP config, else none.
  std::optional<FitConfig> one_pass_config(const nlohmann::json& doc) const {
    if (c_.validation.refit || c_.loss.mae || !is_family("snap")) return std::nullopt;
    FitConfig fc = parse_fit_config(doc, c_.base_dir);
    if (fc.options.solver.kind == SolverKind::svd) return std::nullopt;
    return fc;
  }

  void save_best(const EvaluationRecord& r) const {
    // With a validation file or hold-out the model of this evaluation is saved; with k-fold CV the
    // saved model is fitted on the whole training set.
    const nlohmann::json doc = fit_document(r.point);
    best_model_ = r.model ? r.model : std::make_shared<const runtime::FittedModel>(runtime::fit_model(doc, c_.base_dir, training_));
    const nlohmann::json search = {{"iteration", r.iteration},
                                   {"loss", r.loss},
                                   {"energy_error", r.errors.energy},
                                   {"force_error", r.errors.force},
                                   {"energy_rmse_meV_per_atom", 1e3 * r.errors.energy_rmse_per_atom},
                                   {"force_component_rmse_eV_per_A", r.errors.force_component_rmse},
                                   {"config", doc}};
    if (is_family("gap")) {
      best_model_->save(best_model_file(), search);  // its sparseX files are named after the final path
    } else {
      const std::filesystem::path tmp = dir_ / "best.model.json.tmp";
      best_model_->save(tmp, search);
      std::filesystem::rename(tmp, best_model_file());
    }
    std::ofstream(dir_ / "best.config.json") << doc.dump(2) << "\n";
  }

  void write_checkpoint() const {
    const std::filesystem::path tmp = dir_ / "optimiser.json.tmp";
    std::ofstream(tmp) << opt_.checkpoint().dump() << "\n";
    std::filesystem::rename(tmp, dir_ / "optimiser.json");
  }

  void report(const EvaluationRecord& r) const {
    if (!log_) return;
    std::ostringstream o;
    o << "[" << r.iteration << "] ";
    for (std::size_t k = 0; k < r.point.size(); ++k) o << c_.space[k].name << "=" << to_string(r.point[k]) << " ";
    if (r.failed || !best_) o << "FAILED (" << r.message << ")";
    else {
      char buf[200];
      std::snprintf(buf, sizeof buf, "loss %.5g  E %.3f meV/atom  |F| %.4f eV/Å  (%.1f s)  best %.5g", r.loss,
                    1e3 * r.errors.energy_rmse_per_atom, r.errors.force, r.fit_seconds, history_[*best_].loss);
      o << buf;
    }
    *log_ << o.str() << std::endl;
  }

  void write_convergence_plot() const {
    if (history_.empty()) return;
    svg::Series loss{"loss", {}, {}, "#1f77b4", svg::Style::points}, best{"best loss", {}, {}, "#d62728", svg::Style::step};
    svg::Series e{"energy RMSE (meV/atom)", {}, {}, "#2ca02c", svg::Style::points};
    svg::Series f{"force-vector error (eV/Å)", {}, {}, "#9467bd", svg::Style::points};
    double b = std::numeric_limits<double>::infinity();
    for (const auto& r : history_) {
      const double it = static_cast<double>(r.iteration);
      if (r.failed) continue;
      loss.x.push_back(it), loss.y.push_back(r.loss);
      b = std::min(b, r.loss);
      best.x.push_back(it), best.y.push_back(b);
      e.x.push_back(it), e.y.push_back(1e3 * r.errors.energy_rmse_per_atom);
      f.x.push_back(it), f.y.push_back(r.errors.force);
    }
    svg::write((dir_ / "convergence.svg").string(),
               {{"loss", "evaluation", "loss", true, false, {loss, best}},
                {"energy error", "evaluation", "meV/atom", true, false, {e}},
                {"force error", "evaluation", "eV/Å", true, false, {f}}},
               1);
  }

  SearchConfig c_;
  std::filesystem::path dir_;
  std::ostream* log_;
  Optimiser opt_;
  bool is_family(const char* name) const { return std::string_view(family_->name) == name; }
  const runtime::FitFamily* family_ = nullptr;
  mutable std::shared_ptr<const runtime::FittedModel> best_model_;  // the saved best model, for the parity plot
  Dataset training_, validation_;
  std::vector<int> folds_;
  std::vector<EvaluationRecord> history_;
  std::optional<std::size_t> best_;
  std::size_t new_evaluations_ = 0;
};

}  // namespace pestle::optimise
