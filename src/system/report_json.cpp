#include "xbarsim/system/report_json.hpp"

namespace xbarsim {

std::map<std::string, double> energy_by_component(const SystemReport& r) {
  std::map<std::string, double> m;
  for (const ActionLine& a : r.actions) m[a.component] += a.energy_j();
  return m;
}

std::map<std::string, double> energy_by_layer(const SystemReport& r) {
  std::map<std::string, double> m;
  for (const ActionLine& a : r.actions) m[a.layer] += a.energy_j();
  return m;
}

std::map<std::string, double> area_by_component(const SystemReport& r) {
  std::map<std::string, double> m;
  for (const AreaLine& a : r.area) m[a.component] += a.area_m2();
  return m;
}

Json report_json(const SystemReport& r) {
  Json n = Json::object();
  n["batch"] = r.batch;
  n["energy_j"] = r.energy_j();
  n["energy_per_inference_j"] = r.energy_per_inference_j(0);
  n["latency_s"] = r.latency_s;
  n["area_m2"] = r.area_m2();
  n["throughput_per_s"] = r.throughput_per_s;
  n["macs"] = r.macs;
  n["tops_per_w"] = r.tops_per_w();
  n["tops_per_mm2"] = r.tops_per_mm2();
  for (const auto& [k, v] : energy_by_component(r)) n["energy_j_by_component"][k] = v;
  for (const auto& [k, v] : energy_by_layer(r)) n["energy_j_by_layer"][k] = v;
  for (const auto& [k, v] : area_by_component(r)) n["area_m2_by_component"][k] = v;
  n["actions"] = Json::array();
  for (const ActionLine& a : r.actions)
    n["actions"].push_back({{"layer", a.layer},
                            {"component", a.component},
                            {"action", a.action},
                            {"count", a.count},
                            {"energy_per_action_j", a.energy_per_action_j}});
  for (const LayerTiming& t : r.layers)
    n["seconds_per_sample_by_layer"][t.layer] = t.seconds_per_sample;
  for (EnergyCategory c :
       {EnergyCategory::kCompute, EnergyCategory::kOnChipMovement, EnergyCategory::kDram})
    n["energy_j_by_category"][to_string(c)] = r.energy_j(c);
  Json& load = n["one_time_load"];
  load["energy_j"] = r.setup_energy_j();
  load["time_s"] = r.setup_time_s;
  load["weights_where"] = r.weights_where;
  load["actions"] = Json::array();
  for (const ActionLine& a : r.setup)
    load["actions"].push_back({{"component", a.component},
                               {"action", a.action},
                               {"count", a.count},
                               {"energy_per_action_j", a.energy_per_action_j}});
  Json& peak = n["peak_power_w"];
  peak["per_tile"] = r.peak_power_per_tile_w();
  peak["per_chip"] = r.peak_power_per_chip_w();
  for (const PowerLine& p : r.peak_power)
    peak["by_component"][p.component] = {{"per_tile", p.per_tile_w}, {"per_chip", p.per_chip_w}};
  n["notes"] = r.notes;
  return n;
}

Json comparison_json(const Comparison& c) {
  const SystemReport& a = c.analog;
  const SystemReport& d = c.digital;
  Json j = Json::object();
  j["digital"] = c.digital_path;
  j["energy_j_analog"] = a.energy_j();
  j["energy_j_digital"] = d.energy_j();
  j["latency_s_analog"] = a.latency_s;
  j["latency_s_digital"] = d.latency_s;
  j["area_m2_analog"] = a.area_m2();
  j["area_m2_digital"] = d.area_m2();
  j["throughput_per_s_analog"] = a.throughput_per_s;
  j["throughput_per_s_digital"] = d.throughput_per_s;
  j["tops_per_w_analog"] = a.tops_per_w();
  j["tops_per_w_digital"] = d.tops_per_w();
  j["inferences_per_load"] = c.inferences_per_load;
  j["energy_per_inference_j_analog"] = a.energy_per_inference_j(c.inferences_per_load);
  j["energy_per_inference_j_digital"] = d.energy_per_inference_j(c.inferences_per_load);
  j["assumptions"] = c.assumptions;
  j["breakdown"] = {{"analog", report_json(a)}, {"digital", report_json(d)}};
  return j;
}

Json energy_estimate_json(const Comparison& c, const std::string& arch_name,
                          const Workload& workload, double batch) {
  Json j = Json::object();
  j["arch"] = arch_name;
  j["workload"] = workload.name;
  j["batch"] = batch;
  j["macs"] = c.analog.macs;
  j.update(comparison_json(c));
  return j;
}

}  // namespace xbarsim
