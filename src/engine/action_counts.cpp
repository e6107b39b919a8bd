#include "xbarsim/engine/action_counts.hpp"

namespace xbarsim {

ActionCounts& ActionCounts::operator+=(const ActionCounts& o) {
  array_reads += o.array_reads;
  dac_drives += o.dac_drives;
  adc_conversions += o.adc_conversions;
  cell_macs += o.cell_macs;
  shift_adds += o.shift_adds;
  digital_adds += o.digital_adds;
  cell_writes += o.cell_writes;
  cell_read_energy_j += o.cell_read_energy_j;
  return *this;
}

std::vector<std::pair<std::string, double>> ActionCounts::items() const {
  return {{"array_reads", array_reads},         {"dac_drives", dac_drives},
          {"adc_conversions", adc_conversions}, {"cell_macs", cell_macs},
          {"shift_adds", shift_adds},           {"digital_adds", digital_adds},
          {"cell_writes", cell_writes},         {"cell_read_energy_j", cell_read_energy_j}};
}

}  // namespace xbarsim
