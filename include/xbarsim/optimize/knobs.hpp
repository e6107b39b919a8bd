#pragma once
// The knobs `xbarsim optimize` searches (--knobs, --range) and the per-layer overrides a
// setting stands for (docs/optimizer.md#knobs-and-ranges).
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/optimize/search.hpp"

namespace xbarsim {

// The declaration of a tile key in the architecture `arch`: tile.<key> (the tile section),
// tile.mapping.<key>, tile.wires.<key>, or tile.{device,dac,adc}.<key> of the model the card
// names. Throws ConfigError (key `--knobs`) naming `key` when it is none of these.
ParamSpec tile_key_spec(const ArchConfig& arch, const Registry& registry, const std::string& key);

// Parses --knobs (comma-separated tile keys) and --range (KEY=LO:HI, repeatable) against
// `arch`: each knob must be an integer tile key, each range inside the key's declared range
// with LO <= HI, and name a knob. A knob without a range searches `default_lo`..its value in
// `arch` (clamped to the declared range). Errors name the argument and what was expected.
std::vector<Knob> parse_knobs(const std::vector<std::string>& knobs,
                              const std::vector<std::string>& ranges, const ArchConfig& arch,
                              const Registry& registry, std::int64_t default_lo);

// The overrides that give `setting` to every crossbar layer: layers.<name>.<knob>=<value>.
std::vector<Override> setting_overrides(const std::vector<std::string>& layers,
                                        const std::vector<Knob>& knobs, const Setting& setting);

// "conv1:tile.adc.bits=5 conv2:..." for reports and keys.
std::string setting_label(const std::vector<std::string>& layers, const std::vector<Knob>& knobs,
                          const Setting& setting);

}  // namespace xbarsim
