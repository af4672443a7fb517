#pragma once
// The work of explore::RssLoop (explore/rss_loop.hpp): inline in header-only use, compiled once in
// src/runtime_fit/compile_rss_loop.cpp with PESTLE_COMPILED_FIT.
#include <memory>

#include "pestle/explore/rss_loop.hpp"

namespace pestle::explore {

/// What RssLoop does, compiled once with PESTLE_COMPILED_FIT (explore/rss_loop.hpp declares RssLoop).
class RssLoopImpl {
 public:
  using Progress = RssLoop::Progress;

  RssLoopImpl(RssConfig config, Labeller labeller, std::filesystem::path dir, Progress progress = {})
      : c_(std::move(config)), labeller_(std::move(labeller)), dir_(std::move(dir)), progress_(std::move(progress)),
        generator_(c_.random_structures, c_.seed) {
    require_species(c_.random_structures, labeller_.species,
                    "the labeller" + (labeller_.id.empty() ? std::string() : " (" + labeller_.id + ")"));
  }

  /// Runs (or resumes) up to max_iterations iterations in total (0 = the config's "iterations").
  RssReport run(std::size_t max_iterations = 0) {
    namespace fs = std::filesystem;
    using clock = std::chrono::steady_clock;
    const std::size_t limit = max_iterations ? max_iterations : c_.iterations;
    fs::create_directories(dir_);
    RssReport report;
    Dataset training;
    runtime::CalculatorPtr model;
    // Resume: the complete iterations on disk, in order.
    for (std::size_t k = 0; fs::exists(detail::rss::iteration_dir(dir_, k) / "DONE"); ++k) {
      const fs::path it = detail::rss::iteration_dir(dir_, k);
      report.iterations.push_back(
          RssIterationRecord::from_json(read_json_file(it / "summary.json", "iteration summary")));
      report.resumed_after = k + 1;
    }
    if (report.resumed_after > 0) {
      const fs::path last = detail::rss::iteration_dir(dir_, report.resumed_after - 1);
      training = read_extxyz((last / "dataset.xyz").string());
      model = runtime::load_calculator((last / model_file()).string());
      say("resuming after iteration " + std::to_string(report.resumed_after - 1) + " (" +
          std::to_string(training.size()) + " labelled structures)");
      if (c_.target_energy_rmse_meV > 0.0 && report.iterations.back().iteration > 0 &&
          report.iterations.back().energy_rmse_meV <= c_.target_energy_rmse_meV) {
        report.target_reached = true;
        return report;
      }
    }
    const Dataset validation = validation_set(report.labels);
    const Dataset phases = phase_set(report.phase_labels);
    backfill_phase_errors(report, phases);
    if (report.resumed_after > 0 && phases_reached(report.iterations.back().phase_errors, c_.phases)) {
      report.target_reached = true;
      return report;
    }
    const auto run_start = clock::now();
    for (std::size_t k = report.resumed_after; k < limit; ++k) {
      const auto t0 = clock::now();
      RssIterationRecord rec;
      rec.iteration = k;
      std::vector<Structure> to_label;
      std::vector<std::string> types;
      if (k == 0) {
        for (Structure& s : generator_.generate(structure_index(0, 0), c_.initial_structures)) {
          to_label.push_back(std::move(s));
          types.push_back("random");
        }
        for (Structure& s : extra_structures(types)) to_label.push_back(std::move(s));
      } else if (load_selection(k, rec, to_label, types)) {
        say("iteration " + std::to_string(k) + ": reusing the " + std::to_string(to_label.size()) +
            " structures selected before the interruption");
      } else {
        say("iteration " + std::to_string(k) + ": relaxing " + std::to_string(c_.rss_structures) +
            " random structures with the current " + model_name());
        RssAnnealStats anneals;
        const std::vector<RssMinimum> minima = relax_structures(*model, starts(k, c_.rss_structures), c_.relax,
                                                                c_.seed + structure_index(k, 0), &anneals);
        rec.relaxed = minima.size();
        rec.anneal_shakes = anneals.shakes;
        rec.anneal_melted = anneals.melted;
        if (anneals.melted > 0)
          say("iteration " + std::to_string(k) + ": " + std::to_string(anneals.melted) + " of " +
              std::to_string(anneals.shakes) + " hot-AIRSS shakes melted the cell (RMS displacement >= 1 Å): lower "
              "\"relax.anneal.temperature\" or set \"relax.anneal.mobility\"");
        if (minima.empty()) throw NumericalError("iteration " + std::to_string(k) + ": every RSS relaxation failed");
        record_lowest(minima, rec, detail::rss::iteration_dir(dir_, k));
        for (std::size_t idx : select(minima, k, *model, training)) {
          to_label.push_back(minima[idx].structure);
          types.push_back("rss_" + detail::rss::pad3(k));
        }
        if (c_.md.enabled() && k >= c_.md.start_iteration) gamma_md(k, *model, training, minima, rec, to_label, types);
        save_selection(k, rec, to_label, types);
        // Label what was saved, so a first run and a resumed run label identical structures.
        to_label.clear();
        types.clear();
        load_selection(k, rec, to_label, types);
      }
      say("iteration " + std::to_string(k) + ": labelling " + std::to_string(to_label.size()) + " structures");
      LabelCounts counts;
      const std::vector<LabelOutcome> labels = label(to_label, counts);
      add_counts(report.labels, counts);
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (!labels[i].frame) continue;
        Frame f = *labels[i].frame;
        f.labels.config_type = types[i];
        training.push_back(std::move(f));
        ++rec.labelled_new;
      }
      rec.failed = counts.failed;
      rec.labelled_total = training.size();
      say("iteration " + std::to_string(k) + ": fitting " + model_name() + " to " + std::to_string(training.size()) +
          " structures");
      model = fit_and_reload(k, training);
      const ErrorReport err = error_report(*model, validation);
      rec.energy_rmse_meV = err.overall.energy_rmse_meV_per_atom();
      rec.force_rmse = err.overall.force_rmse();
      if (c_.phases.enabled()) {
        rec.phase_errors = phase_errors(*model, phases, c_.phases);
        say_phase_errors(k, rec.phase_errors);
      }
      rec.wall_seconds = std::chrono::duration<double>(clock::now() - t0).count();
      checkpoint(k, training, rec);
      report.iterations.push_back(rec);
      const double elapsed = std::chrono::duration<double>(clock::now() - run_start).count();
      const double eta = elapsed / static_cast<double>(k + 1 - report.resumed_after) * static_cast<double>(limit - k - 1);
      std::ostringstream line;
      line << std::fixed << std::setprecision(1) << "iteration " << k << "/" << limit - 1 << ": "
           << rec.labelled_total << " labelled (+" << rec.labelled_new << ", " << rec.failed
           << " failed), validation E " << rec.energy_rmse_meV << " meV/atom, F " << std::setprecision(3)
           << rec.force_rmse << " eV/Å" << std::setprecision(1) << ", " << rec.wall_seconds << " s, ETA " << eta
           << " s";
      say(line.str());
      if (c_.target_energy_rmse_meV > 0.0 && k > 0 && rec.energy_rmse_meV <= c_.target_energy_rmse_meV) {
        say("validation energy RMSE reached the target of " + std::to_string(c_.target_energy_rmse_meV) + " meV/atom");
        report.target_reached = true;
        break;
      }
      if (phases_reached(rec.phase_errors, c_.phases)) {
        say("every phase of \"phases.stop_when\" reached " + std::to_string(c_.phases.target_meV) + " meV/atom");
        report.target_reached = true;
        break;
      }
    }
    return report;
  }

