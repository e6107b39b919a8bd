#include "device_models/register.hpp"

#include <memory>

#include "device_models/ideal/ideal_device.hpp"
#include "device_models/pcm/pcm_statistical.hpp"
#include "device_models/reram/reram_multilevel.hpp"
#include "device_models/reram/reram_relaxation.hpp"
#include "device_models/sram/sram_cell.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

namespace {
template <class Model>
void add(Registry& registry) {
  registry.add_device(Model::spec(), [](const ParamSet& params) -> std::unique_ptr<DeviceModel> {
    return std::make_unique<Model>(params);
  });
}
}  // namespace

void register_device_models(Registry& registry) {
  add<IdealDevice>(registry);
  add<ReramMultilevel>(registry);
  add<PcmStatistical>(registry);
  add<ReramRelaxation>(registry);
  add<SramCell>(registry);
}

}  // namespace xbarsim
