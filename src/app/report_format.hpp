#pragma once
// Printing and serialising system reports: per-component and per-layer breakdowns, and the
// in-memory against digital comparison.
#include <map>
#include <ostream>
#include <string>

#include "xbarsim/system/report.hpp"

namespace xbarsim::app {

// The side-by-side table of analog against digital, then each one's breakdown. With
// inferences_per_load > 0 the energy per inference includes the shared one-time load.
void print_comparison(std::ostream& out, const SystemReport& analog, const SystemReport* digital,
                      double inferences_per_load = 0);

}  // namespace xbarsim::app
