#pragma once
// array.sample_hold: the sample-and-hold that holds a column's output for the ADC
// (docs/costs.md#array-sample-hold).
#include <memory>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

ModelSpec sample_hold_spec();
std::unique_ptr<CostModel> make_sample_hold(const ParamSet& params);

}  // namespace xbarsim
