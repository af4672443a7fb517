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
#include <optional>
#include <vector>

#include "pestle/core/dataset.hpp"
#include "pestle/core/error.hpp"

namespace pestle {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Element-wise sum over the group, in place on every rank (MPI_Allreduce with MPI_SUM).
  virtual void sum(double* data, std::size_t n) const = 0;
  /// n doubles to rank `to`, which receives them with receive(…, from = this rank) (MPI_Send/MPI_Recv).
  virtual void send(const double* data, std::size_t n, int to) const = 0;
  virtual void receive(double* data, std::size_t n, int from) const = 0;

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
  void send(const double*, std::size_t, int) const override { throw InputError("a group of one has no rank to send to"); }
  void receive(double*, std::size_t, int) const override { throw InputError("a group of one has no rank to receive from"); }
  using Communicator::sum;
};

/// Rank 0's n doubles on every rank.
inline void broadcast_from_root(const Communicator& comm, double* data, std::size_t n) {
  if (comm.size() <= 1) return;
  if (!comm.is_root()) std::fill(data, data + n, 0.0);
  comm.sum(data, n);
}

/// The group of one, for fits that are given no communicator.
inline const Communicator& serial_communicator() {
  static const SerialCommunicator one;
  return one;
}

/// The cost of assembling one structure's rows, up to a constant: atoms × neighbours per atom, with
/// the neighbours of a periodic cell ∝ its density N/V (a compressed cell has many more; InP's EOS
/// structures cost several times their share of atoms) and of a non-periodic one taken at a typical
/// solid's 0.05 atoms/Å³.
inline double assembly_cost(const Structure& s) {
  const double n = static_cast<double>(s.size());
  const double v = s.pbc[0] && s.pbc[1] && s.pbc[2] ? s.volume() : 0.0;
  return n * (v > 0.0 ? n / v : 0.05);
}

/// The indices of the structures this rank assembles: the structures, costliest first, each go to the
/// rank with the least cost so far (ties: the lower rank; longest-processing-time-first scheduling), so
/// the ranks finish together, and every rank computes the same partition without talking to the others.
inline std::vector<std::size_t> rank_share(const Dataset& data, const Communicator& comm) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (ranks <= 1) return order;
  std::vector<double> cost(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) cost[i] = assembly_cost(data[i].structure);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
  std::vector<double> load(ranks, 0.0);
  std::vector<std::size_t> mine;
  for (std::size_t i : order) {
    const auto least = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += cost[i];
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

/// The structures this process assembles: the whole data set (no copy) for a group of one, else a
/// copy of its rank's share.
class RankPart {
 public:
  RankPart(const Dataset& data, const Communicator& comm) : data_(data) {
    if (comm.size() > 1) share_ = rank_subset(data, comm);
  }
  const Dataset& get() const { return share_ ? *share_ : data_; }

 private:
  const Dataset& data_;
  std::optional<Dataset> share_;
};

}  // namespace pestle
