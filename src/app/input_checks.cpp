#include "input_checks.hpp"

#include <sstream>

namespace xbarsim::app {

std::vector<std::string> input_warnings(const Network& net, const Dataset& scored,
                                        const std::string& scored_spec,
                                        const std::string& calibration_spec) {
  std::vector<std::string> out;
  // 8-bit sources are scaled to [0, 1] when read, so a value above 1 can only be a float image
  // stored unscaled.
  if (scored.images.size() > 0 && scored.images.maxCoeff() > 1.0f) {
    std::ostringstream w;
    w << scored.name << ": float images reach " << scored.images.maxCoeff()
      << ", above 1: they are probably 0-255 pixels. Model '" << net.name
      << "' expects pixels in [0, 1], which it normalises itself as (x - " << net.input_mean
      << ") / " << net.input_std << "; store them divided by 255 (docs/datasets.md)";
    out.push_back(w.str());
  }
  if (calibration_spec == scored_spec)
    out.push_back("the ranges are calibrated on the images being scored (" + scored.name +
                  " has no separate calibration split): the accuracy is optimistic; pass "
                  "--calibration-dataset FILE to keep calibration data apart");
  return out;
}

}  // namespace xbarsim::app
