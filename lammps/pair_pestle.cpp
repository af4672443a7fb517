// pair_style pestle: see pair_pestle.h. Written against the public Pair interface of LAMMPS
// (29 Sep 2021 and later); the physics is all in pestle's headers.
#include "pair_pestle.h"

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "pestle/core/elements.hpp"
#include "pestle/neighbours/neighbour_source.hpp"
#include "pestle/runtime/grader.hpp"
#include "pestle/runtime/load.hpp"
#if defined(PESTLE_LAMMPS_FULL_LIST)
#include "neigh_list.h"
#include "neigh_request.h"
#include "neighbor.h"
#endif

#include <tbb/global_control.h>

using namespace LAMMPS_NS;

namespace {

#if defined(PESTLE_LAMMPS_FULL_LIST)
/// LAMMPS's full neighbour list as a pestle::NeighbourSource (neighbours/neighbour_source.hpp):
/// centre i is owned atom i, its neighbours the entries of its row (special-bond bits masked off).
struct LammpsNeighbours {
  const NeighList *list;
  std::vector<int> row;  // row of owned atom i in list->ilist

  LammpsNeighbours(const NeighList *l, int nlocal) : list(l), row(static_cast<std::size_t>(nlocal), -1) {
    for (int ii = 0; ii < l->inum; ii++)
      if (l->ilist[ii] < nlocal) row[static_cast<std::size_t>(l->ilist[ii])] = ii;
  }
  std::size_t centres() const { return row.size(); }
  std::size_t count(std::size_t i) const { return row[i] < 0 ? 0 : static_cast<std::size_t>(list->numneigh[row[i]]); }
  std::size_t neighbour(std::size_t i, std::size_t k) const {
    return static_cast<std::size_t>(list->firstneigh[row[i]][k] & NEIGHMASK);
  }
};
static_assert(pestle::NeighbourSource<LammpsNeighbours>);
#endif

}  // namespace

struct PairPestle::Model {
  std::string path;
  pestle::runtime::CalculatorPtr calculator;
  pestle::Structure atoms;  // owned + ghost atoms of this rank (positions and Z), reused every step
  std::unique_ptr<tbb::global_control> threads;  // oneTBB threads per rank
  std::optional<pestle::runtime::Grader> grader; // with pair_style ... activeset FILE
};

PairPestle::PairPestle(LAMMPS *lmp) : Pair(lmp)
{
  single_enable = 0;
  restartinfo = 0;
  one_coeff = 1;
  manybody_flag = 1;
  // pestle returns the virial itself (from the per-pair derivatives), so LAMMPS's Σ x·f is not used
  no_virial_fdotr_compute = 1;
}

