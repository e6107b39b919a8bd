#include "device_models/resistive_cell.hpp"

#include <algorithm>
#include <cmath>

#include "xbarsim/core/error.hpp"

namespace xbarsim::devices {

ParamSpec cycle_correlation_param() {
  return real_param("read_noise_cycle_correlation_rel", "1", 0.0, 0.0, 1.0,
                    "Correlation rho of the read noise between the input cycles and phases of "
                    "one MVM: 0 = drawn independently per cycle (white noise), 1 = frozen over "
                    "the MVM (random telegraph and 1/f noise); docs/devices.md#temporal-"
                    "correlation");
}

// A model without read noise (the ideal cell) does not declare the key: rho is then 0.
ResistiveCell::ResistiveCell(const ParamSet& params)
    : read_pulse_(params.real("read_pulse_s")),
      cycle_correlation_(params.has("read_noise_cycle_correlation_rel")
                             ? params.real("read_noise_cycle_correlation_rel")
                             : 0.0),
      costs_(params),
      iv_(params) {
  if (!(cycle_correlation_ >= 0.0 && cycle_correlation_ <= 1.0))  // also rejects NaN
    throw ConfigError(
        params.origin(), "read_noise_cycle_correlation_rel",
        "expected a correlation in [0, 1], got " + to_string(ParamValue(cycle_correlation_)));
}

int checked_levels_or_continuous(const ParamSet& p) {
  const std::int64_t levels = p.integer("levels");
  if (levels < 0 || levels == 1 || levels > 256)
    throw ConfigError(p.origin(), "levels", "expected 0 (continuous) or 2 to 256 levels");
  return static_cast<int>(levels);
}

double checked_inference_time(const ParamSet& p) {
  const double t = p.real("t_inference_s");
  if (!(t >= 0) || !std::isfinite(t))
    throw ConfigError(p.origin(), "t_inference_s",
                      "expected a time >= 0 s since programming, got " + to_string(ParamValue(t)));
  return t;
}

double snapped_target(float target, double g_max, double step, const std::string& model) {
  if (!std::isfinite(target) || target < 0)
    throw Error(model + ": conductance target is not finite and >= 0 (mapping bug)");
  const double t = std::min(static_cast<double>(target), g_max);
  return step > 0 ? std::round(t / step) * step : t;
}

}  // namespace xbarsim::devices
