// Driver of tests/validate/amorphous_lammps_check.py: runs one analysis of validate/amorphous.hpp (or
// liquid.hpp's g(r)) on the frames of an extended XYZ trajectory and prints a whitespace table.
//
//   amorphous_tool rdf TRAJ.xyz R_MAX BINS            r  g(r)            (all frames)
//   amorphous_tool msd TRAJ.xyz DT [ORIGIN_STRIDE]     t/fs  MSD/Å²       (frames DT fs apart)
//   amorphous_tool sq TRAJ.xyz Q_MAX BINS R_MAX        Q  S_direct  S_from_g(r)  vectors
//   amorphous_tool rings TRAJ.xyz BOND_CUTOFF [MAX]    n  rings per atom of the cell (SP rings, mean over frames)
//   amorphous_tool altbc TRAJ.xyz R_CUT BINS [R_MIN] [TOL]    r1  r2  value (all frames)
//   amorphous_tool crystallinity TRAJ.xyz [ZETA] [THRESHOLD]  atom  k   (last frame, reference: diamond
//                                                       with the frame's density), then the fraction
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "pestle/data/extxyz.hpp"
#include "pestle/validate/amorphous.hpp"

namespace {

std::vector<pestle::Structure> amorphous_tool_frames(const std::string& path) {
  std::vector<pestle::Structure> out;
  for (const pestle::Frame& f : pestle::read_extxyz(path)) out.push_back(f.structure);
  if (out.empty()) throw pestle::InputError(path + ": no frames");
  return out;
}

double amorphous_tool_arg(int argc, char** argv, int k, double fallback) {
  return k < argc ? std::atof(argv[k]) : fallback;
}

int amorphous_tool_usage() {
  std::fprintf(stderr,
               "usage: amorphous_tool rdf|msd|sq|rings|altbc|crystallinity TRAJ.xyz ARGS... (see the source header)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pestle;
  using namespace pestle::validate;
  if (argc < 3) return amorphous_tool_usage();
  try {
    const std::string what = argv[1];
    const std::vector<Structure> frames = amorphous_tool_frames(argv[2]);
    if (what == "rdf" && argc >= 5) {
      const Histogram g = radial_distribution(frames, std::atof(argv[3]), std::atoi(argv[4]));
      for (std::size_t b = 0; b < g.x.size(); ++b) std::printf("%.10g %.10g\n", g.x[b], g.y[b]);
    } else if (what == "msd" && argc >= 4) {
      MsdOptions o;
      o.timestep = std::atof(argv[3]);
      o.origin_stride = std::size_t(amorphous_tool_arg(argc, argv, 4, 0));
      const MeanSquareDisplacement m = mean_square_displacement(frames, o);
      for (std::size_t k = 0; k < m.time.size(); ++k) std::printf("%.10g %.10g\n", m.time[k], m.msd[k]);
    } else if (what == "sq" && argc >= 6) {
      const StructureFactor d = structure_factor_direct(frames, std::atof(argv[3]), std::atoi(argv[4]));
      const double rho = double(frames.front().size()) / frames.front().volume();
      const StructureFactor g = structure_factor_from_rdf(radial_distribution(frames, std::atof(argv[5]), 500), rho, d.q);
      for (std::size_t b = 0; b < d.q.size(); ++b)
        std::printf("%.6g %.6g %.6g %zu\n", d.q[b], d.s[b], g.s[b], d.count[b]);
    } else if (what == "rings" && argc >= 4) {
      const int max_size = int(amorphous_tool_arg(argc, argv, 4, 12));
      std::vector<double> per_atom(std::size_t(max_size) + 1, 0.0);
      for (const Structure& s : frames) {
        const RingStatistics r = shortest_path_rings(s, std::atof(argv[3]), max_size);
        for (int n = 0; n <= max_size; ++n) per_atom[std::size_t(n)] += r.per_cell_atom(n) / double(frames.size());
      }
      for (int n = 3; n <= max_size; ++n) std::printf("%d %.6g\n", n, per_atom[std::size_t(n)]);
    } else if (what == "altbc" && argc >= 5) {
      const Histogram2D h = altbc(frames, std::atof(argv[3]), amorphous_tool_arg(argc, argv, 6, 25.0), std::atoi(argv[4]),
                                  amorphous_tool_arg(argc, argv, 5, 0.0));
      for (std::size_t a = 0; a < h.bins(); ++a)
        for (std::size_t b = 0; b < h.bins(); ++b) std::printf("%.6g %.6g %.6g\n", h.x[a], h.x[b], h.at(a, b));
    } else if (what == "crystallinity") {
      const Structure& s = frames.back();
      CrystallinityOptions o;
      o.zeta = amorphous_tool_arg(argc, argv, 3, o.zeta);
      o.threshold = amorphous_tool_arg(argc, argv, 4, o.threshold);
      const double a = std::cbrt(8.0 * s.volume() / double(s.size()));  // diamond at the frame's density
      const CrystallinityResult c = soap_crystallinity(s, crystal("diamond", a, 1, s.numbers.front()), o);
      for (std::size_t i = 0; i < c.kernel.size(); ++i) std::printf("%zu %.6g\n", i, c.kernel[i]);
      std::printf("# crystalline fraction %.6g\n", c.fraction);
    } else {
      return amorphous_tool_usage();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "amorphous_tool: %s\n", e.what());
    return 1;
  }
  return 0;
}
