#pragma once
// Multilevel resistive RAM: a fixed number of uniformly spaced conductance levels, a
// state-dependent Gaussian programming error, cycle-to-cycle read noise and stuck-at faults.
// Equations and the fits behind the cards: docs/devices.md#reram-multilevel.
#include <optional>

#include "device_models/resistive_cell.hpp"
#include "device_models/sigma_curve.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {

class ReramMultilevel final : public devices::ResistiveCell {
 public:
  static constexpr const char* kName = "reram.multilevel";
  static ModelSpec spec();

  // Throws ConfigError (naming params.origin()) on contradictory values.
  explicit ReramMultilevel(const ParamSet& params);

  std::string name() const override { return kName; }
  double g_min_siemens() const override { return g_min_; }
  double g_max_siemens() const override { return g_max_; }
  int levels() const override { return levels_; }
  void program(Matrix& conductance, ProgrammingStreams streams) const override;
  void read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const override;

  // A ReRAM cell is a resistor: the engine prices each read as V^2 G t_read.

  // Spacing between adjacent levels (S).
  double level_step_siemens() const { return step_; }
  // The level a target is written to: the nearest one, ties upward, clamped to the range.
  double nearest_level_siemens(double target_siemens) const;
  // Standard deviation of the programming error of a cell written to level g (S).
  // The linear form max(a G + b, 0), or the card's polynomial or table (measured data).
  double prog_sigma_siemens(double g_siemens) const {
    if (prog_curve_) return (*prog_curve_)(g_siemens);
    const double s = sigma_slope_ * g_siemens + sigma_offset_;
    return s > 0.0 ? s : 0.0;
  }

 private:
  double g_min_;
  double g_max_;
  int levels_;
  double step_;
  double sigma_slope_;
  double sigma_offset_;
  double read_noise_rel_;
  double read_noise_s0_;
  double read_noise_s1_;
  std::optional<devices::SigmaCurve> prog_curve_;
  std::optional<devices::SigmaCurve> read_curve_;
  double stuck_gmin_;
  double stuck_gmax_;
};

}  // namespace xbarsim
