// Built without MPI: the optimizer runs on one process only
// (include/xbarsim/optimize/task_runner.hpp).
#include "xbarsim/core/error.hpp"
#include "xbarsim/optimize/task_runner.hpp"

namespace xbarsim {

std::unique_ptr<TaskRunner> mpi_task_runner(const MpiContext&, int) {
  throw Error(
      "this xbarsim was built without MPI: install libopenmpi-dev and openmpi-bin and rebuild "
      "(cmake -DXBARSIM_MPI=ON), or run the optimizer without mpirun");
}

}  // namespace xbarsim
