#include "xbarsim/config/registry.hpp"

#include <algorithm>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {

std::string to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::kDevice:
      return "device";
    case ModelKind::kDac:
      return "dac";
    case ModelKind::kAdc:
      return "adc";
    case ModelKind::kCost:
      return "cost";
    case ModelKind::kSection:
      return "section";
  }
  return "?";
}

const ParamSpec* ModelSpec::find(const std::string& key) const {
  for (const ParamSpec& p : params)
    if (p.key == key) return &p;
  return nullptr;
}

void Registry::add_spec(ModelSpec spec) {
  if (specs_.count(spec.name)) throw Error("model '" + spec.name + "' registered twice");
  specs_.emplace(spec.name, std::move(spec));
}

void Registry::add_device(ModelSpec spec, DeviceFactory factory) {
  devices_[spec.name] = std::move(factory);
  add_spec(std::move(spec));
}
void Registry::add_dac(ModelSpec spec, DacFactory factory) {
  dacs_[spec.name] = std::move(factory);
  add_spec(std::move(spec));
}
void Registry::add_adc(ModelSpec spec, AdcFactory factory) {
  adcs_[spec.name] = std::move(factory);
  add_spec(std::move(spec));
}
void Registry::add_cost(ModelSpec spec, CostFactory factory) {
  costs_[spec.name] = std::move(factory);
  add_spec(std::move(spec));
}
void Registry::add_section(ModelSpec spec) {
  add_spec(std::move(spec));
}

const ModelSpec& Registry::spec(const std::string& name) const {
  auto it = specs_.find(name);
  if (it == specs_.end()) {
    std::string known;
    for (const auto& [n, s] : specs_)
      if (s.kind != ModelKind::kSection) append_item(known, n, ", ");
    throw ConfigError("", "model", "unknown model '" + name + "'; known models: " + known);
  }
  return it->second;
}

std::vector<const ModelSpec*> Registry::all() const {
  std::vector<const ModelSpec*> out;
  for (const auto& [name, s] : specs_) out.push_back(&s);
  std::stable_sort(out.begin(), out.end(), [](const ModelSpec* a, const ModelSpec* b) {
    return a->kind != b->kind ? a->kind < b->kind : a->name < b->name;
  });
  return out;
}

namespace {
template <class Map>
auto make_from(const Map& factories, const std::string& name, const ParamSet& p,
               const std::string& kind) {
  auto it = factories.find(name);
  if (it == factories.end())
    throw ConfigError(p.origin(), "model", "'" + name + "' is not a " + kind + " model");
  return it->second(p);
}
}  // namespace

std::unique_ptr<DeviceModel> Registry::make_device(const std::string& name,
                                                   const ParamSet& p) const {
  return make_from(devices_, name, p, "device");
}
std::unique_ptr<Dac> Registry::make_dac(const std::string& name, const ParamSet& p) const {
  return make_from(dacs_, name, p, "DAC");
}
std::unique_ptr<Adc> Registry::make_adc(const std::string& name, const ParamSet& p) const {
  return make_from(adcs_, name, p, "ADC");
}
std::unique_ptr<CostModel> Registry::make_cost(const std::string& name, const ParamSet& p) const {
  return make_from(costs_, name, p, "cost");
}

}  // namespace xbarsim
