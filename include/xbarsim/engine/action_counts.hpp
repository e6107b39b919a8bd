#pragma once
// What the hardware did: the engine counts actions, the system layer prices them.
#include <string>
#include <utility>
#include <vector>

namespace xbarsim {

struct ActionCounts {
  double array_reads = 0;      // one array activated for one input cycle (all its columns)
  double dac_drives = 0;       // one row driven for one input cycle
  double adc_conversions = 0;  // one column (or column pair) digitised
  double cell_macs = 0;        // one cell multiplying its input: every slice, cycle and phase
  double shift_adds = 0;       // one digitised partial sum shifted and added
  double digital_adds = 0;     // partial sums of row blocks added digitally
  // Cells programmed while the network runs: arrays rewritten for every sample (attention's K
  // and V on rewritable arrays). Weights programmed once before the first batch are not here.
  double cell_writes = 0;
  // Energy of the resistive cell reads, sum over reads of t_read sum_i V_i^2 G_i, from the
  // real inputs and programmed conductances (J). 0 for shape-only counts.
  double cell_read_energy_j = 0;

  ActionCounts& operator+=(const ActionCounts& o);
  // (name, value) pairs in a fixed order, for printing and storing.
  std::vector<std::pair<std::string, double>> items() const;
};

}  // namespace xbarsim
