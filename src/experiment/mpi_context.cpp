// The MPI runtime and collective error agreement (include/xbarsim/experiment/sweep_mpi.hpp).
#include <mpi.h>

#include <exception>
#include <string>

#include "xbarsim/experiment/sweep_mpi.hpp"

namespace xbarsim {

bool mpi_built() {
  return true;
}

MpiContext::MpiContext() {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw Error("the MPI library does not support threads (MPI_THREAD_FUNNELED)");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiContext::~MpiContext() {
  MPI_Finalize();
}

void mpi_collective_step(const MpiContext& mpi, const std::function<void()>& step) {
  std::exception_ptr error;
  try {
    step();
  } catch (...) {
    error = std::current_exception();
  }
  const int mine = error ? mpi.rank() : mpi.size();
  int lowest = mpi.size();
  MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (lowest == mpi.size()) return;
  if (lowest == mpi.rank()) std::rethrow_exception(error);
  throw PeerRankFailed("rank " + std::to_string(lowest) + " failed");
}

}  // namespace xbarsim
