// Evaluate a QUIP GAP XML potential on the frames of an extended-XYZ file.
//
//   gap_evaluate MODEL.xml STRUCTURES.xyz [--check] [--repeat N] [--threads N]
//
// Prints, per frame, the energy (eV), the largest force component (eV/Å), the stress (eV/Å³,
// ASE sign) and the wall time. With --check, the frames must carry QUIP's predictions
// (gap_energy, gap_force, gap_virial, as in ../shared/data/reference/quip-gap/*_pred.xyz) and the
// program reports the largest deviations and exits non-zero if they exceed 1e-7 eV/atom,
// 1e-6 eV/Å or 1e-5 eV. --repeat N evaluates every frame N times (for timing); --threads N limits
// the oneTBB threads.
//
// The whole C++ needed to run a GAP is:
//   pestle::GapPotential gap = pestle::io::read_gap_potential("Mo_gap.xml");
//   pestle::PotentialResult r = gap.compute(structure);   // r.energy, r.forces, r.virial, r.stress
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <tbb/global_control.h>

#include "pestle/data/extxyz.hpp"
#include "pestle/formats/gap_xml.hpp"

namespace {

struct Deviation {
  double energy = 0, force = 0, virial = 0;
};

Deviation compare(const pestle::Frame& f, const pestle::PotentialResult& r) {
  Deviation d;
  const auto e = f.labels.info.get<double>("gap_energy");
  const auto w = f.labels.info.get<std::vector<double>>("gap_virial");
  const pestle::AtomProperty* force = nullptr;
  for (const auto& p : f.atom_properties)
    if (p.name == "gap_force") force = &p;
  if (!e || !w || w->size() != 9 || !force) throw pestle::InputError("--check needs gap_energy, gap_virial and gap_force in every frame");
  d.energy = std::abs(r.energy - *e) / double(f.size());
  for (std::size_t i = 0; i < f.size(); ++i)
    for (int c = 0; c < 3; ++c) d.force = std::max(d.force, std::abs(r.forces[i][c] - force->reals[3 * i + std::size_t(c)]));
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) d.virial = std::max(d.virial, std::abs(r.virial(a, b) - (*w)[std::size_t(3 * a + b)]));
  return d;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::cerr << "usage: gap_evaluate MODEL.xml STRUCTURES.xyz [--check] [--repeat N] [--threads N]\n";
    return 2;
  }
  bool check = false;
  int repeat = 1;
  std::unique_ptr<tbb::global_control> threads;
  for (int k = 3; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--check") check = true;
    else if (a == "--repeat" && k + 1 < argc) repeat = std::max(1, std::stoi(argv[++k]));
    else if (a == "--threads" && k + 1 < argc)
      threads = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                      std::size_t(std::max(1, std::stoi(argv[++k]))));
    else throw pestle::InputError("unknown option " + a);
  }
  const pestle::GapPotential gap = pestle::io::read_gap_potential(argv[1]);
  const pestle::Dataset data = pestle::read_extxyz(argv[2]);
  Deviation worst;
  std::printf("%6s %7s %22s %14s %14s %12s\n", "frame", "atoms", "energy/eV", "max|F|/eV/A", "pressure/GPa", "us/atom");
  for (std::size_t k = 0; k < data.size(); ++k) {
    const pestle::Frame& f = data[k];
    pestle::PotentialResult r;
    const auto t0 = std::chrono::steady_clock::now();
    for (int n = 0; n < repeat; ++n) r = gap.compute(f.structure);
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
                      (double(repeat) * double(f.size()));
    double fmax = 0;
    for (const auto& x : r.forces) fmax = std::max(fmax, x.cwiseAbs().maxCoeff());
    const double pressure = r.stress ? -r.stress->trace() / 3.0 * 160.21766208 : std::nan("");
    std::printf("%6zu %7zu %22.12f %14.6f %14.6f %12.2f\n", k, f.size(), r.energy, fmax, pressure, us);
    if (check) {
      const Deviation d = compare(f, r);
      worst.energy = std::max(worst.energy, d.energy);
      worst.force = std::max(worst.force, d.force);
      worst.virial = std::max(worst.virial, d.virial);
    }
  }
  if (check) {
    std::printf("max deviation from QUIP: energy %.3g eV/atom, force %.3g eV/A, virial %.3g eV\n", worst.energy,
                worst.force, worst.virial);
    if (worst.energy > 1e-7 || worst.force > 1e-6 || worst.virial > 1e-5) {
      std::printf("FAILED: beyond 1e-7 eV/atom, 1e-6 eV/A, 1e-5 eV\n");
      return 1;
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "gap_evaluate: " << e.what() << "\n";
  return 1;
}
