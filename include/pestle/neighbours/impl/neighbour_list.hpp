#pragma once
// Definitions of neighbours/neighbour_list.hpp: the brute-force and the cell-list searches.
// Inline in header-only use; compiled once in src/runtime/compile_neighbours.cpp with PESTLE_COMPILED_RUNTIME.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "pestle/neighbours/neighbour_list.hpp"

namespace pestle {

/// O(N² · images) reference search; the yardstick for the fast search in tests.
PESTLE_RUNTIME_INLINE NeighbourList build_neighbour_list_brute_force(const Structure& s, const NeighbourOptions& opt) {
  s.validate();
  opt.validate();
  const std::size_t n = s.size();
  NeighbourList nl;
  nl.half = opt.half;
  if (n == 0) return nl;
  // Wrap positions into the cell along periodic axes; remember the integer shift so the
  // reported image refers to the original (unwrapped) positions. Open axes use unit
  // stand-in vectors orthogonal to the periodic ones, so their cell vectors never matter.
  const Mat3 basis = detail::search_basis(s.cell, s.pbc);
  const Mat3 inv_t = basis.transpose().inverse();
  std::vector<Vec3> wrapped(s.positions);
  std::vector<std::array<int, 3>> shift(n, {0, 0, 0});
  std::array<int, 3> reach{0, 0, 0};
  for (std::size_t i = 0; i < n; ++i) {
    const Vec3 f = inv_t * s.positions[i];
    for (int a = 0; a < 3; ++a)
      if (s.pbc[a]) {
        shift[i][a] = detail::lattice_shift(f[a], i);
        wrapped[i] -= shift[i][a] * Vec3(basis.row(a));
      }
  }
  const double search_cutoff = opt.cutoff * (1.0 + detail::search_slack);
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a]) reach[a] = static_cast<int>(std::ceil(search_cutoff / detail::plane_spacing(basis, a)));
  std::vector<detail::PairEntry> found;
  for (std::size_t i = 0; i < n; ++i) {
    found.clear();
    for (std::size_t j = 0; j < n; ++j) {
      const double rc = opt.cutoff_for(s.numbers[i], s.numbers[j]);
      for (int g0 = -reach[0]; g0 <= reach[0]; ++g0)
        for (int g1 = -reach[1]; g1 <= reach[1]; ++g1)
          for (int g2 = -reach[2]; g2 <= reach[2]; ++g2) {
            const Vec3 d = wrapped[j] + g0 * Vec3(basis.row(0)) + g1 * Vec3(basis.row(1)) +
                           g2 * Vec3(basis.row(2)) - wrapped[i];
            if (d.norm() >= rc * (1.0 + detail::search_slack)) continue;
            const std::array<int, 3> img{g0 - shift[j][0] + shift[i][0], g1 - shift[j][1] + shift[i][1],
                                         g2 - shift[j][2] + shift[i][2]};
            if (i == j && img == std::array<int, 3>{0, 0, 0}) continue;
            // the decision uses the displacement as reported (from the original positions)
            const Vec3 dd = detail::pair_displacement(s, i, j, img);
            const double r = dd.norm();
            if (r >= rc) continue;
            detail::check_overlap(r, i, static_cast<int>(j), opt);
            if (opt.half && (j < i || (j == i && !detail::positive_image(img)))) continue;
            found.push_back({static_cast<int>(j), img, dd, r});
          }
    }
    std::sort(found.begin(), found.end(), detail::entry_before<detail::PairEntry>);
    const std::size_t first = nl.index.size();
    detail::resize_pairs(nl, first + found.size());
    detail::write_entries(nl, first, found.data(), found.size());
    nl.offsets.push_back(nl.index.size());
  }
  return nl;
}

namespace detail {

/// Everything the per-atom search needs, prepared once per structure. Per-atom data is
/// kept in bin order so that scanning a bin reads contiguous memory.
struct CellSearch {
  const Structure& s;
  const NeighbourOptions& opt;
  CutoffTable cutoffs;
  Mat3 basis;                     ///< reduced periodic rows + open stand-ins
  IMat3 to_original;              ///< image in original basis = image_reduced · to_original
  std::array<double, 3> spacing{};///< lattice-plane spacing of `basis` per axis
  CellList cells;
  double search_cutoff2 = 0.0;
  // per atom, in bin order (k = 0 .. n-1 runs over cells.sorted)
  std::vector<Vec3> wrapped;              ///< position wrapped into the reduced cell
  std::vector<Vec3> position;             ///< position as given
  std::vector<std::array<int, 3>> shift;  ///< whole reduced cells removed by wrapping
  std::vector<int> id;                    ///< atom index in the structure

