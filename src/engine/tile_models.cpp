#include "xbarsim/engine/tile_models.hpp"

#include "xbarsim/config/registry.hpp"

namespace xbarsim {

std::shared_ptr<const TileModels> make_tile_models(const ArchConfig& arch,
                                                   const Registry& registry) {
  auto m = std::make_shared<TileModels>();
  m->config = arch.tile;
  m->device = registry.make_device(arch.tile.device.model, arch.tile.device.params);
  m->dac = registry.make_dac(arch.tile.dac.model, arch.tile.dac.params);
  m->adc = registry.make_adc(arch.tile.adc.model, arch.tile.adc.params);
  return m;
}

const std::shared_ptr<const TileModels>& NetworkTileModels::of(const std::string& layer) const {
  const auto it = per_layer.find(layer);
  return it == per_layer.end() ? base : it->second;
}

NetworkTileModels make_network_tile_models(const ArchConfig& arch, const Registry& registry) {
  NetworkTileModels m(make_tile_models(arch, registry));
  for (const auto& [name, layer] : arch.layers)
    m.per_layer.emplace(name, make_tile_models(*layer, registry));
  m.layer_origins = arch.layer_origins();
  m.attention = arch.attention;
  return m;
}

}  // namespace xbarsim
