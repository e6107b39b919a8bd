// Built without MPI: the distributed sweep is unavailable
// (include/xbarsim/experiment/sweep_mpi.hpp).
#include "xbarsim/experiment/sweep_mpi.hpp"

namespace xbarsim {

namespace {
[[noreturn]] void unavailable() {
  throw Error(
      "this xbarsim was built without MPI: install libopenmpi-dev and openmpi-bin and rebuild "
      "(cmake -DXBARSIM_MPI=ON), or run the sweep without mpirun");
}
}  // namespace

bool mpi_built() {
  return false;
}

MpiContext::MpiContext() {
  unavailable();
}
MpiContext::~MpiContext() = default;

void mpi_collective_step(const MpiContext&, const std::function<void()>&) {
  unavailable();
}

SweepOutcome run_sweep_mpi(const ExperimentSpec&, const SweepOptions&, const Registry&,
                           const MpiContext&) {
  unavailable();
}

}  // namespace xbarsim