  CellSearch(const Structure& st, const NeighbourOptions& o) : s(st), opt(o), cutoffs(st, o) {
    search_basis(s.cell, s.pbc);  // rejects dependent periodic vectors before reducing them
    Mat3 lattice = s.cell;
    to_original = reduce_lattice(lattice, s.pbc);
    basis = search_basis(lattice, s.pbc);
    for (int a = 0; a < 3; ++a) {
      spacing[a] = lattice_plane_spacing(basis, a);
      if (s.pbc[a] && basis.row(a).norm() < opt.overlap_distance)
        throw InputError("every atom overlaps its own periodic image: a lattice vector is shorter than " +
                         std::to_string(opt.overlap_distance) + " Å");
    }
    const std::size_t n = s.size();
    std::vector<Vec3> frac(n), unsorted_wrapped(n);
    std::vector<std::array<int, 3>> unsorted_shift(n, {0, 0, 0});
    const Mat3 inv_t = basis.transpose().inverse();
    for (std::size_t i = 0; i < n; ++i) {
      frac[i] = inv_t * s.positions[i];
      unsorted_wrapped[i] = s.positions[i];
      for (int a = 0; a < 3; ++a)
        if (s.pbc[a]) {
          const int m = lattice_shift(frac[i][a], i);
          unsorted_shift[i][a] = m;
          frac[i][a] -= m;
          unsorted_wrapped[i] -= m * Vec3(basis.row(a));
        }
    }
    cells = make_cell_list(frac, s.pbc, spacing, opt.cutoff);
    wrapped.resize(n);
    position.resize(n);
    shift.resize(n);
    id.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = cells.sorted[k];
      wrapped[k] = unsorted_wrapped[i];
      position[k] = s.positions[i];
      shift[k] = unsorted_shift[i];
      id[k] = static_cast<int>(i);
    }
    const double rc = opt.cutoff * (1.0 + search_slack);
    search_cutoff2 = rc * rc;
  }

  /// Maps a stencil position e along axis a to a bin and a lattice image; false when the
  /// position lies outside the bins of an open axis.
  bool locate(int a, int e, int& bin, int& image) const {
    const int nb = cells.bins[a];
    if (!s.pbc[a]) {
      bin = e;
      image = 0;
      return e >= 0 && e < nb;
    }
    image = e >= 0 ? e / nb : -((-e + nb - 1) / nb);
    bin = e - image * nb;
    return true;
  }

  std::array<int, 3> original_image(const std::array<int, 3>& g) const {
    std::array<int, 3> out{0, 0, 0};
    for (int a = 0; a < 3; ++a)
      for (int c = 0; c < 3; ++c) out[c] += g[a] * to_original[a][c];
    return out;
  }

  /// One bin (as a range of atoms in bin order) and the image it is visited in.
  struct StencilEntry {
    std::size_t begin, end;
    Vec3 translation;  ///< g·basis, Cartesian
    std::array<int, 3> image;
  };

  /// The non-empty bins (with images) an atom of bin b must scan; shared by all its atoms.
  void stencil_of(const std::array<int, 3>& b, std::vector<StencilEntry>& stencil) const {
    stencil.clear();
    const auto& r = cells.reach;
    for (int d0 = -r[0]; d0 <= r[0]; ++d0) {
      int c0, g0;
      if (!locate(0, b[0] + d0, c0, g0)) continue;
      for (int d1 = -r[1]; d1 <= r[1]; ++d1) {
        int c1, g1;
        if (!locate(1, b[1] + d1, c1, g1)) continue;
        for (int d2 = -r[2]; d2 <= r[2]; ++d2) {
          int c2, g2;
          if (!locate(2, b[2] + d2, c2, g2)) continue;
          const std::size_t bin = cells.bin_index(c0, c1, c2);
          if (cells.start[bin] == cells.start[bin + 1]) continue;
          const Vec3 t = g0 * Vec3(basis.row(0)) + g1 * Vec3(basis.row(1)) + g2 * Vec3(basis.row(2));
          stencil.push_back({cells.start[bin], cells.start[bin + 1], t, {g0, g1, g2}});
        }
      }
    }
  }

