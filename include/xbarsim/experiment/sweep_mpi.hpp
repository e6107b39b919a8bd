#pragma once
// Sweeps over the ranks of an MPI job (docs/cluster.md): `mpirun -np N xbarsim sweep ...`.
// Rank 0 owns the output folder and hands out tasks one at a time as ranks ask for them; every
// rank runs `jobs` worker threads. Without MPI in the build these functions throw.
#include <functional>

#include "xbarsim/core/error.hpp"
#include "xbarsim/experiment/sweep.hpp"

namespace xbarsim {

// True when this binary was built with MPI (CMake option XBARSIM_MPI).
bool mpi_built();

// True when an MPI launcher (mpirun, mpiexec, srun with PMI or PMIx) started this process:
// its environment names a rank.
bool launched_by_mpi();

// The MPI runtime of the process: initialised (thread level "funneled": only the thread that
// made the context calls MPI) by the constructor, finalised by the destructor.
class MpiContext {
 public:
  MpiContext();
  ~MpiContext();
  MpiContext(const MpiContext&) = delete;
  MpiContext& operator=(const MpiContext&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0;
  int size_ = 1;
};

// Thrown on the ranks that stay quiet while the lowest failing rank reports the error.
class PeerRankFailed : public Error {
 public:
  using Error::Error;
};

// Runs `step` on every rank, then agrees on its outcome: when it threw on any rank, the lowest
// such rank rethrows its error and every other rank throws PeerRankFailed. No rank is left
// waiting for another that has failed.
void mpi_collective_step(const MpiContext& mpi, const std::function<void()>& step);

// Every rank calls this with the same spec and options. Rank 0 returns the sweep's outcome;
// the other ranks return an outcome with only `total` set. A failing task is reported to rank
// 0 (options.on_failure there), the other tasks go on, and every finished task is saved.
SweepOutcome run_sweep_mpi(const ExperimentSpec& spec, const SweepOptions& options,
                           const Registry& registry, const MpiContext& mpi);

}  // namespace xbarsim
