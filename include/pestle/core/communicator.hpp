#pragma once
// Communicator: what a fit needs of a group of processes (MPI ranks) to share its work, without
// pestle's headers depending on MPI (docs/parallel_fits.md). A fit that is given one assembles the
// rows of its rank's share of the structures and sums the result with the other ranks; the
// default, SerialCommunicator, is a group of one. The pestle command line wraps MPI_COMM_WORLD in
// one (apps/pestle/mpi_world.cpp) when it runs under mpirun; a downstream code with its own MPI
// communicator implements the three members on it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "pestle/core/dataset.hpp"

namespace pestle {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Element-wise sum over the group, in place on every rank (MPI_Allreduce with MPI_SUM).
  virtual void sum(double* data, std::size_t n) const = 0;

  bool is_root() const { return rank() == 0; }
  double sum(double x) const {
    sum(&x, 1);
    return x;
  }
};

class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(double*, std::size_t) const override {}
  using Communicator::sum;
};

/// The group of one, for fits that are given no communicator.
inline const Communicator& serial_communicator() {
  static const SerialCommunicator one;
  return one;
}

/// The indices of the structures this rank assembles: the structures, largest first, each go to the
/// rank with the fewest atoms so far (ties: the lower rank), so every rank gets about the same number
/// of atoms, and every rank computes the same partition without talking to the others.
inline std::vector<std::size_t> rank_share(const Dataset& data, const Communicator& comm) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  if (ranks <= 1) {
    std::vector<std::size_t> all(data.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    return all;
  }
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return data[a].size() > data[b].size(); });
  std::vector<std::size_t> load(ranks, 0);
  std::vector<std::size_t> mine;
  for (std::size_t i : order) {
    const auto least = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += data[i].size();
    if (least == static_cast<std::size_t>(comm.rank())) mine.push_back(i);
  }
  std::sort(mine.begin(), mine.end());  // data-set order within a rank
  return mine;
}

/// This rank's share of the structures as a data set of its own.
inline Dataset rank_subset(const Dataset& data, const Communicator& comm) {
  Dataset part;
  for (std::size_t i : rank_share(data, comm)) part.push_back(data[i]);
  return part;
}

}  // namespace pestle