  /// Appends the sorted neighbours of the atom at bin-order position ki to `out`, scanning
  /// the stencil of its bin; notes overlaps in `overlap`.
  void search_atom(std::size_t ki, const std::vector<StencilEntry>& stencil, std::vector<FoundPair>& out,
                   Overlap& overlap) const {
    const std::size_t first = out.size();
    for (const auto& e : stencil) scan_bin(ki, e, out, overlap);
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), entry_before<FoundPair>);
  }

  void scan_bin(std::size_t ki, const StencilEntry& e, std::vector<FoundPair>& out, Overlap& overlap) const {
    const std::size_t i = std::size_t(id[ki]);
    const Vec3 centre = wrapped[ki] - e.translation;  // neighbour image = wrapped_j + translation
    const auto& g = e.image;
    for (std::size_t kj = e.begin; kj < e.end; ++kj) {
      if ((wrapped[kj] - centre).squaredNorm() >= search_cutoff2) continue;
      const std::size_t j = std::size_t(id[kj]);
      if (opt.half && j < i) continue;  // listed from j's side; overlaps are caught there
      const std::array<int, 3> reduced{g[0] - shift[kj][0] + shift[ki][0], g[1] - shift[kj][1] + shift[ki][1],
                                       g[2] - shift[kj][2] + shift[ki][2]};
      const std::array<int, 3> img = original_image(reduced);
      if (j == i && img == std::array<int, 3>{0, 0, 0}) continue;
      const Vec3 dd = displacement_between(position[ki], position[kj], img, s.cell);
      const double dist = dd.norm();
      if (dist >= cutoffs(i, j)) continue;
      if (dist < opt.overlap_distance) overlap.note(i, static_cast<int>(j), dist);
      if (opt.half && j == i && !positive_image(img)) continue;
      out.push_back({static_cast<int>(j), img, dist});
    }
  }
};

}  // namespace detail

/// The neighbour list of a structure by a cell-list search: linear in the number of
/// atoms, parallel over atoms with oneTBB, identical to build_neighbour_list_brute_force
/// entry by entry and independent of the number of threads.
PESTLE_RUNTIME_INLINE NeighbourList build_neighbour_list(const Structure& s, const NeighbourOptions& opt) {
  s.validate();
  opt.validate();
  const std::size_t n = s.size();
  NeighbourList nl;
  nl.half = opt.half;
  if (n == 0) return nl;
  const detail::CellSearch search(s, opt);

  // Atoms are searched in bin order (neighbouring atoms share their candidate bins in
  // cache), in fixed blocks, each into its own buffer. Blocks do not affect the result:
  // every atom's neighbours are sorted, and the buffers are copied to CSR rows by atom.
  const std::size_t block = std::clamp<std::size_t>(n / 64, 16, 1024);
  const std::size_t blocks = (n + block - 1) / block;
  std::vector<std::vector<detail::FoundPair>> entries(blocks);
  std::vector<detail::Overlap> overlaps(blocks);
  nl.offsets.assign(n + 1, 0);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    const std::size_t lo = b * block, hi = std::min(n, lo + block);
    entries[b].reserve((hi - lo) * 32);
    std::vector<detail::CellSearch::StencilEntry> stencil;
    std::size_t stencil_bin = search.cells.bin_count();  // none yet
    for (std::size_t k = lo; k < hi && !overlaps[b].found; ++k) {
      const auto& bin = search.cells.bin_of[std::size_t(search.id[k])];
      if (const std::size_t flat = search.cells.bin_index(bin[0], bin[1], bin[2]); flat != stencil_bin) {
        search.stencil_of(bin, stencil);
        stencil_bin = flat;
      }
      const std::size_t before = entries[b].size();
      search.search_atom(k, stencil, entries[b], overlaps[b]);
      nl.offsets[std::size_t(search.id[k]) + 1] = entries[b].size() - before;
    }
  });
  const auto first_overlap = std::find_if(overlaps.begin(), overlaps.end(), [](const auto& o) { return o.found; });
  if (first_overlap != overlaps.end()) {
    detail::Overlap o = *first_overlap;
    for (const auto& other : overlaps)
      if (other.found) o.note(other.i, other.j, other.r);
    detail::check_overlap(o.r, o.i, o.j, opt);
  }
  for (std::size_t i = 0; i < n; ++i) nl.offsets[i + 1] += nl.offsets[i];
  detail::resize_pairs(nl, nl.offsets[n]);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    const std::size_t lo = b * block, hi = std::min(n, lo + block);
    std::size_t from = 0;
    for (std::size_t k = lo; k < hi; ++k) {
      const std::size_t i = std::size_t(search.id[k]);
      detail::write_found(nl, s, i, nl.offsets[i], entries[b].data() + from, nl.count(i));
      from += nl.count(i);
    }
    std::vector<detail::FoundPair>().swap(entries[b]);
  });
  return nl;
}

}  // namespace pestle
