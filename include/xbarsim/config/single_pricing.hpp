#pragma once
// No action priced twice (docs/energy_model.md#single-pricing): a card whose figure already
// contains another component's cost says so with `includes:`, and the architecture must then
// not price that component again.
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

// Throws ConfigError naming both cards when a component that one card includes is also priced
// (has a non-zero energy) by its own card.
void check_single_pricing(const ArchConfig& arch, const Registry& registry);

}  // namespace xbarsim