  /// A fresh search with the latest model on disk: relaxes n new random structures (generator
  /// iteration 8888, so never a training or validation structure), writes the `keep` lowest
  /// minima, lowest first, to DIR/final_search/minima.xyz, labels the lowest one (through the
  /// label cache) and writes DIR/final_search/summary.json.
  RssFinalSearch final_search(std::size_t n, std::size_t keep = 10) {
    namespace fs = std::filesystem;
    const auto t0 = std::chrono::steady_clock::now();
    const fs::path model_path = dir_ / model_file();
    if (!fs::exists(model_path)) throw InputError("no fitted model in " + dir_.string() + " (run the loop first)");
    const runtime::CalculatorPtr model = runtime::load_calculator(model_path.string());
    say("final search: relaxing " + std::to_string(n) + " random structures with the final " + model_name());
    std::vector<RssMinimum> minima = relax_structures(*model, starts(8888, n), c_.relax, c_.seed + structure_index(8888, 0));
    if (minima.empty()) throw NumericalError("final search: every relaxation failed");
    std::stable_sort(minima.begin(), minima.end(),
                     [](const RssMinimum& a, const RssMinimum& b) { return a.enthalpy_per_atom < b.enthalpy_per_atom; });
    RssFinalSearch out;
    out.relaxed = minima.size();
    const RssMinimum& best = minima.front();
    out.lowest_enthalpy = best.enthalpy_per_atom;
    out.lowest_atoms = best.structure.size();
    out.lowest_volume = best.structure.volume() / static_cast<double>(out.lowest_atoms);
    const fs::path where = dir_ / "final_search";
    fs::create_directories(where);
    Dataset d;
    for (std::size_t i = 0; i < std::min(keep, minima.size()); ++i) {
      Frame f;
      f.structure = minima[i].structure;
      f.labels.info.set("enthalpy_per_atom", minima[i].enthalpy_per_atom);
      f.labels.info.set("converged", minima[i].converged ? "T" : "F");
      d.push_back(std::move(f));
    }
    write_extxyz((where / "minima.xyz").string(), d);
    LabelCounts counts;
    const std::vector<LabelOutcome> label_of_best = label({best.structure}, counts);
    if (label_of_best[0].frame && label_of_best[0].frame->labels.energy)
      out.lowest_reference_energy = *label_of_best[0].frame->labels.energy / static_cast<double>(out.lowest_atoms);
    if (rss_species(c_.random_structures).size() > 1) out.hull = write_hulls(minima);
    out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::ofstream(where / "summary.json") << out.to_json().dump(1) << "\n";
    return out;
  }

