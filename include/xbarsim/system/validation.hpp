#pragma once
// Validation against published designs (docs/validation.md): each folder under
// data/validation/ holds a design file naming an architecture (and, for the digital baseline,
// a digital file and a workload) and rows of published figures, each with its source and a
// tolerance whose derivation it states. `xbarsim validate` simulates each design and compares.
#include <string>
#include <vector>

#include "xbarsim/config/registry.hpp"

namespace xbarsim {

struct ValidationRow {
  std::string metric;            // e.g. peak_power_w.tile.adc (docs/validation.md#metrics)
  double published = 0;          // in SI units
  std::string source;            // paper, table, figure; or "derived by hand: ..."
  double tolerance_rel = 0;      // |simulated - published| / |published| allowed
  std::string tolerance_source;  // how the tolerance was derived
  std::string kind;              // "independent" or "consistency" (the card derives from it)
};

struct ValidationDesign {
  std::string name;  // the folder name
  std::string title;
  std::string file;  // the design file
  std::string arch;  // resolved paths, empty when absent
  std::string digital;
  std::string workload;
  double batch = 1;
  std::vector<ValidationRow> rows;
};

struct ValidationResult {
  std::string design, metric, kind, source;
  double published = 0, simulated = 0, error_rel = 0, tolerance_rel = 0;
  bool within() const { return error_rel <= tolerance_rel; }
};

std::string validation_dir();  // data_dir()/validation
std::vector<std::string> validation_design_names();
// Throws ConfigError naming the file and the key for a malformed design.
ValidationDesign load_validation_design(const std::string& design_file);
// Throws ConfigError naming the design and the metric for an unknown metric.
std::vector<ValidationResult> run_validation(const ValidationDesign& design,
                                             const Registry& registry);

}  // namespace xbarsim
