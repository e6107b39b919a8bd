// Whether an MPI launcher started the process (include/xbarsim/experiment/sweep_mpi.hpp).
#include <cstdlib>

#include "xbarsim/experiment/sweep_mpi.hpp"

namespace xbarsim {

bool launched_by_mpi() {
  // Open MPI's mpirun, MPICH/Hydra and Slurm's PMI-2, and PMIx launchers (srun --mpi=pmix).
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const char* v = std::getenv(name); v && *v) return true;
  return false;
}

}  // namespace xbarsim