PairPestle::~PairPestle()
{
  if (allocated) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

Pair *PairPestle::creator(LAMMPS *lmp)
{
  return new PairPestle(lmp);
}

void PairPestle::fail(const std::string &message)
{
  error->all(FLERR, std::string("pair_style pestle: ") + message);
}

void PairPestle::allocate()
{
  allocated = 1;
  const int n = atom->ntypes;
  memory->create(setflag, n + 1, n + 1, "pair:setflag");
  memory->create(cutsq, n + 1, n + 1, "pair:cutsq");
  for (int i = 1; i <= n; i++)
    for (int j = i; j <= n; j++) setflag[i][j] = 0;
}

// pair_style pestle MODEL [threads N] [activeset FILE.asi | variance yes]
// N oneTBB threads per MPI rank; default 1, since LAMMPS's parallelism is its MPI ranks (N = 0:
// oneTBB's default, all cores the rank may use).
void PairPestle::settings(int narg, char **arg)
{
  const std::string usage = "expected pair_style pestle MODEL [threads N] [activeset FILE.asi | variance yes]";
  if (narg < 1 || narg % 2 == 0) fail(usage);
  int threads = 1;
  std::string active_set;
  bool variance = false;  // a GAP's local variance or an EDDP's member spread per atom (compute pestle/gamma)
  for (int k = 1; k < narg; k += 2) {
    const std::string key = arg[k], value = arg[k + 1];
    if (key == "activeset") {
      active_set = value;
    } else if (key == "variance") {
      if (value != "yes" && value != "no") fail("variance takes yes or no, not '" + value + "'");
      variance = value == "yes";
    } else if (key == "threads") {
      try {
        std::size_t used = 0;
        threads = std::stoi(value, &used);
        if (used != value.size() || threads < 0) throw std::invalid_argument(value);
      } catch (const std::exception &) {
        fail("threads must be a non-negative integer, not '" + value + "'");
      }
    } else {
      fail("unknown keyword '" + key + "': " + usage);
    }
  }
  try {
    model_ = std::make_unique<Model>(Model{arg[0], pestle::runtime::load_calculator(arg[0]), {}, {}, {}});
  } catch (const std::exception &e) {
    model_.reset();
    fail(std::string("cannot use model '") + arg[0] + "': " + e.what());
  }
  if (!active_set.empty() && variance) fail("give activeset (SNAP, ACE) or variance yes (GAP, EDDP), not both");
  if (!active_set.empty() || variance) {
    try {
      model_->grader.emplace(pestle::runtime::Grader::load(arg[0], active_set));
    } catch (const std::exception &e) {
      fail((variance ? std::string("cannot use the variance") : "cannot use active set '" + active_set + "'") +
           " with model '" + model_->path + "': " + e.what());
    }
  }
  try {
    if (threads > 0)
      model_->threads = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                              static_cast<std::size_t>(threads));
    cutoff_ = model_->calculator->cutoff();
  } catch (const std::exception &e) {
    model_.reset();
    fail(std::string("cannot use model '") + arg[0] + "': " + e.what());
  }
  if (comm->me == 0)
    utils::logmesg(lmp, std::string("pair_style pestle: ") + model_->calculator->name() + " model '" +
                            model_->path + "', cutoff " + std::to_string(cutoff_) + " A, " +
                            (threads > 0 ? std::to_string(threads) : std::string("all")) + " thread(s) per rank, " +
                            neighbour_source() +
                            (model_->grader ? (variance ? ", per-atom " + std::string(model_->grader->column())
                                                        : ", extrapolation grade from '" + active_set + "'")
                                             : std::string()) + "\n");
}

// Where the model's neighbours come from, for the log.
std::string PairPestle::neighbour_source() const
{
#if defined(PESTLE_LAMMPS_FULL_LIST)
  if (model_->calculator->uses_host_neighbours()) return "neighbours from LAMMPS's full list";
#endif
  return "neighbours searched by pestle";
}

// pair_coeff * * El1 El2 ... (one element per atom type)
void PairPestle::coeff(int narg, char **arg)
{
  if (!model_) fail("pair_coeff before a model was read");
  if (!allocated) allocate();
  const int ntypes = atom->ntypes;
  if (narg != 2 + ntypes || std::string(arg[0]) != "*" || std::string(arg[1]) != "*")
    fail("expected pair_coeff * * followed by one element per atom type (" + std::to_string(ntypes) +
         " types)");
  type_number_.assign(ntypes + 1, 0);
  for (int t = 1; t <= ntypes; t++) {
    const std::string symbol = arg[1 + t];
    const int z = pestle::find_atomic_number(symbol);
    if (z <= 0) fail("'" + symbol + "' (atom type " + std::to_string(t) + ") is not an element symbol");
    // a lone atom of the element: the model refuses an element it does not cover
    pestle::Structure probe;
    probe.add_atom(z, pestle::Vec3::Zero());
    try {
      model_->calculator->compute(probe);
    } catch (const std::exception &e) {
      fail("element " + symbol + " (atom type " + std::to_string(t) + ") does not fit model '" +
           model_->path + "': " + e.what());
    }
    type_number_[t] = z;
  }
  for (int i = 1; i <= ntypes; i++)
    for (int j = i; j <= ntypes; j++) setflag[i][j] = 1;
}

