#pragma once
// memory.dram: off-chip DRAM priced per bit transferred (docs/costs.md#memory-dram).
#include <memory>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

ModelSpec dram_spec();
std::unique_ptr<CostModel> make_dram(const ParamSet& params);

}  // namespace xbarsim
