#pragma once
// Models are chosen by name from an explicit registry. Each library (device_models,
// circuits) has one visible register function that adds its models here.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "xbarsim/config/param.hpp"

namespace xbarsim {

class DeviceModel;
class Dac;
class Adc;
class CostModel;

enum class ModelKind { kDevice, kDac, kAdc, kCost, kSection };
std::string to_string(ModelKind kind);

// What a model declares about itself: the source of `xbarsim describe` and of
// docs/config_reference.md.
struct ModelSpec {
  std::string name;  // e.g. "reram.multilevel"
  ModelKind kind = ModelKind::kDevice;
  std::string summary;  // one line
  std::string docs;     // where its equations are, e.g. "docs/devices.md#reram-multilevel"
  std::vector<ParamSpec> params;

  const ParamSpec* find(const std::string& key) const;
};

using DeviceFactory = std::function<std::unique_ptr<DeviceModel>(const ParamSet&)>;
using DacFactory = std::function<std::unique_ptr<Dac>(const ParamSet&)>;
using AdcFactory = std::function<std::unique_ptr<Adc>(const ParamSet&)>;
using CostFactory = std::function<std::unique_ptr<CostModel>(const ParamSet&)>;

class Registry {
 public:
  void add_device(ModelSpec spec, DeviceFactory factory);
  void add_dac(ModelSpec spec, DacFactory factory);
  void add_adc(ModelSpec spec, AdcFactory factory);
  // Components priced per action (buffers, routers, DRAM, digital logic, sample-and-hold).
  void add_cost(ModelSpec spec, CostFactory factory);
  // Parameter groups without a model object (tile, mapping): declared for validation and docs.
  void add_section(ModelSpec spec);

  const ModelSpec& spec(const std::string& name) const;  // throws ConfigError if unknown
  bool has(const std::string& name) const { return specs_.count(name) != 0; }
  std::vector<const ModelSpec*> all() const;  // sorted by kind, then name

  std::unique_ptr<DeviceModel> make_device(const std::string& name, const ParamSet& p) const;
  std::unique_ptr<Dac> make_dac(const std::string& name, const ParamSet& p) const;
  std::unique_ptr<Adc> make_adc(const std::string& name, const ParamSet& p) const;
  std::unique_ptr<CostModel> make_cost(const std::string& name, const ParamSet& p) const;

 private:
  void add_spec(ModelSpec spec);
  std::map<std::string, ModelSpec> specs_;
  std::map<std::string, DeviceFactory> devices_;
  std::map<std::string, DacFactory> dacs_;
  std::map<std::string, AdcFactory> adcs_;
  std::map<std::string, CostFactory> costs_;
};

// The registry with every built-in model: core sections, device_models and circuits.
const Registry& builtin_registry();

}  // namespace xbarsim
