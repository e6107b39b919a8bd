#pragma once
// The model objects of one tile, built once from a resolved architecture.
#include <map>
#include <memory>
#include <string>
#include <vector>

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

// The tile models of every crossbar layer of a network: one set for the architecture's tile
// and one per layer that `layers:` sets apart (docs/architecture.md#per-layer).
struct NetworkTileModels {
  NetworkTileModels(std::shared_ptr<const TileModels> all_layers)  // NOLINT: one tile for all
      : base(std::move(all_layers)) {}
  std::shared_ptr<const TileModels> base;
  std::map<std::string, std::shared_ptr<const TileModels>> per_layer;
  const std::shared_ptr<const TileModels>& of(const std::string& layer) const;
  // (name, where its entry came from) of the layers set apart, for checking against a network.
  std::vector<std::pair<std::string, std::string>> layer_origins;
  // Where attention's products of activations run; in memory they use `base`.
  AttentionConfig attention;
};

NetworkTileModels make_network_tile_models(const ArchConfig& arch, const Registry& registry);

}  // namespace xbarsim
