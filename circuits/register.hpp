#pragma once
namespace xbarsim {
class Registry;
// The one visible list of circuit models: adds each to the registry.
void register_circuits(Registry& registry);
}  // namespace xbarsim
