#pragma once
// Parameter groups of the architecture file that are not models: the tile geometry and the
// weight/input mapping. Declared like models so they are validated and documented the same way.
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

inline constexpr const char* kTileSection = "tile";
inline constexpr const char* kMappingSection = "mapping";
inline constexpr const char* kChipSection = "chip";
inline constexpr const char* kWiresSection = "wires";
inline constexpr const char* kAttentionSection = "attention";

void register_core_sections(Registry& registry);
MappingConfig mapping_from(const ParamSet& params);
// The values as given; the loader checks that a solved network has resistances > 0.
WireConfig wires_from(const ParamSet& params);
AttentionConfig attention_from(const ParamSet& params);

}  // namespace xbarsim
