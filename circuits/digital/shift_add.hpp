#pragma once
// digital.shift_add: the shift-and-add unit that recombines bit-serial and bit-sliced partial
// sums (docs/costs.md#digital-shift-add).
#include <memory>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

ModelSpec shift_add_spec();
std::unique_ptr<CostModel> make_shift_add(const ParamSet& params);

}  // namespace xbarsim
