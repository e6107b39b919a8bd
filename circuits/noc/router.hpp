#pragma once
// noc.router: an on-chip network router priced per bit per hop (docs/costs.md#noc-router).
#include <memory>

#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

ModelSpec router_spec();
std::unique_ptr<CostModel> make_router(const ParamSet& params);

}  // namespace xbarsim
