#pragma once
// Builds tile models directly from the registry, bypassing files, for engine tests.
#include <map>
#include <memory>
#include <string>

#include "xbarsim/config/registry.hpp"
#include "xbarsim/engine/tile_models.hpp"

namespace xbarsim::test {

using Params = std::map<std::string, ParamValue>;

inline ParamSet params_for(const std::string& model, const Params& overrides) {
  const ModelSpec& spec = builtin_registry().spec(model);
  ParamSet p("test " + model);
  for (const ParamSpec& s : spec.params)
    if (s.default_value) p.set(s.key, *s.default_value);
  for (const auto& [k, v] : overrides) p.set(k, v);
  return p;
}

struct TileSpec {
  std::string device = "ideal";
  Params device_params;
  std::string dac = "dac.ideal";
  Params dac_params;
  std::string adc = "adc.ideal";
  Params adc_params;
  MappingConfig mapping;
  std::int64_t rows = 64;
  std::int64_t cols = 32;
  WireConfig wires;  // ideal wires unless a test sets ir_drop
};

// The small ReRAM tile of the array-circuit tests: 64 x 32 arrays of 1-40 uS cells with
// `levels` levels, a bit-serial 0.3 V driver, 2-bit slices of `weight_bits`-bit weights and
// 4-bit inputs; ideal ADC and wires until a test sets them.
inline TileSpec small_reram_tile(std::int64_t levels, int weight_bits) {
  TileSpec t;
  t.device = "reram.multilevel";
  t.device_params = {{"g_min_siemens", 1e-6}, {"g_max_siemens", 40e-6}, {"levels", levels}};
  t.dac = "dac.linear";
  t.dac_params = {{"bits", std::int64_t{1}}, {"read_voltage_v", 0.3}};
  t.mapping.weight_bits = weight_bits;
  t.mapping.bits_per_cell = 2;
  t.mapping.input_bits = 4;
  t.rows = 64;
  t.cols = 32;
  return t;
}

inline std::shared_ptr<const TileModels> make_models(const TileSpec& t) {
  const Registry& r = builtin_registry();
  auto m = std::make_shared<TileModels>();
  m->config.rows = t.rows;
  m->config.cols = t.cols;
  m->config.mapping = t.mapping;
  m->config.wires = t.wires;
  m->device = r.make_device(t.device, params_for(t.device, t.device_params));
  m->dac = r.make_dac(t.dac, params_for(t.dac, t.dac_params));
  m->adc = r.make_adc(t.adc, params_for(t.adc, t.adc_params));
  return m;
}

}  // namespace xbarsim::test
