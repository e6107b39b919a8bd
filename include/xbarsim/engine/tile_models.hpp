#pragma once
// The model objects of one tile, built once from a resolved architecture.
#include <memory>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {

struct TileModels {
  TileConfig config;
  std::unique_ptr<DeviceModel> device;
  std::unique_ptr<Dac> dac;
  std::unique_ptr<Adc> adc;
};

std::shared_ptr<const TileModels> make_tile_models(const ArchConfig& arch,
                                                   const Registry& registry);

}  // namespace xbarsim