  static std::uint64_t structure_index(std::size_t k, std::size_t j) { return RssLoop::structure_index(k, j); }

 private:
  void say(const std::string& m) const {
    if (progress_) progress_(m);
  }

  /// The `count` starts of generator iteration k's RSS relaxations; with "datum", a fraction of them
  /// minimised on the datum cost first (start j when ⌊(j+1)f⌋ > ⌊jf⌋, so they are spread evenly).
  std::vector<Structure> starts(std::size_t k, std::size_t count) const {
    std::vector<Structure> out = generator_.generate(structure_index(k, 0), count);
    if (!c_.datum) return out;
    const auto cost = default_datum_cost(c_.datum->structure, c_.datum->cost);
    RelaxOptions ro;
    ro.fmax = 1e-3;
    ro.stress_tolerance = 1e-5;
    ro.max_steps = c_.datum->max_steps;
    ro.max_step = 0.2;
    ro.relax_cell = true;
    const double f = c_.datum->fraction;
    std::size_t derived = 0;
    for (std::size_t j = 0; j < count; ++j) derived += std::floor(double(j + 1) * f) > std::floor(double(j) * f);
    tbb::parallel_for(std::size_t{0}, count, [&](std::size_t j) {
      if (!(std::floor(double(j + 1) * f) > std::floor(double(j) * f))) return;
      try {
        out[j] = relax_fire(cost, out[j], ro).structure;
      } catch (const Error&) {
        // a start the cost cannot minimise stays a plain random start
      }
    });
    say("iteration " + std::to_string(k) + ": " + std::to_string(derived) + " of " + std::to_string(count) +
        " starts minimised on the datum cost");
    return out;
  }

  static void add_counts(LabelCounts& total, const LabelCounts& c) {
    total.computed += c.computed;
    total.cached += c.cached;
    total.failed += c.failed;
  }

  std::vector<LabelOutcome> label(const std::vector<Structure>& s, LabelCounts& counts) const {
    return label_structures(labeller_, s, dir_ / "labels", &counts, [&](std::size_t done, std::size_t total) {
      if (done == total || done % 10 == 0) say("  labelled " + std::to_string(done) + "/" + std::to_string(total));
    });
  }

  /// Held-out random structures (never trained on), labelled once and written to DIR/validation.xyz.
  Dataset validation_set(LabelCounts& totals) const {
    Dataset v;
    if (c_.validation_structures == 0) return v;
    LabelCounts counts;
    const auto out = label(generator_.generate(structure_index(9999, 0), c_.validation_structures), counts);
    add_counts(totals, counts);
    for (const auto& o : out)
      if (o.frame) v.push_back(*o.frame);
    if (v.empty()) throw NumericalError("every validation structure failed to label");
    write_extxyz((dir_ / "validation.xyz").string(), v);
    return v;
  }

