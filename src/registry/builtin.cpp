#include "circuits/register.hpp"
#include "device_models/register.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/config/sections.hpp"
#include "xbarsim/system/digital_baseline.hpp"

namespace xbarsim {

const Registry& builtin_registry() {
  static const Registry registry = [] {
    Registry r;
    register_core_sections(r);
    register_digital_sections(r);
    register_device_models(r);
    register_circuits(r);
    return r;
  }();
  return registry;
}

}  // namespace xbarsim
