#include "device_models/reram/reram_relaxation.hpp"

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {
// Wan et al., Nature 2022, as fitted by aihwkit's ReRamWan2022NoiseModel (a 4th-order
// polynomial in x = G_T / 40 uS, in uS, to the published deviation-from-target data at 1 s,
// 1 day and 2 days after programming). Coefficients c0..c4.
constexpr double kFitGmaxS = 40e-6;
constexpr double kTimesS[3] = {1.0, 86400.0, 172800.0};
constexpr double kCoefUs[3][5] = {{0.348, 16.030, -43.853, 45.393, -16.815},
                                  {0.701, 22.086, -50.773, 47.095, -16.458},
                                  {0.782, 20.274, -43.507, 37.062, -11.934}};
const char* const kTimeNames[3] = {"1", "2", "3"};
// Cell costs: as the NeuRRAM card's assumptions (docs/devices.md#cell-costs).
constexpr double kDefaultCellAreaM2 = 48.0 * 130e-9 * 130e-9;
constexpr double kDefaultWriteEnergyJ = 10.0 * 2.0 * 2.0 * 40e-6 * 100e-9;
constexpr double kDefaultWriteTimeS = 10.0 * 200e-9;

std::string coef_key(int k, int i) {
  return std::string("sigma_t") + kTimeNames[k] + "_c" + std::to_string(i) + "_siemens";
}
std::string time_key(int k) {
  return std::string("t") + kTimeNames[k] + "_s";
}
}  // namespace

ModelSpec ReramRelaxation::spec() {
  ModelSpec s{kName,
              ModelKind::kDevice,
              "ReRAM relaxing after programming: the deviation from the target at time t is "
              "Gaussian with sigma(G_T, t), fitted by 4th-order polynomials at three published "
              "times and interpolated linearly in log t (Wan et al., Nature 2022)",
              "docs/devices.md#reram-relaxation",
              {}};
  s.params.push_back(real_param("g_max_siemens", "S", kFitGmaxS, 1e-9, 1.0,
                                "Largest target conductance (S); the fits scale with "
                                "g_max / fit_g_max_siemens"));
  s.params.push_back(real_param("fit_g_max_siemens", "S", kFitGmaxS, 1e-9, 1.0,
                                "The g_max the polynomial fits were made at (Wan 2022: 40 uS)"));
  s.params.push_back(int_param("levels", "1", 0, 0, 256,
                               "Uniform target levels from 0 to g_max_siemens; 0 = continuous"));
  for (int k = 0; k < kTimes; ++k) {
    s.params.push_back(real_param(time_key(k), "s", kTimesS[k], 1e-3, 1e10,
                                  "Published time " + std::string(kTimeNames[k]) +
                                      " after programming (Wan 2022: 1 s, 1 day, 2 days); "
                                      "increasing"));
    for (int i = 0; i < kTerms; ++i)
      s.params.push_back(real_param(coef_key(k, i), "S", kCoefUs[k][i] * 1e-6, -1e-3, 1e-3,
                                    "Coefficient c" + std::to_string(i) +
                                        " of sigma(x) = sum "
                                        "c_i x^i at time " +
                                        kTimeNames[k]));
  }
  s.params.push_back(real_param("t_inference_s", "s", 1.0, 0.0, 1e10,
                                "Time between programming and the inference; before t1 the "
                                "t1 fit holds, after t3 the t3 fit (no extrapolation)"));
  s.params.push_back(real_param("read_noise_rel", "1", 0.0, 0.0, 1.0,
                                "Short-term read noise per read, as a fraction of G"));
  s.params.push_back(devices::cycle_correlation_param());
  s.params.push_back(real_param("read_pulse_s", "s", 1.0e-9, 1.0e-12, 1.0e-3,
                                "Duration of one read pulse, for the cell read energy V^2 G t"));
  s.params.push_back(
      devices::cell_area_param(kDefaultCellAreaM2, "default (assumption): 48 F^2 at 130 nm"));
  s.params.push_back(devices::write_energy_param(
      kDefaultWriteEnergyJ, "default (assumption): 10 pulses of (2 V)^2 x 40 uS x 100 ns"));
  s.params.push_back(
      devices::write_time_param(kDefaultWriteTimeS, "default (assumption): 10 x 200 ns"));
  for (ParamSpec& p : devices::IvNonlinearity::params()) s.params.push_back(std::move(p));
  return s;
}

ReramRelaxation::ReramRelaxation(const ParamSet& p)
    : ResistiveCell(p),
      g_max_(p.real("g_max_siemens")),
      levels_(devices::checked_levels_or_continuous(p)),
      fit_g_max_(p.real("fit_g_max_siemens")),
      t_inference_(devices::checked_inference_time(p)),
      read_noise_rel_(p.real("read_noise_rel")) {
  const std::string& origin = p.origin();
  if (!(g_max_ > 0)) throw ConfigError(origin, "g_max_siemens", "expected a conductance > 0 S");
  if (!(fit_g_max_ > 0))
    throw ConfigError(origin, "fit_g_max_siemens", "expected a conductance > 0 S");
  for (int k = 0; k < kTimes; ++k) {
    times_[k] = p.real(time_key(k));
    if (!(times_[k] > 0)) throw ConfigError(origin, time_key(k), "expected a time > 0 s");
    if (k > 0 && !(times_[k] > times_[k - 1]))
      throw ConfigError(origin, time_key(k),
                        "the published times must increase (" + time_key(k - 1) + " = " +
                            to_string(ParamValue(times_[k - 1])) + " s)");
    for (int i = 0; i < kTerms; ++i) coef_[k][i] = p.real(coef_key(k, i));
  }
}

double ReramRelaxation::sigma_at_published_time(int k, double x) const {
  double s = 0, xi = 1;
  for (int i = 0; i < kTerms; ++i, xi *= x) s += coef_[k][i] * xi;
  return std::max(s, 0.0) * (g_max_ / fit_g_max_);
}

double ReramRelaxation::sigma_siemens(double x) const {
  const double t = t_inference_;
  if (t <= times_[0]) return sigma_at_published_time(0, x);
  if (t >= times_[kTimes - 1]) return sigma_at_published_time(kTimes - 1, x);
  int k = 0;
  while (t > times_[k + 1]) ++k;
  const double w =
      (std::log(t) - std::log(times_[k])) / (std::log(times_[k + 1]) - std::log(times_[k]));
  return (1 - w) * sigma_at_published_time(k, x) + w * sigma_at_published_time(k + 1, x);
}

void ReramRelaxation::program(Matrix& conductance, ProgrammingStreams streams) const {
  float* g = conductance.data();
  const Index n = conductance.size();
  const double step = levels_ >= 2 ? g_max_ / (levels_ - 1) : 0.0;
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  // One draw per cell in storage order: the published deviation at t already contains the
  // programming error and the relaxation since, so one Gaussian per cell describes both.
  for (Index i = 0; i < n; ++i) {
    const double target = devices::snapped_target(g[i], g_max_, step, kName);
    const double z = normal(streams.variation);
    g[i] = static_cast<float>(std::max(target + sigma_siemens(target / g_max_) * z, 0.0));
  }
}

void ReramRelaxation::read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const {
  sigma_siemens = (static_cast<float>(read_noise_rel_) * conductance.array().abs()).matrix();
}

}  // namespace xbarsim
