#include "xbarsim/system/report.hpp"

namespace xbarsim {

double SystemReport::energy_j() const {
  double e = 0;
  for (const ActionLine& a : actions) e += a.energy_j();
  return e;
}

double SystemReport::energy_j(const std::string& component) const {
  double e = 0;
  for (const ActionLine& a : actions)
    if (a.component == component) e += a.energy_j();
  return e;
}

EnergyCategory energy_category(const std::string& component) {
  if (component == "dram") return EnergyCategory::kDram;
  if (component == "input_buffer" || component == "output_buffer" || component == "global_buffer" ||
      component == "noc" || component == "register_file" || component == "weight_buffer" ||
      component == "tile_buffer" || component == "bus")
    return EnergyCategory::kOnChipMovement;
  return EnergyCategory::kCompute;
}

std::string to_string(EnergyCategory c) {
  switch (c) {
    case EnergyCategory::kCompute:
      return "compute";
    case EnergyCategory::kOnChipMovement:
      return "on_chip_movement";
    case EnergyCategory::kDram:
      return "dram";
  }
  return "compute";
}

double SystemReport::energy_j(EnergyCategory category) const {
  double e = 0;
  for (const ActionLine& a : actions)
    if (energy_category(a.component) == category) e += a.energy_j();
  return e;
}

double SystemReport::setup_energy_j() const {
  double e = 0;
  for (const ActionLine& a : setup) e += a.energy_j();
  return e;
}

double SystemReport::energy_per_inference_j(double inferences_per_load) const {
  const double per = batch > 0 ? energy_j() / batch : 0.0;
  return inferences_per_load > 0 ? per + setup_energy_j() / inferences_per_load : per;
}

double SystemReport::peak_power_per_tile_w() const {
  double w = 0;
  for (const PowerLine& p : peak_power) w += p.per_tile_w;
  return w;
}

double SystemReport::peak_power_per_chip_w() const {
  double w = 0;
  for (const PowerLine& p : peak_power) w += p.per_chip_w;
  return w;
}

double SystemReport::area_m2() const {
  double a = 0;
  for (const AreaLine& l : area) a += l.area_m2();
  return a;
}

double SystemReport::tops_per_w() const {
  const double e = energy_j();
  return e > 0 ? 2.0 * macs / e / 1e12 : 0.0;
}

double SystemReport::tops_per_mm2() const {
  const double a = area_m2() * 1e6;  // m^2 -> mm^2
  return a > 0 && latency_s > 0 ? 2.0 * macs / latency_s / 1e12 / a : 0.0;
}

}  // namespace xbarsim
