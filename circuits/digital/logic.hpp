#pragma once
// digital.logic: fixed- or floating-point arithmetic priced per operation: the digital
// accumulation, pooling and activation of the analog design and the digital baseline's MACs
// (docs/costs.md#digital-logic).
#include <memory>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

ModelSpec digital_logic_spec();
std::unique_ptr<CostModel> make_digital_logic(const ParamSet& params);

}  // namespace xbarsim
