#pragma once
// reram.relaxation: ReRAM whose deviation from its target grows as the cells relax after
// programming, from the fits to Wan et al. (Nature 2022) at 1 s, 1 day and 2 days, interpolated
// linearly in log t between them (docs/devices.md#reram-relaxation). Time enters once, when
// the cells are programmed; each read adds the short-term read noise.
#include <array>
#include <string>

#include "device_models/resistive_cell.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {

class ReramRelaxation final : public devices::ResistiveCell {
 public:
  static constexpr const char* kName = "reram.relaxation";
  static constexpr int kTimes = 3;  // the published times
  static constexpr int kTerms = 5;  // a 4th-order polynomial in x = G_T / g_max
  static ModelSpec spec();

  explicit ReramRelaxation(const ParamSet& params);

  std::string name() const override { return kName; }
  double g_min_siemens() const override { return 0.0; }
  double g_max_siemens() const override { return g_max_; }
  int levels() const override { return levels_; }
  void program(Matrix& conductance, ProgrammingStreams streams) const override;
  void read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const override;

  // sigma of the deviation from the target at published time k (S), for x = G_T / g_max.
  double sigma_at_published_time(int k, double x) const;
  // sigma at t_inference_s: linear in log t between the published times, held outside them.
  double sigma_siemens(double x) const;

 private:
  double g_max_;
  int levels_;
  double fit_g_max_;
  std::array<double, kTimes> times_{};
  std::array<std::array<double, kTerms>, kTimes> coef_{};  // S, at the fits' g_max
  double t_inference_;
  double read_noise_rel_;
};

}  // namespace xbarsim
