// Cross-check of pestle's reference potentials against Debian's LAMMPS (`lmp`).
//
//   pestle_reference_lammps_check LMP POTENTIALS_DIR WORK_DIR CASE [TOLERANCE]
//
// For one test case: writes the structure with pestle's LAMMPS data writer, writes a LAMMPS
// input (pair style and coefficients of the case, `run 0`, per-atom forces and energies dumped
// with %.17g, energy and the virial part of the pressure tensor printed with %.17g), runs LAMMPS,
// evaluates the same structure with pestle and compares energy, per-atom energies, forces and
// stress. Every value v must satisfy |v − v_LAMMPS| ≤ tol · max(1, |v_LAMMPS|) (tol = 1e-8 unless
// given). Prints the worst deviations and exits 0 only if everything agrees. Nothing LAMMPS
// writes is kept in the repository; it lands in WORK_DIR/CASE/.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "pestle/data/lammps_data.hpp"
#include "pestle/reference/eam.hpp"
#include "pestle/reference/lennard_jones.hpp"
#include "pestle/reference/stillinger_weber.hpp"
#include "pestle/reference/tersoff.hpp"
#include "pestle/reference/zbl.hpp"
#include "test_reference_support.hpp"

namespace {

using namespace pestle;
namespace fs = std::filesystem;

/// LAMMPS's conversion from eV/Å³ to bar in metal units (force->nktv2p, update.cpp). It is not
/// the CODATA 2018 value 1602176.634: the two differ by 8e-8 relative, more than the tolerance.
constexpr double lammps_nktv2p = 1.6021765e6;

struct Case {
  std::vector<int> types;  ///< atomic number of LAMMPS type 1, 2, ...
  std::function<Structure()> structure;
  std::function<std::string(const std::string& pot_dir)> pair_commands;
  std::function<PotentialResult(const Structure&, const std::string& pot_dir)> pestle;
};

std::string symbols(const std::vector<int>& types) {
  std::string s;
  for (int z : types) {
    s += ' ';
    s += element_symbol(z);
  }
  return s;
}

template <class Make>
Case manybody(std::vector<int> types, std::function<Structure()> st, std::string style, std::string file, Make make) {
  return Case{types, std::move(st),
              [=](const std::string& dir) {
                return "pair_style " + style + "\npair_coeff * * " + dir + "/" + file + symbols(types) + "\n";
              },
              [=](const Structure& s, const std::string& dir) {
                std::vector<int> elements;
                for (int z : types)
                  if (std::find(elements.begin(), elements.end(), z) == elements.end()) elements.push_back(z);
                return make(dir + "/" + file, elements).compute(s);
              }};
}

std::map<std::string, Case> cases() {
  using namespace pestle::test;
  std::map<std::string, Case> c;
  const auto sw = [](const std::string& f, const std::vector<int>& el) { return StillingerWeber::from_file(f, el); };
  const auto ters = [](const std::string& f, const std::vector<int>& el) { return Tersoff::from_file(f, el); };
  c["sw_diamond"] = manybody({14}, [] { return rattled_diamond(); }, "sw", "Si.sw", sw);
  c["sw_triclinic"] = manybody({14}, [] { return triclinic_diamond(); }, "sw", "Si.sw", sw);
  c["sw_small_cell"] = manybody({14}, [] { return small_diamond(); }, "sw", "Si.sw", sw);
  c["sw_compressed"] = manybody({14}, [] { return strained(rattled_diamond(14, 5.431, 7), Mat3::Identity() * -0.08); },
                                "sw", "Si.sw", sw);
  c["tersoff_si"] = manybody({14}, [] { return rattled_diamond(); }, "tersoff", "Si.tersoff", ters);
  c["tersoff_si_small_cell"] = manybody({14}, [] { return small_diamond(); }, "tersoff", "Si.tersoff", ters);
  c["tersoff_sic"] = manybody({14, 6}, [] { return rattled_zincblende(14, 6, 4.36); }, "tersoff", "SiC.tersoff", ters);
  c["tersoff_sic_triclinic"] =
      manybody({14, 6}, [] { return small_diamond(14, 6, 4.36); }, "tersoff", "SiC.tersoff", ters);
  c["tersoff_c"] = manybody({6}, [] { return rattled_diamond(6, 3.567); }, "tersoff", "SiC.tersoff", ters);
  c["tersoff_c_triclinic"] = manybody({6}, [] { return triclinic_diamond(6, 3.567); }, "tersoff", "SiC.tersoff", ters);

  // A complete ternary file (BNC.tersoff: all 27 B/N/C triplets): random alloys, one triclinic.
  c["tersoff_bnc_alloy"] =
      manybody({5, 7, 6}, [] { return random_alloy_diamond({5, 7, 6}, 3.62); }, "tersoff", "BNC.tersoff", ters);
  c["tersoff_bnc_triclinic"] = manybody(
      {5, 7, 6}, [] { return in_cell(triclinic_diamond(6, 3.6).cell, cubic_basis::diamond, {5, 7, 6}, 0.08, 9); },
      "tersoff", "BNC.tersoff", ters);
  // SiCGe.tersoff names its silicon sets Si(B), Si(C), Si(D); pair_coeff picks Si(D). The file has
  // no C-Ge entries, so only its Si-C and Si-Ge binaries (and the elements) exist.
  const auto sicge = [](std::vector<int> types, std::vector<std::string> names, std::function<Structure()> st) {
    std::string list;
    for (const auto& n : names) list += ' ' + n;
    return Case{types, std::move(st),
                [list](const std::string& dir) { return "pair_style tersoff\npair_coeff * * " + dir + "/SiCGe.tersoff" + list + "\n"; },
                [types](const Structure& s, const std::string& dir) {
                  return Tersoff::from_file(dir + "/SiCGe.tersoff", types, {{"Si(D)", 14}}).compute(s);
                }};
  };
  c["tersoff_sicge_sic"] = sicge({14, 6}, {"Si(D)", "C"}, [] { return random_alloy_diamond({14, 6}, 4.6, 10); });
  c["tersoff_sicge_sige"] = sicge({14, 32}, {"Si(D)", "Ge"}, [] { return random_alloy_diamond({14, 32}, 5.54, 11); });
  c["tersoff_sicge_sige_triclinic"] = sicge({14, 32}, {"Si(D)", "Ge"}, [] {
    return in_cell(triclinic_diamond(14, 5.5).cell, cubic_basis::diamond, {14, 32, 32}, 0.08, 12);
  });
  c["tersoff_sicge_ge"] = sicge({32}, {"Ge"}, [] { return rattled_diamond(32, 5.658, 13); });

  const auto funcfl = [](std::vector<std::string> files) {
    return [files](const Structure& s, const std::string& dir) {
      std::vector<std::string> paths;
      for (const auto& f : files) paths.push_back(dir + "/" + f);
      return Eam::from_funcfl(paths).compute(s);
    };
  };
  const auto funcfl_commands = [](std::vector<std::string> files) {
    return [files](const std::string& dir) {
      std::string out = "pair_style eam\n";
      for (std::size_t t = 0; t < files.size(); ++t)
        out += "pair_coeff " + std::to_string(t + 1) + " " + std::to_string(t + 1) + " " + dir + "/" + files[t] + "\n";
      return out;
    };
  };
  c["eam_cu"] = Case{{29}, [] { return rattled_fcc(29, 3.615); }, funcfl_commands({"Cu_u3.eam"}), funcfl({"Cu_u3.eam"})};
  c["eam_cu_small_cell"] =
      Case{{29}, [] { return small_fcc(29, 3.615); }, funcfl_commands({"Cu_u3.eam"}), funcfl({"Cu_u3.eam"})};
  // 45 % linear compression: densities beyond the table, where F is continued linearly
  c["eam_cu_compressed"] = Case{{29}, [] { return strained(small_fcc(29, 3.615), Mat3::Identity() * -0.45); },
                                funcfl_commands({"Cu_u3.eam"}), funcfl({"Cu_u3.eam"})};
  c["eam_cu_ni_funcfl"] = Case{{29, 28}, [] { return rattled_fcc(29, 3.57, 28); },
                               funcfl_commands({"Cu_u3.eam", "Ni_u3.eam"}), funcfl({"Cu_u3.eam", "Ni_u3.eam"})};
  const auto setfl = [](const std::string& f, const std::vector<int>&) { return Eam::from_setfl(f); };
  c["eam_alloy_cuni"] =
      manybody({28, 29}, [] { return rattled_fcc(29, 3.57, 28); }, "eam/alloy", "CuNi.eam.alloy", setfl);
  c["eam_alloy_cuni_compressed"] = manybody(
      {28, 29}, [] { return strained(small_fcc(29, 3.57, 28), Mat3::Identity() * -0.45); }, "eam/alloy", "CuNi.eam.alloy", setfl);
  c["eam_alloy_cuni_small_cell"] =
      manybody({28, 29}, [] { return small_fcc(29, 3.57, 28); }, "eam/alloy", "CuNi.eam.alloy", setfl);
  // the one ternary setfl file Debian ships: Ni-Al-H (Angelo, Moody, Baskes), H on random fcc sites
  const auto nialh = [](unsigned seed) {
    Structure s = cubic_supercell(cubic_basis::fcc, 3.6, 3, 28);
    std::mt19937 rng(seed);
    for (auto& z : s.numbers) z = (rng() % 10 < 6) ? 28 : (rng() % 3 ? 13 : 1);
    rattle(s, 0.1, seed + 1);
    return s;
  };
  c["eam_alloy_nialh"] =
      manybody({28, 13, 1}, [nialh] { return nialh(14); }, "eam/alloy", "NiAlH_jea.eam.alloy", setfl);
  c["eam_alloy_nialh_compressed"] = manybody(
      {28, 13, 1}, [nialh] { return strained(nialh(15), Mat3::Identity() * -0.2); }, "eam/alloy", "NiAlH_jea.eam.alloy", setfl);

  // Lennard-Jones argon (and krypton): cutoff 8.5 Å against a 10.5 Å cell
  const LennardJonesParams ar{0.0104, 3.40, 8.5}, kr{0.0140, 3.65, 9.0};
  c["lj_ar"] = Case{{18}, [] { return rattled_fcc(18, 5.26); },
                    [ar](const std::string&) {
                      std::ostringstream o;
                      o.precision(17);
                      o << "pair_style lj/cut " << ar.cutoff << "\npair_coeff 1 1 " << ar.epsilon << ' ' << ar.sigma << '\n';
                      return o.str();
                    },
                    [ar](const Structure& s, const std::string&) { return LennardJones(18, ar).compute(s); }};
  c["lj_ar_kr_shifted"] =
      Case{{18, 36}, [] { return small_fcc(18, 5.4, 36); },
           [ar, kr](const std::string&) {
             std::ostringstream o;
             o.precision(17);
             o << "pair_style lj/cut " << kr.cutoff << "\npair_modify shift yes mix geometric\n"
               << "pair_coeff 1 1 " << ar.epsilon << ' ' << ar.sigma << ' ' << ar.cutoff << '\n'
               << "pair_coeff 2 2 " << kr.epsilon << ' ' << kr.sigma << ' ' << kr.cutoff << '\n';
             return o.str();
           },
           [ar, kr](const Structure& s, const std::string&) {
             LennardJones lj(18, ar, true);
             lj.set(36, kr);
             return lj.compute(s);
           }};

  // ZBL (pair zbl): compressed SiC, pairs inside the inner cutoff, in the switching range and beyond;
  // then ZBL overlaid on Tersoff as `pair_style hybrid/overlay` adds them.
  const std::string zbl_coeffs = "pair_coeff 1 1 zbl 14 14\npair_coeff 1 2 zbl 14 6\npair_coeff 2 2 zbl 6 6\n";
  const auto compressed_sic = [] { return strained(rattled_zincblende(14, 6, 4.36), Mat3::Identity() * -0.3); };
  c["zbl_sic"] = Case{{14, 6}, compressed_sic,
                      [](const std::string&) {
                        return std::string("pair_style zbl 1.2 2.4\npair_coeff 1 1 14 14\npair_coeff 1 2 14 6\n"
                                           "pair_coeff 2 2 6 6\n");
                      },
                      [](const Structure& s, const std::string&) { return Zbl::for_elements(1.2, 2.4, {14, 6}).compute(s); }};
  c["zbl_tersoff_overlay"] =
      Case{{14, 6}, compressed_sic,
           [zbl_coeffs](const std::string& dir) {
             return "pair_style hybrid/overlay zbl 1.0 1.6 tersoff\npair_coeff * * tersoff " + dir + "/SiC.tersoff Si C\n" +
                    zbl_coeffs;
           },
           [](const Structure& s, const std::string& dir) {
             PotentialResult r = Tersoff::from_file(dir + "/SiC.tersoff", {14, 6}).compute(s);
             const PotentialResult z = Zbl::for_elements(1.0, 1.6, {14, 6}).compute(s);
             r.energy += z.energy;
             r.virial += z.virial;
             *r.stress += *z.stress;
             for (std::size_t i = 0; i < s.size(); ++i) r.forces[i] += z.forces[i], r.atom_energies[i] += z.atom_energies[i];
             return r;
           }};
  return c;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Lammps {
  double energy = 0, volume = 0;
  double pressure[6] = {0, 0, 0, 0, 0, 0};  ///< virial part, bar: xx yy zz xy xz yz
  std::vector<Vec3> forces;
  std::vector<double> atom_energies;
};

Lammps run_lammps(const std::string& lmp, const Case& c, const Structure& s, const std::string& pot_dir,
                  const fs::path& dir) {
  fs::create_directories(dir);
  write_lammps_data((dir / "structure.data").string(), s, c.types);
  std::ofstream in(dir / "in.lmp");
  in << "units metal\natom_style atomic\natom_modify map array sort 0 0.0\nboundary p p p\nbox tilt large\n"
     << "read_data structure.data\n"
     << c.pair_commands(pot_dir) << "neighbor 1.0 bin\n"
     << "compute pe all pe/atom\ncompute v all pressure NULL virial\n"
     << "thermo_style custom step pe c_v[1] c_v[2] c_v[3] c_v[4] c_v[5] c_v[6]\n"
     << "dump d all custom 1 forces.dump id type fx fy fz c_pe\n"
     << "dump_modify d format float %.17g sort id\nrun 0\n"
     << "print \"RESULT $(pe:%.17g) $(c_v[1]:%.17g) $(c_v[2]:%.17g) $(c_v[3]:%.17g) $(c_v[4]:%.17g) "
        "$(c_v[5]:%.17g) $(c_v[6]:%.17g) $(vol:%.17g)\" file result.txt\n";
  in.close();
  const std::string cmd = "cd '" + dir.string() + "' && '" + lmp + "' -in in.lmp -log log.lammps -screen none";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("LAMMPS failed; see " + (dir / "log.lammps").string());
  Lammps out;
  std::istringstream res(read_file(dir / "result.txt"));
  std::string tag;
  res >> tag >> out.energy;
  for (double& p : out.pressure) res >> p;
  res >> out.volume;
  if (tag != "RESULT" || res.fail()) throw std::runtime_error("cannot read result.txt");
  std::istringstream dump(read_file(dir / "forces.dump"));
  std::string line;
  while (std::getline(dump, line) && line.rfind("ITEM: ATOMS", 0) != 0) {
  }
  out.forces.assign(s.size(), Vec3::Zero());
  out.atom_energies.assign(s.size(), 0.0);
  for (std::size_t k = 0; k < s.size(); ++k) {
    std::size_t id;
    int type;
    Vec3 f;
    double e;
    dump >> id >> type >> f[0] >> f[1] >> f[2] >> e;
    if (dump.fail() || id < 1 || id > s.size()) throw std::runtime_error("cannot read forces.dump");
    out.forces[id - 1] = f;
    out.atom_energies[id - 1] = e;
  }
  return out;
}

/// Worst |a − b| / max(1, |b|) over a quantity, with where it happened.
struct Worst {
  double ratio = 0, got = 0, want = 0;
  std::string where;
  void add(double a, double b, const std::string& w) {
    const double r = std::abs(a - b) / std::max(1.0, std::abs(b));
    if (!(r <= ratio)) *this = {std::isnan(r) ? INFINITY : r, a, b, w};
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: " << argv[0] << " LMP POTENTIALS_DIR WORK_DIR CASE [TOLERANCE]\n";
    return 2;
  }
  const std::string lmp = argv[1], pot_dir = argv[2], work = argv[3], name = argv[4];
  const double tol = argc > 5 ? std::atof(argv[5]) : 1e-8;
  try {
    const auto all = cases();
    const auto it = all.find(name);
    if (it == all.end()) {
      std::cerr << "unknown case '" << name << "'; cases:";
      for (const auto& [k, v] : all) std::cerr << ' ' << k;
      std::cerr << '\n';
      return 2;
    }
    const Case& c = it->second;
    const Structure s = c.structure();
    const Lammps ref = run_lammps(lmp, c, s, pot_dir, fs::path(work) / name);
    const PotentialResult got = c.pestle(s, pot_dir);
    Worst energy, atom, force, stress;
    energy.add(got.energy, ref.energy, "total");
    for (std::size_t i = 0; i < s.size(); ++i) {
      atom.add(got.atom_energies[i], ref.atom_energies[i], "atom " + std::to_string(i));
      for (int a = 0; a < 3; ++a) force.add(got.forces[i][a], ref.forces[i][a], "atom " + std::to_string(i) + " axis " + std::to_string(a));
    }
    const int row[6] = {0, 1, 2, 0, 0, 1}, col[6] = {0, 1, 2, 1, 2, 2};
    const char* comp[6] = {"xx", "yy", "zz", "xy", "xz", "yz"};
    if (!got.stress) throw std::runtime_error("pestle gave no stress for a periodic cell");
    for (int k = 0; k < 6; ++k) stress.add((*got.stress)(row[k], col[k]), -ref.pressure[k] / lammps_nktv2p, comp[k]);
    const bool volume_ok = std::abs(s.volume() - ref.volume) <= 1e-10 * ref.volume;
    std::cout.precision(3);
    std::cout << name << ": " << s.size() << " atoms, E = " << std::setprecision(12) << ref.energy << " eV (LAMMPS)\n"
              << std::setprecision(3);
    const auto line = [&](const char* what, const Worst& w) {
      std::cout << "  " << what << " worst |diff|/max(1,|ref|) = " << w.ratio << " (" << w.where << ": pestle "
                << std::setprecision(17) << w.got << ", LAMMPS " << w.want << ")\n"
                << std::setprecision(3);
    };
    line("energy       ", energy);
    line("atom energies", atom);
    line("forces       ", force);
    line("stress       ", stress);
    const bool ok = energy.ratio <= tol && atom.ratio <= tol && force.ratio <= tol && stress.ratio <= tol && volume_ok;
    if (!volume_ok) std::cout << "  volume differs: pestle " << s.volume() << ", LAMMPS " << ref.volume << '\n';
    std::cout << (ok ? "PASS" : "FAIL") << " (tolerance " << tol << ")\n";
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}
