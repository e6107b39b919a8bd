#pragma once
// The in-memory accelerator against the digital baseline on the same network, fair by
// construction (docs/digital_baseline.md#fairness): the digital side prices the in-memory
// chip's DRAM card unless told otherwise, both sides keep the weights that fit on chip, and
// the one-time cost of putting them there is reported apart (or amortised when asked).
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/engine/action_counts.hpp"
#include "xbarsim/system/digital_baseline.hpp"
#include "xbarsim/system/report.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {

struct ComparisonOptions {
  std::string digital_path;        // empty: the shipped data/arch/digital/int8_ws.yaml
  bool digital_own_dram = false;   // true: the digital file's own DRAM card
  double inferences_per_load = 0;  // > 0: the one-time weight load is shared over N inferences
};

struct Comparison {
  SystemReport analog, digital;
  std::string digital_path;
  double inferences_per_load = 0;
  // What the two sides assume, in plain words, for the report header.
  std::vector<std::string> assumptions;
};

std::string default_digital_path();

// Loads the digital baseline and aligns it with `arch` as the options say. Throws
// ConfigError when arch has no chip section (nothing to compare) or the file is invalid.
DigitalBaseline fair_digital_baseline(const ArchConfig& arch, const ComparisonOptions& options,
                                      const Registry& registry);

Comparison compare(const Workload& workload, const ArchConfig& arch, const Registry& registry,
                   double batch, const ComparisonOptions& options,
                   const std::vector<ActionCounts>* simulated = nullptr);

}  // namespace xbarsim
