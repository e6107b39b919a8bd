#pragma once
// System reports as JSON: the same fields for `--format json`, the JSON documents of result
// files and the Python module (docs/result_format.md#json).
#include <map>
#include <string>

#include "xbarsim/io/json.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/report.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {

std::map<std::string, double> energy_by_component(const SystemReport& r);
std::map<std::string, double> energy_by_layer(const SystemReport& r);
std::map<std::string, double> area_by_component(const SystemReport& r);

// Both tables of a report (counts and costs per action) with its totals. Energies are for
// the whole batch (`batch` inferences) unless the key says per inference.
Json report_json(const SystemReport& r);

// The comparison's fields: both sides' totals, the energy per inference, the assumptions and
// both breakdowns.
Json comparison_json(const Comparison& c);

// What `xbarsim energy --format json` prints after the provenance: the arch, the workload
// and the comparison.
Json energy_estimate_json(const Comparison& c, const std::string& arch_name,
                          const Workload& workload, double batch);

}  // namespace xbarsim
