#pragma once
// Inputs that are valid but probably wrong (docs/datasets.md#warnings): the warnings a
// command prints on stderr before it runs, and records in its result file.
#include <string>
#include <vector>

#include "xbarsim/io/dataset.hpp"
#include "xbarsim/nn/network.hpp"

namespace xbarsim::app {

// Float images above 1 are probably 0-255 pixels; calibrating on the scored images makes the
// ADC and activation ranges fit the very data being scored.
std::vector<std::string> input_warnings(const Network& net, const Dataset& scored,
                                        const std::string& scored_spec,
                                        const std::string& calibration_spec);

}  // namespace xbarsim::app
