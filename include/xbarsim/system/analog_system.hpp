#pragma once
// The in-memory accelerator as a whole: layers placed on tiles, every action of the arrays,
// converters, buffers, network-on-chip and DRAM counted, priced with the cost models of the
// architecture's cards, plus latency, throughput and area (docs/energy_model.md).
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/engine/action_counts.hpp"
#include "xbarsim/system/report.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {

// Estimates one batch of `batch` inferences. With `simulated` (one entry per workload layer,
// from a simulated run of exactly that batch) the crossbar counts and the data-dependent
// cell read energy come from the simulation; without it they follow from the shapes.
SystemReport estimate_analog(const Workload& workload, const ArchConfig& arch,
                             const Registry& registry, double batch,
                             const std::vector<ActionCounts>* simulated = nullptr);

}  // namespace xbarsim
