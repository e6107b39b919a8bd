#include "xbarsim/config/single_pricing.hpp"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {

// Whether the component's own card puts a non-zero energy or power on it: any parameter in
// joules or watts above zero (checked on the parameters, so that an otherwise invalid value is
// left to the model's own factory and its message).
bool priced(const ComponentConfig& c, const Registry& registry) {
  const ModelSpec& spec = registry.spec(c.model);
  for (const auto& [key, value] : c.params.values()) {
    const ParamSpec* p = spec.find(key);
    const double* d = std::get_if<double>(&value);
    if (p && d && (p->unit == "J" || p->unit == "W") && *d > 0) return true;
  }
  return false;
}

}  // namespace

void check_single_pricing(const ArchConfig& arch, const Registry& registry) {
  std::vector<std::pair<std::string, const ComponentConfig*>> parts{
      {"device", &arch.tile.device}, {"dac", &arch.tile.dac}, {"adc", &arch.tile.adc}};
  if (arch.system) {
    parts.push_back({"sample_hold", &arch.system->sample_hold});
    parts.push_back({"shift_add", &arch.system->shift_add});
  }
  auto find = [&](const std::string& name) -> const ComponentConfig* {
    for (const auto& [n, c] : parts)
      if (n == name) return c;
    return nullptr;
  };
  for (const auto& [name, card] : parts)
    for (const std::string& included : card->includes) {
      const ComponentConfig* other = find(included);
      if (!other || other == card || !priced(*other, registry)) continue;
      throw ConfigError(card->card_path, "includes",
                        "the figures of this card (tile." + name + ") already include the " +
                            included + ", but the architecture " + arch.file +
                            " also prices it with " + other->card_path + "; price it once: use a " +
                            included + " card that costs nothing, or a " + name +
                            " card that does not include it");
    }
}

}  // namespace xbarsim