  /// The known phases' rattled copies ("phases"), labelled once through their own cache
  /// (DIR/phase_labels/) and written to DIR/phases.xyz; never part of the training set.
  Dataset phase_set(LabelCounts& totals) const {
    Dataset labelled;
    if (!c_.phases.enabled()) return labelled;
    const Dataset copies = phase_copies(c_.phases, c_.seed);
    std::vector<Structure> structures;
    for (const Frame& f : copies) structures.push_back(f.structure);
    say("phases: labelling " + std::to_string(copies.size()) + " rattled copies of " +
        std::to_string(c_.phases.phases.size()) + " known phases (not training data)");
    LabelCounts counts;
    const auto out = label_structures(labeller_, structures, dir_ / "phase_labels", &counts,
                                      [&](std::size_t done, std::size_t total) {
                                        if (done == total || done % 10 == 0)
                                          say("  phases labelled " + std::to_string(done) + "/" + std::to_string(total));
                                      });
    add_counts(totals, counts);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!out[i].frame) continue;
      Frame f = *out[i].frame;
      f.labels.config_type = copies[i].labels.config_type;
      labelled.push_back(std::move(f));
    }
    if (counts.failed > 0) say("phases: " + std::to_string(counts.failed) + " copies failed to label and are left out");
    write_extxyz((dir_ / "phases.xyz").string(), labelled);
    return labelled;
  }

  /// Iterations completed before "phases" was configured (or with other phases) get their errors
  /// from their own model on disk, so the curve covers the whole run.
  void backfill_phase_errors(RssReport& report, const Dataset& phases) const {
    if (!c_.phases.enabled() || report.iterations.empty()) return;
    auto names = [](const std::vector<PhaseError>& e) {
      std::vector<std::string> n;
      for (const PhaseError& x : e) n.push_back(x.phase);
      return n;
    };
    std::vector<std::string> wanted;
    for (const KnownPhase& p : c_.phases.phases) wanted.push_back(p.name);
    for (RssIterationRecord& r : report.iterations) {
      if (names(r.phase_errors) == wanted) continue;
      const std::filesystem::path it = detail::rss::iteration_dir(dir_, r.iteration);
      const runtime::CalculatorPtr m = runtime::load_calculator((it / model_file()).string());
      r.phase_errors = phase_errors(*m, phases, c_.phases);
      std::ofstream(it / "summary.json") << r.to_json().dump(1) << "\n";
      say_phase_errors(r.iteration, r.phase_errors);
    }
    write_phase_curve_from_disk(report.iterations.back().iteration);
  }

  void say_phase_errors(std::size_t k, const std::vector<PhaseError>& errors) const {
    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << "iteration " << k << ": phase errors (meV/atom)";
    for (const PhaseError& e : errors) line << " " << e.phase << " " << e.energy_rmse_meV;
    say(line.str());
  }

  /// DIR/phase_errors.{csv,svg,json} from the summaries of iterations 0..last.
  void write_phase_curve_from_disk(std::size_t last) const {
    if (!c_.phases.enabled()) return;
    std::vector<PhaseCurvePoint> curve;
    for (std::size_t k = 0; k <= last; ++k) {
      const auto r = RssIterationRecord::from_json(
          read_json_file(detail::rss::iteration_dir(dir_, k) / "summary.json", "iteration summary"));
      curve.push_back({r.iteration, r.labelled_total, r.phase_errors});
    }
    write_phase_curve(dir_, curve, c_.phases);
  }

  /// Dimers and isolated atoms of iteration 0.
  std::vector<Structure> extra_structures(std::vector<std::string>& types) {
    std::vector<int> species;
    for (const auto& p : c_.random_structures)
      for (int z : p.species())
        if (std::find(species.begin(), species.end(), z) == species.end()) species.push_back(z);
    std::sort(species.begin(), species.end());
    std::vector<Structure> out;
    if (c_.isolated_atoms)
      for (int z : species) {
        out.push_back(isolated_atom(z));
        types.push_back("isolated_atom");
      }
    if (c_.dimer_count > 0)
      for (Structure& s : dimer_structures(species, c_.dimer_r_min, c_.dimer_r_max, c_.dimer_count)) {
        out.push_back(std::move(s));
        types.push_back("dimer");
      }
    return out;
  }

  /// e0 from the labelled isolated atoms when there are any (GAP then learns the binding
  /// energy), else the mean energy per atom.
  GapFitSettings fit_settings(const Dataset& training) const {
    GapFitSettings s = c_.fit;
    s.seed = c_.seed;
    s.e0 = isolated_atom_energies(training);
    s.e0_average = s.e0.empty();
    if (!s.e0_average)
      for (int z : training.species())
        if (!s.e0.count(z)) s.e0_average = true;  // some element has no isolated atom
    return s;
  }

  static std::map<int, double> isolated_atom_energies(const Dataset& training) {
    std::map<int, double> e0;
    for (const Frame& f : training)
      if (f.labels.config_type == "isolated_atom" && f.size() == 1) e0[f.structure.numbers[0]] = *f.labels.energy;
    return e0;
  }

  /// Early data sets can hold fewer distinct SOAP environments than a term's n_sparse (symmetric
  /// structures repeat environments); then n_sparse is lowered to what exists, as the fit reports it.
  GapModel fit_with_capped_sparsity(Dataset& training) const {
    scale_regularisation(training);
    GapFitSettings s = fit_settings(training);
    s.gap = detail::rss::cap_n_sparse(s.gap, training.atom_count());
    for (int attempt = 0;; ++attempt) {
      try {
        return fit_gap(training, s);
      } catch (const TooFewEnvironments& e) {
        // early on, one term (one species' SOAP, say) may have fewer environments than n_sparse
        if (attempt >= 4 || e.available == 0) throw;
        say("  lowering n_sparse to " + std::to_string(e.available) + " (environments so far)");
        s.gap = detail::rss::cap_n_sparse(s.gap, e.available);
      }
    }
  }

  void scale_regularisation(Dataset& training) const {
    apply_energy_scaled_sigma(training, c_.energy_sigma_fraction, c_.fit.sigma.energy);
  }

  /// The γ-driven MD stage of iteration k (explore/gamma_md.hpp): runs from the `runs` lowest minima and
  /// from `random_starts` fresh random cells, with the active set of the model of iteration k-1 over
  /// the training set it was fitted to; the selected frames join this iteration's labels.
  void gamma_md(std::size_t k, const runtime::Calculator& model, const Dataset& training,
                const std::vector<RssMinimum>& minima, RssIterationRecord& rec, std::vector<Structure>& to_label,
                std::vector<std::string>& types) {
    const std::filesystem::path model_path = detail::rss::iteration_dir(dir_, k - 1) / model_file();
    const runtime::Grader grader = runtime::Grader::from_training(model_path.string(), training);
    std::vector<std::size_t> order(minima.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return minima[a].enthalpy_per_atom < minima[b].enthalpy_per_atom;
    });
    std::vector<Structure> starts;
    for (std::size_t i = 0; i < std::min(c_.md.runs, order.size()); ++i) starts.push_back(minima[order[i]].structure);
    for (Structure& s : generator_.generate(structure_index(k, 500000), c_.md.random_starts)) starts.push_back(std::move(s));
    say("iteration " + std::to_string(k) + ": gamma-driven MD, " + std::to_string(starts.size()) + " runs of " +
        std::to_string(c_.md.steps) + " steps");
    const GammaMdOutcome md = gamma_md_stage(model, grader, starts, c_.md, Soap<>(selection_soap(starts)),
                                             c_.seed + structure_index(k, 500000));
    rec.md_runs = md.runs.size();
    rec.md_stopped = md.stopped;
    rec.md_candidates = md.candidates;
    rec.md_selected = md.selected.size();
    rec.md_max_gamma = md.max_gamma;
    for (const Structure& s : md.selected) {
      to_label.push_back(s);
      types.push_back("md_" + detail::rss::pad3(k));
    }
    std::ostringstream line;
    line << std::setprecision(3) << "iteration " << k << ": MD largest gamma " << md.max_gamma << ", " << md.stopped
         << " of " << md.runs.size() << " runs stopped above " << c_.md.gamma_high << ", " << md.candidates
         << " candidates, " << md.selected.size() << " selected";
    say(line.str());
  }

  /// The loop's selection SOAP, over every species of the given structures.
  SoapParams selection_soap(const std::vector<Structure>& structures) const {
    SoapParams sp = c_.selection_soap;
    std::vector<int> species;
    for (const auto& s : structures) species.insert(species.end(), s.numbers.begin(), s.numbers.end());
    std::sort(species.begin(), species.end());
    species.erase(std::unique(species.begin(), species.end()), species.end());
    if (species.size() > 1) {
      sp.species_Z = species;
      sp.central_reference_all_species = false;
    }
    return sp;
  }

  std::vector<std::size_t> select(const std::vector<RssMinimum>& minima, std::size_t k, const runtime::Calculator& model,
                                  const Dataset& training) const {
    std::vector<double> h;
    std::vector<Structure> s;
    for (const auto& m : minima) {
      h.push_back(m.enthalpy_per_atom);
      s.push_back(m.structure);
    }
    if (c_.select_by_spread) return select_by_spread(h, s, k, model);
    if (c_.select_by_uncertainty) return select_by_uncertainty(h, s, k, training);
    const Soap<> soap(selection_soap(s));
    return boltzmann_cur_select(h, average_soap_matrix(soap, s), c_.pool, c_.select, c_.kT, c_.seed + k);
  }

  /// Active learning for any model family: a Boltzmann-histogram pool as for CUR, then the `select`
  /// minima of the pool with the largest uncertainty of any atom (runtime::Grader of the model that
  /// relaxed them: γ for ACE over an active set of its training atoms, the predictive variance for
  /// GAP, the ensemble spread for EDDP).
  std::vector<std::size_t> select_by_uncertainty(const std::vector<double>& h, const std::vector<Structure>& s,
                                                 std::size_t k, const Dataset& training) const {
    const std::filesystem::path model_path = detail::rss::iteration_dir(dir_, k - 1) / model_file();
    const runtime::Grader grader = runtime::Grader::from_training(model_path.string(), training);
    const std::vector<std::size_t> pool = boltzmann_histogram_select(h, std::max(c_.pool, c_.select), c_.kT, c_.seed + k);
    std::vector<double> grade(pool.size());
    tbb::parallel_for(std::size_t{0}, pool.size(), [&](std::size_t r) { grade[r] = grader.max_grade(s[pool[r]]); });
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t r = 0; r < pool.size(); ++r) ranked.emplace_back(-grade[r], pool[r]);
    std::stable_sort(ranked.begin(), ranked.end());
    std::vector<std::size_t> out;
    for (std::size_t r = 0; r < std::min(c_.select, ranked.size()); ++r) out.push_back(ranked[r].second);
    std::sort(out.begin(), out.end());
    std::ostringstream line;
    line << std::setprecision(3) << "iteration " << k << ": largest " << grader.column() << " in the pool "
         << -ranked.front().first << ", smallest selected " << -ranked[out.size() - 1].first;
    say(line.str());
    return out;
  }

  /// EDDP's active learning: a Boltzmann-histogram pool as for CUR, then the `select` minima of the
  /// pool on which the ensemble's members disagree most (largest spread per atom).
  std::vector<std::size_t> select_by_spread(const std::vector<double>& h, const std::vector<Structure>& s,
                                            std::size_t k, const runtime::Calculator& model) const {
    const EddpPotential* eddp = model.as<EddpPotential>();
    if (!eddp) throw InputError("\"selection\": \"spread\" needs the loop's model to be an EDDP");
    const std::vector<std::size_t> pool = boltzmann_histogram_select(h, std::max(c_.pool, c_.select), c_.kT, c_.seed + k);
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t i : pool) ranked.emplace_back(-eddp_spread(*eddp, s[i]).sigma_per_atom, i);
    std::stable_sort(ranked.begin(), ranked.end());
    std::vector<std::size_t> out;
    for (std::size_t r = 0; r < std::min(c_.select, ranked.size()); ++r) out.push_back(ranked[r].second);
    std::sort(out.begin(), out.end());
    std::ostringstream line;
    line << std::setprecision(3) << "iteration " << k << ": largest EDDP spread in the pool "
         << 1000.0 * -ranked.front().first << " meV/atom";
    say(line.str());
    return out;
  }

  void record_lowest(const std::vector<RssMinimum>& minima, RssIterationRecord& rec,
                     const std::filesystem::path& it) const {
    std::size_t best = 0;
    for (std::size_t i = 1; i < minima.size(); ++i)
      if (minima[i].enthalpy_per_atom < minima[best].enthalpy_per_atom) best = i;
    rec.lowest_enthalpy = minima[best].enthalpy_per_atom;
    rec.lowest_atoms = minima[best].structure.size();
    rec.lowest_volume = minima[best].structure.volume() / static_cast<double>(rec.lowest_atoms);
    std::filesystem::create_directories(it);
    Dataset d;
    Frame f;
    f.structure = minima[best].structure;
    f.labels.info.set("enthalpy_per_atom", minima[best].enthalpy_per_atom);
    d.push_back(std::move(f));
    write_extxyz((it / "lowest.xyz").string(), d);
  }

  // The selection of an iteration is saved before labelling starts. Relaxations run in parallel and
  // their last bits can differ between runs, so an interrupted iteration resumes from the saved
  // selection rather than relaxing again: the cache then holds exactly its structures.
  void save_selection(std::size_t k, const RssIterationRecord& rec, const std::vector<Structure>& selected,
                      const std::vector<std::string>& types) const {
    const std::filesystem::path it = detail::rss::iteration_dir(dir_, k);
    Dataset d;
    for (std::size_t i = 0; i < selected.size(); ++i) {
      Frame f;
      f.structure = selected[i];
      f.labels.config_type = types[i];
      d.push_back(std::move(f));
    }
    write_extxyz((it / "selected.xyz.tmp").string(), d);
    std::ofstream(it / "selection.json.tmp") << rec.to_json().dump(1) << "\n";
    // Renamed in this order, selection.json marks a complete selected.xyz.
    std::filesystem::rename(it / "selected.xyz.tmp", it / "selected.xyz");
    std::filesystem::rename(it / "selection.json.tmp", it / "selection.json");
  }

  bool load_selection(std::size_t k, RssIterationRecord& rec, std::vector<Structure>& selected,
                      std::vector<std::string>& types) const {
    const std::filesystem::path it = detail::rss::iteration_dir(dir_, k);
    if (!std::filesystem::exists(it / "selection.json")) return false;
    rec = RssIterationRecord::from_json(read_json_file(it / "selection.json", "saved RSS selection"));
    for (Frame& f : read_extxyz((it / "selected.xyz").string())) {
      types.push_back(f.labels.config_type);
      selected.push_back(std::move(f.structure));
    }
    return true;
  }

  /// A variable-composition search: DIR/hull.csv (every minimum, the model's enthalpies), then the
  /// lowest minimum of each reduced composition labelled (through the cache) into
  /// DIR/final_search/hull_labelled.xyz and DIR/hull_labeller.csv, and both hulls in DIR/hull.svg
  /// (binary only). A hull that cannot be formed (an end member never relaxed) is reported, not fatal.
  nlohmann::json write_hulls(const std::vector<RssMinimum>& minima) {
    nlohmann::json summary;
    std::vector<HullPoint> points;
    std::map<std::string, std::size_t> lowest_of;  // reduced formula -> index of its lowest minimum (sorted input)
    for (std::size_t i = 0; i < minima.size(); ++i) {
      CellComposition atoms;
      for (int z : minima[i].structure.numbers) ++atoms[z];
      points.push_back({atoms, minima[i].enthalpy_per_atom, "final_" + std::to_string(i)});
      lowest_of.emplace(reduced_formula(atoms), i);
    }
    std::vector<std::pair<std::string, ConvexHull>> plotted;
    try {
      ConvexHull model = convex_hull(points);
      write_hull_csv((dir_ / "hull.csv").string(), model);
      summary["model"] = hull_vertices_json(model);
      plotted.emplace_back(model_name(), std::move(model));
    } catch (const InputError& e) {
      say(std::string("final search: no model hull: ") + e.what());
      summary["model_error"] = e.what();
    }
    std::vector<Structure> lowest;
    std::vector<std::size_t> index;
    for (const auto& [name, i] : lowest_of) {
      lowest.push_back(minima[i].structure);
      index.push_back(i);
    }
    say("final search: labelling the lowest minimum of each of " + std::to_string(lowest.size()) + " compositions");
    LabelCounts counts;
    const std::vector<LabelOutcome> labels = label(lowest, counts);
    Dataset labelled;
    for (std::size_t k = 0; k < labels.size(); ++k) {
      if (!labels[k].frame || !labels[k].frame->labels.energy) continue;
      Frame f = *labels[k].frame;
      f.labels.info.set("hull_id", "final_" + std::to_string(index[k]));
      f.labels.info.set("enthalpy_per_atom", minima[index[k]].enthalpy_per_atom);
      labelled.push_back(std::move(f));
    }
    write_extxyz((dir_ / "final_search" / "hull_labelled.xyz").string(), labelled);
    try {
      ConvexHull reference = convex_hull(hull_points(labelled, "the labelled minima"));
      write_hull_csv((dir_ / "hull_labeller.csv").string(), reference);
      summary["labeller"] = hull_vertices_json(reference);
      plotted.emplace_back("labeller", std::move(reference));
    } catch (const InputError& e) {
      say(std::string("final search: no labeller hull: ") + e.what());
      summary["labeller_error"] = e.what();
    }
    if (!plotted.empty() && plotted.front().second.elements.size() <= 3) {
      bool same = true;
      for (const auto& [name, h] : plotted) same = same && h.elements == plotted.front().second.elements;
      if (same) write_hull_svg((dir_ / "hull.svg").string(), plotted);
    }
    return summary;
  }

  std::string model_name() const {
    return c_.model == RssModelKind::gap ? "GAP" : c_.model == RssModelKind::eddp ? "EDDP" : "linear ACE";
  }

  std::string model_file() const { return rss_model_file(c_.model); }

  // The model continues from its file, exactly as a resumed run reads it, so a resumed iteration
  // relaxes with bit-identical numbers and finds its labels in the cache.
  runtime::CalculatorPtr fit_and_reload(std::size_t k, Dataset& training) const {
    const std::filesystem::path it = detail::rss::iteration_dir(dir_, k);
    std::filesystem::create_directories(it);
    const std::string file = (it / model_file()).string();
    if (c_.model == RssModelKind::gap) io::write_gap_xml(fit_with_capped_sparsity(training), file);
    else if (c_.model == RssModelKind::eddp) fit_eddp(k, training, file);
    else save_ace_linear_model(file, fit_ace(training));
    return runtime::load_calculator(file);
  }

  /// Linear ACE with e0 from the labelled isolated atoms (when every element has one).
  AceLinearModel fit_ace(Dataset& training) const {
    apply_energy_scaled_sigma(training, c_.energy_sigma_fraction, c_.ace.energy_sigma);
    FitOptions options = c_.ace.options;
    const std::map<int, double> e0 = isolated_atom_energies(training);
    if (!e0.empty()) options.design.reference_energies = e0;
    return fit_ace_linear(c_.ace.spec, training, options, c_.ace.smoothness);
  }

  /// A fresh EDDP ensemble on everything labelled so far (ephemeral: nothing carries over from the
  /// last iteration's networks), seeded by the iteration so a resumed run trains the same one.
  void fit_eddp(std::size_t k, const Dataset& labelled, const std::string& file) const {
    // Energy-scaled weights (energy_sigma_fraction) make the low-energy structures, where the
    // search looks for minima, count more than the random high-energy cells.
    Dataset training = labelled;
    apply_energy_scaled_sigma(training, c_.energy_sigma_fraction, c_.eddp_energy_sigma);
    EddpTrainSettings s = c_.eddp;
    s.seed = c_.eddp.seed + 7919 * k;
    if (s.features.species.empty()) s.features.species = rss_species(c_.random_structures);
    std::ostringstream log;
    EddpTrainReport report;
    EddpModel model;
    try {
      model = train_eddp(training, s, &report, &log);
    } catch (const NumericalError& e) {
      // Nothing of this iteration is marked done: a rerun resumes from the last complete one.
      const std::string last = k == 0 ? std::string("none") : detail::rss::iteration_dir(dir_, k - 1).string();
      throw NumericalError("iteration " + std::to_string(k) + ": " + e.what() + "; the loop stopped, the labels are in " +
                           (dir_ / "labels").string() + " and the last complete iteration is " + last);
    }
    std::ostringstream line;
    line << std::setprecision(3) << "  EDDP: " << model.members().size() << " of " << report.members.size()
         << " members kept, validation " << 1000.0 * report.ensemble_validation_rmse << " meV/atom";
    say(line.str());
    save_eddp_model(file, s.features, model, {{"iteration", k}});
  }

  void checkpoint(std::size_t k, const Dataset& training, const RssIterationRecord& rec) const {
    namespace fs = std::filesystem;
    const fs::path it = detail::rss::iteration_dir(dir_, k);
    fs::create_directories(it);
    write_extxyz((it / "dataset.xyz").string(), training);
    std::ofstream(it / "summary.json") << rec.to_json().dump(1) << "\n";
    std::ofstream(it / "log.txt") << "iteration " << k << "\n" << rec.to_json().dump(1) << "\n";
    // DIR/model.xml|json is the latest fit; the GAP XML names its sparseX files, so copy them too.
    for (const auto& e : fs::directory_iterator(it)) {
      const std::string name = e.path().filename().string();
      if (name.rfind(model_file(), 0) == 0) fs::copy_file(e.path(), dir_ / name, fs::copy_options::overwrite_existing);
    }
    write_log_csv(k);
    write_phase_curve_from_disk(k);
    std::ofstream(it / "DONE") << "complete\n";  // written last: the resume marker
  }

  void write_log_csv(std::size_t last) const {
    std::ofstream csv(dir_ / "log.csv");
    csv << "iteration,labelled_total,labelled_new,failed,relaxed,validation_energy_rmse_meV_per_atom,"
           "validation_force_rmse_eV_per_A,lowest_enthalpy_eV_per_atom,lowest_volume_A3_per_atom,lowest_atoms,"
           "wall_seconds,md_runs,md_stopped,md_candidates,md_selected,md_max_gamma,anneal_shakes,anneal_melted\n";
    for (std::size_t k = 0; k <= last; ++k) {
      const auto r = RssIterationRecord::from_json(
          read_json_file(detail::rss::iteration_dir(dir_, k) / "summary.json", "iteration summary"));
      csv << r.iteration << "," << r.labelled_total << "," << r.labelled_new << "," << r.failed << "," << r.relaxed
          << "," << r.energy_rmse_meV << "," << r.force_rmse << "," << r.lowest_enthalpy << "," << r.lowest_volume
          << "," << r.lowest_atoms << "," << r.wall_seconds << "," << r.md_runs << "," << r.md_stopped << ","
          << r.md_candidates << "," << r.md_selected << "," << r.md_max_gamma << "," << r.anneal_shakes << ","
          << r.anneal_melted << "\n";
    }
  }

  RssConfig c_;
  Labeller labeller_;
  std::filesystem::path dir_;
  Progress progress_;
  RandomStructureGenerator generator_;
};

PESTLE_FIT_INLINE RssLoop::RssLoop(RssConfig config, Labeller labeller, std::filesystem::path dir, Progress progress)
    : impl_(std::make_unique<RssLoopImpl>(std::move(config), std::move(labeller), std::move(dir), std::move(progress))) {}

PESTLE_FIT_INLINE RssLoop::~RssLoop() = default;

PESTLE_FIT_INLINE RssReport RssLoop::run(std::size_t max_iterations) { return impl_->run(max_iterations); }

PESTLE_FIT_INLINE RssFinalSearch RssLoop::final_search(std::size_t n, std::size_t keep) { return impl_->final_search(n, keep); }

}  // namespace pestle::explore
