#pragma once
// memory.sram: an on-chip SRAM (or eDRAM) buffer whose energy per bit grows with the square
// root of its capacity, fitted to Horowitz, ISSCC 2014 (docs/costs.md#memory-sram).
#include <memory>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

ModelSpec sram_buffer_spec();
std::unique_ptr<CostModel> make_sram_buffer(const ParamSet& params);

}  // namespace xbarsim