void PairPestle::init_style()
{
  if (force->newton_pair == 0) fail("requires newton pair on");
  if (!model_ || type_number_.empty()) fail("pair_coeff * * El... is missing");
#if defined(PESTLE_LAMMPS_FULL_LIST)
  // A full list (every neighbour of each owned atom, ghosts included) within cutoff + skin; pestle
  // reads it in place each step. Models that cannot take a list (GAP, the reference potentials)
  // search their own among the owned and ghost atoms.
  const int irequest = neighbor->request(this, instance_me);
  neighbor->requests[irequest]->half = 0;
  neighbor->requests[irequest]->full = 1;
#endif
}

double PairPestle::init_one(int, int)
{
  return cutoff_;
}

void PairPestle::gather_atoms()
{
  const int nall = atom->nlocal + atom->nghost;
  double **x = atom->x;
  const int *type = atom->type;
  pestle::Structure &s = model_->atoms;  // non-periodic: the ghosts are the images
  s.positions.resize(nall);
  s.numbers.resize(nall);
  for (int i = 0; i < nall; i++) {
    s.positions[i] = pestle::Vec3(x[i][0], x[i][1], x[i][2]);
    s.numbers[i] = type_number_[type[i]];
  }
}

bool PairPestle::has_active_set() const
{
  return model_ && model_->grader.has_value();
}

void PairPestle::owned_grades(double *gamma)
{
  if (!has_active_set()) fail("compute pestle/gamma needs pair_style pestle MODEL activeset FILE.asi (SNAP, ACE) or MODEL.xml variance yes (GAP)");
  gather_atoms();
  const auto nlocal = static_cast<std::size_t>(atom->nlocal);
  try {
    const std::vector<double> g = model_->grader->grades(model_->atoms, nlocal);
    for (std::size_t i = 0; i < nlocal; i++) gamma[i] = g[i];
  } catch (const std::exception &e) {
    error->one(FLERR, std::string("pair_style pestle: extrapolation grade: ") + e.what());
  }
}

void PairPestle::compute(int eflag, int vflag)
{
  ev_init(eflag, vflag);
  if (vflag_atom) fail("per-atom virials (compute stress/atom) are not available");

  const int nlocal = atom->nlocal;
  const int nall = nlocal + atom->nghost;
  double **f = atom->f;
  gather_atoms();
  const pestle::Structure &s = model_->atoms;

  pestle::PotentialResult r;
  try {
#if defined(PESTLE_LAMMPS_FULL_LIST)
    if (model_->calculator->uses_host_neighbours()) {
      pestle::NeighbourOptions options;
      options.cutoff = cutoff_;
      const pestle::NeighbourList nl = pestle::neighbour_list_from(s, LammpsNeighbours(list, nlocal), options);
      r = model_->calculator->compute(s, nl, static_cast<std::size_t>(nlocal));
    } else {
      r = model_->calculator->compute(s, static_cast<std::size_t>(nlocal));
    }
#else
    r = model_->calculator->compute(s, static_cast<std::size_t>(nlocal));
#endif
  } catch (const std::exception &e) {
    error->one(FLERR, std::string("pair_style pestle: ") + e.what());
  }

  for (int i = 0; i < nall; i++) {
    f[i][0] += r.forces[i][0];
    f[i][1] += r.forces[i][1];
    f[i][2] += r.forces[i][2];
  }
  if (eflag_global) eng_vdwl += r.energy;
  if (eflag_atom)
    for (int i = 0; i < nlocal; i++) eatom[i] += r.atom_energies[i];
  if (vflag_global) {
    // LAMMPS order xx yy zz xy xz yz; pestle's W = Σ r ⊗ F has LAMMPS's sign
    virial[0] += r.virial(0, 0);
    virial[1] += r.virial(1, 1);
    virial[2] += r.virial(2, 2);
    virial[3] += r.virial(0, 1);
    virial[4] += r.virial(0, 2);
    virial[5] += r.virial(1, 2);
  }
}
