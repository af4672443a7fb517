#pragma once
// N ranks as N threads of one test process, for the code that shares work over MPI ranks through
// pestle::Communicator (LeastSquares::reduce, FoldedNormalEquations::reduce): tested without an MPI
// launcher (the CLI's MPI tests run the real one).
#include <barrier>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "pestle/core/communicator.hpp"

namespace pestle::test {

/// The group: what the reductions need of MPI (an in-place sum, sends and receives).
class ThreadRanks {
 public:
  explicit ThreadRanks(int n) : n_(n), sync_(n) {}

  class Rank final : public Communicator {
   public:
    Rank(ThreadRanks& g, int r) : g_(g), r_(r) {}
    int rank() const override { return r_; }
    int size() const override { return g_.n_; }
    void sum(double* data, std::size_t n) const override {
      if (r_ == 0) g_.total_.assign(n, 0.0);
      g_.sync_.arrive_and_wait();
      {
        std::lock_guard<std::mutex> lock(g_.mutex_);
        for (std::size_t i = 0; i < n; ++i) g_.total_[i] += data[i];
      }
      g_.sync_.arrive_and_wait();
      std::copy(g_.total_.begin(), g_.total_.end(), data);
      g_.sync_.arrive_and_wait();
    }
    void send(const double* data, std::size_t n, int to) const override {
      std::lock_guard<std::mutex> lock(g_.mutex_);
      g_.mail_[{r_, to}].emplace_back(data, data + n);
      g_.delivered_.notify_all();
    }
    void receive(double* data, std::size_t n, int from) const override {
      std::unique_lock<std::mutex> lock(g_.mutex_);
      auto& box = g_.mail_[{from, r_}];
      g_.delivered_.wait(lock, [&] { return !box.empty(); });
      // a message of the wrong length leaves the rest of `data` as it was: the solution check then fails
      std::copy_n(box.front().begin(), std::min(n, box.front().size()), data);
      box.pop_front();
    }
    using Communicator::sum;

   private:
    ThreadRanks& g_;
    int r_;
  };

 private:
  int n_;
  std::barrier<> sync_;
  std::mutex mutex_;
  std::vector<double> total_;
  std::condition_variable delivered_;
  std::map<std::pair<int, int>, std::deque<std::vector<double>>> mail_;  ///< (from, to) → messages in order
};

}  // namespace pestle::test
