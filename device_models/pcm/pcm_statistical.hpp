#pragma once
// pcm.statistical: the phase-change-memory inference model of Nandakumar et al. (ICECS 2019)
// and Joshi et al. (Nature Communications 11, 2473, 2020): state-dependent programming noise,
// conductance drift G(t) = G_prog (t / t0)^(-nu) with a per-device exponent nu drawn once at
// programming, 1/f read noise accumulated up to the inference time, and optional drift
// compensation. Time enters once, at programming (docs/devices.md#pcm-statistical).
#include <optional>
#include <string>

#include "device_models/resistive_cell.hpp"
#include "device_models/sigma_curve.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {

enum class DriftCompensation { kNone, kGlobal, kPerColumn };

class PcmStatistical final : public devices::ResistiveCell {
 public:
  static constexpr const char* kName = "pcm.statistical";
  static ModelSpec spec();

  explicit PcmStatistical(const ParamSet& params);

  std::string name() const override { return kName; }
  double g_min_siemens() const override { return 0.0; }
  double g_max_siemens() const override { return g_max_; }
  int levels() const override { return levels_; }
  void program(Matrix& conductance, ProgrammingStreams streams) const override;
  void read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const override;

  // The statistics, as functions of the normalised target x = G_T / g_max in [0, 1]
  // (docs/devices.md#pcm-statistical): the published fits, or measured data from the card
  // (a polynomial in G_T / 1 uS or a CSV table over G_T, docs/devices.md#measured-data).
  // Conductances in siemens.
  double prog_sigma_siemens(double x) const;
  double drift_nu_mean(double x) const;
  double drift_nu_std(double x) const;
  double read_noise_qs(double x) const;
  // sqrt(ln((t + t_read) / (2 t_read))): the 1/f noise accumulated by time t.
  double one_over_f_factor() const;
  double t_inference_s() const { return t_inference_; }
  double t0_s() const { return t0_; }

 private:
  // The fit coefficients of the card (docs/devices.md#pcm-statistical).
  struct Coefficients {
    double prog_a, prog_b, prog_c;  // S, at the fits' G_max
    double nu_mean_slope, nu_mean_offset, nu_mean_min, nu_mean_max;
    double nu_std_slope, nu_std_offset, nu_std_min, nu_std_max;
    double qs_coef, qs_exponent, qs_max;
  };
  double g_max_;
  int levels_;
  Coefficients c_{};
  // Measured-data replacements of the fits; empty = the fit.
  std::optional<devices::SigmaCurve> prog_curve_, nu_mean_curve_, nu_std_curve_, qs_curve_;
  double fit_g_max_;  // the conductance the fits are normalised to (Joshi 2020: 25 uS)
  double t0_;
  double t_read_;
  double t_inference_;
  double read_noise_rel_;
  DriftCompensation compensation_;
};

}  // namespace xbarsim
