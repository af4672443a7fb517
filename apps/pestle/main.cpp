// pestle: the command-line tool. Each sub-command lives in its own translation unit,
// apps/pestle/cmd_<name>.cpp, and is registered once, in the table below.
#include <iostream>
#include <streambuf>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

namespace {

const std::vector<pestle::cli::Command>& commands() {
  static const std::vector<pestle::cli::Command> table = {
      {"info", "pestle info FILE.xyz...", "frames, atoms, species, cell volumes and labels of extended-XYZ files",
       pestle::cli::run_info},
      {"fit", "pestle fit CONFIG.json [-o MODEL]", "fit a potential described by a JSON config (SNAP/qSNAP/linear ACE -> .json, GAP -> QUIP .xml); under mpirun -np N the ranks share the rows of SNAP, qSNAP, linear ACE and GAP fits",
       pestle::cli::run_fit},
      {"predict", "pestle predict MODEL IN.xyz -o OUT.xyz [--active-set MODEL.asi | --variance]", "write energies, forces and stress of a model (MODEL: .json, GAP .xml, .snapcoeff, .ace, .sw, .tersoff, .eam[.alloy]); with an active set also the extrapolation grade per atom (column gamma), with --variance the predictive variance per atom of a GAP (column gap_variance, eV^2) or the member spread per atom of an EDDP (column eddp_spread, eV)",
       pestle::cli::run_predict},
      {"activeset", "pestle activeset MODEL TRAIN.xyz [-o OUT.asi]",
       "MaxVol active set of a SNAP/qSNAP or pestle ACE model over its training atoms, for the extrapolation grade gamma (pestle predict --active-set)",
       pestle::cli::run_activeset},
      {"cv", "pestle cv CONFIG.json [--folds K] [--alpha A] [--by-family] [--frame-errors OUT.csv] [--write-config OUT.json] SNAP: [--rcutfac a,b] [--energy-weights ...] [--ridges ...] GAP: [--energy-sigmas ...] [--force-sigmas ...] [--virial-sigmas ...] ACE: [--cutoffs ...] [--energy-weights ...] [--ridges ...] [--smoothness ...]",
       "choose hyperparameters of a fit config (SNAP: rcutfac, energy weight, ridge; GAP: default_sigma; linear ACE: cutoff, energy weight, ridge, smoothness) by k-fold cross-validation on its training data",
       pestle::cli::run_cv},
      {"errors", "pestle errors MODEL DATA.xyz [--json]", "energy/force/stress errors of a model on labelled data",
       pestle::cli::run_errors},
      {"optimise", "pestle optimise CONFIG.json [-o DIR] [--budget N] [--threads N]",
       "Bayesian hyperparameter search over a fit config (XPOT loss); rerun with the same DIR to continue",
       pestle::cli::run_optimise},
      {"convert", "pestle convert IN OUT", "rewrite a model in another format (.json, GAP .xml, .snapcoeff, .yace) where it fits",
       pestle::cli::run_convert},
      {"describe", "pestle describe DESCRIPTOR IN.xyz -o OUT.csv [--gradients]",
       "descriptor vectors (and gradients, to OUT.grad.csv) of the first frame; DESCRIPTOR is a QUIP descriptor string",
       pestle::cli::run_describe},
      {"export", "pestle export MODEL.json -o PREFIX", "write a SNAP/qSNAP model as LAMMPS PREFIX.snapcoeff + PREFIX.snapparam",
       pestle::cli::run_export},
      {"validate", "pestle validate CONFIG.json [-o DIR]", "physical validation (E-V, elastic, phonons, defects, melt-quench, MD stability, parity) against a reference; writes DIR/summary.json, report.md, *.svg", pestle::cli::run_validate},
      {"hull", "pestle hull FILE.xyz [-o PREFIX] [--relax MODEL] [--pressure GPA]",
       "convex hull of formation energies of labelled structures (optionally relaxed with MODEL first): PREFIX.csv, PREFIX.svg (binary)",
       pestle::cli::run_hull},
      {"survive", "pestle survive MODEL [--atoms N] [--temperature K] [--ps T] [--runs R] [--composition Si:1,C:1] [--volume A3] [--hard-sphere A] [--collapse A] [--timestep FS] [--check-every N] [--seed S] [--active-set F.asi [--gamma-limit G]] [-o PREFIX]",
       "survival test: hot Langevin MD from hard-sphere random starts, fraction of runs without collapse (defaults: 1000 atoms, 3000 K, 500 ps, 10 runs); PREFIX.json, PREFIX.md",
       pestle::cli::run_survive},
      {"rss", "pestle rss CONFIG.json [-o DIR] [--max-iterations N] [--final-search N]",
       "random structure search -> label -> fit (GAP or linear ACE) loop; DIR (default rss) holds iter_XXX/ checkpoints, model.xml|json, log.csv; rerun to resume; --final-search N relaxes N new random structures with the final model into DIR/final_search/",
       pestle::cli::run_rss},
      {"generate", "pestle generate --datum FILE.xyz [--frame K] [--composition Si8] [--count N] [--seed S] [-o OUT.xyz] [--relax MODEL [--pressure GPA]] [--alpha A] [--beta B] [--steps N] [--fixed-cell]",
       "datum-derived structures: random cells (default: the datum's composition, at its density) minimised on a SOAP environment cost against the datum (positions and cell), optionally relaxed with MODEL afterwards (defaults: 10 structures, seed 1, generated.xyz, alpha 10, beta 1e5)",
       pestle::cli::run_generate},
  };
  return table;
}

void print_help(std::ostream& os) {
  os << "pestle - machine-learned interatomic potentials\n\nusage: pestle <command> [arguments]\n\ncommands:\n";
  for (const auto& c : commands()) os << "  " << c.usage << "\n      " << c.summary << "\n";
  os << "\n'pestle <command> --help' describes one command.\n";
}

/// Under mpirun with more than one rank only `pestle fit` and `pestle cv` run (their rows are shared
/// over the ranks); rank 0 alone prints and writes files.
bool refuse_parallel(const pestle::cli::Command& c) {
  const pestle::Communicator& world = pestle::cli::world();
  if (world.size() == 1 || c.name == "fit" || c.name == "cv") return false;
  if (world.is_root())
    std::cerr << "pestle " << c.name << ": runs on one MPI rank only (started with " << world.size()
              << "); of the commands only 'pestle fit' and 'pestle cv' share their work over ranks\n";
  return true;
}

/// A stream buffer that drops what it is given.
struct Discard : std::streambuf {
  int overflow(int c) override { return c; }
};

void silence_other_ranks() {
  static Discard discard;
  if (pestle::cli::world().is_root()) return;
  std::cout.rdbuf(&discard);
  std::cerr.rdbuf(&discard);
}

int run(std::vector<std::string> args) {
  if (args.empty()) {
    print_help(std::cerr);
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(std::cout);
    return 0;
  }
  for (const auto& c : commands()) {
    if (c.name != args[0]) continue;
    args.erase(args.begin());
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << "usage: " << c.usage << "\n" << c.summary << "\n";
      return 0;
    }
    if (refuse_parallel(c)) return 2;
    silence_other_ranks();
    return pestle::cli::guarded(c, args);
  }
  std::cerr << "pestle: unknown command '" << args[0] << "' (see pestle --help)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  pestle::cli::start_world(argc, argv);
  const int code = run(std::vector<std::string>(argv + 1, argv + argc));
  pestle::cli::stop_world();
  return code;
}
