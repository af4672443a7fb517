// The MPI glue of the command line (mpi_world.hpp); the only file of pestle that includes <mpi.h>.
// Without PESTLE_WITH_MPI (no MPI found at configure time) every run is a group of one.
#include "mpi_world.hpp"

#include <algorithm>
#include <cstdlib>

#if defined(PESTLE_WITH_MPI)
#include <mpi.h>
#endif

namespace pestle::cli {

namespace {

#if defined(PESTLE_WITH_MPI)
class MpiWorld final : public Communicator {
 public:
  int rank() const override {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
  }
  int size() const override {
    int n = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
  }
  void sum(double* data, std::size_t n) const override {
    for (std::size_t at = 0; at < n; at += piece)
      MPI_Allreduce(MPI_IN_PLACE, data + at, count(n, at), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  }
  void send(const double* data, std::size_t n, int to) const override {
    for (std::size_t at = 0; at < n; at += piece)
      MPI_Send(data + at, count(n, at), MPI_DOUBLE, to, 0, MPI_COMM_WORLD);
  }
  void receive(double* data, std::size_t n, int from) const override {
    for (std::size_t at = 0; at < n; at += piece)
      MPI_Recv(data + at, count(n, at), MPI_DOUBLE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  using Communicator::sum;

 private:
  // in pieces: MPI counts are ints, and a triangle of 50 000 columns passes 2^31 doubles
  static constexpr std::size_t piece = std::size_t{1} << 28;
  static int count(std::size_t n, std::size_t at) { return static_cast<int>(std::min(piece, n - at)); }
};

bool started = false;

bool under_mpi_launcher() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}
#endif

}  // namespace

void start_world([[maybe_unused]] int& argc, [[maybe_unused]] char**& argv) {
#if defined(PESTLE_WITH_MPI)
  if (!under_mpi_launcher()) return;
  MPI_Init(&argc, &argv);
  started = true;
#endif
}

void stop_world() {
#if defined(PESTLE_WITH_MPI)
  if (started) MPI_Finalize();
  started = false;
#endif
}

const Communicator& world() {
#if defined(PESTLE_WITH_MPI)
  static const MpiWorld mpi;
  if (started) return mpi;
#endif
  return serial_communicator();
}

void abort_world(int code) {
#if defined(PESTLE_WITH_MPI)
  if (started && world().size() > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

}  // namespace pestle::cli
