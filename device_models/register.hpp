#pragma once
namespace xbarsim {
class Registry;
// The one visible list of device models: adds each to the registry.
void register_device_models(Registry& registry);
}  // namespace xbarsim
