#include "device_models/pcm/pcm_statistical.hpp"

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <vector>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {
// Nandakumar et al., ICECS 2019 / Joshi et al., Nat. Commun. 2020 (as implemented by aihwkit's
// PCMLikeNoiseModel): the fits are in microsiemens over targets normalised to G_max = 25 uS.
constexpr double kFitGmaxS = 25e-6;  // the fits' G_max
constexpr double kT0S = 20.0;        // drift reference time
constexpr double kTReadS = 250e-9;   // read duration behind the 1/f noise fit
// Programming noise: sigma = max(-1.1731 x^2 + 1.9650 x + 0.2635, 0) uS.
constexpr double kProgA = -1.1731, kProgB = 1.9650, kProgC = 0.2635;
// Drift exponent: mu = clamp(-0.0155 ln x + 0.0244, 0.049, 0.1),
// sigma = clamp(-0.0125 ln x - 0.0059, 0.008, 0.045).
constexpr double kNuMeanA = -0.0155, kNuMeanB = 0.0244, kNuMeanLo = 0.049, kNuMeanHi = 0.1;
constexpr double kNuStdA = -0.0125, kNuStdB = -0.0059, kNuStdLo = 0.008, kNuStdHi = 0.045;
// 1/f read noise: Q_s = min(0.0088 / x^0.65, 0.2).
constexpr double kQsA = 0.0088, kQsExp = 0.65, kQsMax = 0.2;
// Cell costs (assumptions, docs/devices.md#pcm-statistical): a 1T1R PCM cell of 48 F^2 at
// 90 nm, and write-verify with 10 pulses.
constexpr double kDefaultCellAreaM2 = 48.0 * 90e-9 * 90e-9;
constexpr double kDefaultWriteEnergyJ = 10.0 * 10e-12;
constexpr double kDefaultWriteTimeS = 10.0 * 200e-9;

// The four statistics a card may give as measured data instead of the fit: the key stem, the
// unit of the polynomial's coefficients and of the table's value column, and what it is.
struct MeasuredStatistic {
  const char* stem;
  const char* unit_suffix;  // of the polynomial key and the table's value header
  const char* what;
};
constexpr MeasuredStatistic kMeasured[] = {
    {"prog_sigma", "siemens", "the programming-noise std sigma_prog(G_T) (S)"},
    {"nu_mean", "rel", "the mean drift exponent mu_nu(G_T)"},
    {"nu_std", "rel", "the spread sigma_nu(G_T) of the drift exponent"},
    {"qs", "rel", "the 1/f read-noise coefficient Q_s(G_T)"},
};

void add_measured_params(std::vector<ParamSpec>& params) {
  for (const MeasuredStatistic& m : kMeasured) {
    const std::string stem = m.stem, suffix = m.unit_suffix;
    params.push_back(choice_param(
        stem + "_form", std::string("fit"), {"fit", "polynomial", "table"},
        std::string("How ") + m.what + " is given: fit = the published fit of the keys above; " +
            "polynomial = " + stem + "_poly_" + suffix + "; table = the CSV file " + stem +
            "_table_csv (docs/devices.md#measured-data)"));
    params.push_back(text_param(stem + "_poly_" + suffix, suffix == "siemens" ? "S" : "1", "",
                                "Coefficients c0, ..., cn of " + stem +
                                    " = max(sum c_k (G_T / 1 uS)^k, 0), with " + stem +
                                    "_form = polynomial"));
    params.push_back(text_param(stem + "_table_csv", "1", "",
                                "CSV file (header g_siemens," + stem + "_" + suffix +
                                    "; G_T strictly increasing) of measured values, "
                                    "interpolated linearly in G_T and held beyond its ends, "
                                    "with " +
                                    stem + "_form = table; relative to the card"));
  }
}

std::optional<devices::SigmaCurve> measured_curve(const ParamSet& p, const MeasuredStatistic& m) {
  const std::string stem = m.stem, suffix = m.unit_suffix;
  const std::string& form = p.choice(stem + "_form");
  if (form == "polynomial") {
    const std::string key = stem + "_poly_" + suffix;
    return devices::SigmaCurve::polynomial(p.text(key), p.origin(), key, suffix);
  }
  if (form == "table") {
    const std::string key = stem + "_table_csv";
    return devices::SigmaCurve::table(p.text(key), p.origin(), key, stem + "_" + suffix);
  }
  return std::nullopt;
}

}  // namespace

ModelSpec PcmStatistical::spec() {
  ModelSpec spec{
      kName,
      ModelKind::kDevice,
      "Phase-change memory for inference: state-dependent programming noise, drift "
      "G(t) = G_prog (t/t0)^-nu with per-device nu, accumulated 1/f read noise, optional drift "
      "compensation (Nandakumar et al., ICECS 2019; Joshi et al., Nat. Commun. 2020)",
      "docs/devices.md#pcm-statistical",
      {
          real_param("g_max_siemens", "S", kFitGmaxS, 1e-9, 1.0,
                     "Largest target conductance (S); the published fits are normalised to "
                     "x = G_T / g_max and their siemens values scale with g_max / 25 uS"),
          int_param("levels", "1", 0, 0, 256,
                    "Uniform target levels from 0 to g_max_siemens; 0 = continuous targets "
                    "(iterative programming writes analog values)"),
          real_param("t0_s", "s", kT0S, 1e-6, 1e6,
                     "Drift reference time t0: G(t) = G_prog (t/t0)^-nu for t > t0 "
                     "(Joshi 2020: 20 s)"),
          real_param("t_read_s", "s", kTReadS, 1e-12, 1.0,
                     "Read duration behind the 1/f noise fit (Joshi 2020: 250 ns)"),
          real_param("t_inference_s", "s", kT0S, 0.0, 1e10,
                     "Time between programming and the inference; the drift and the 1/f noise "
                     "accumulated by then are applied when the cells are programmed"),
          real_param("prog_sigma_a_siemens", "S", kProgA * 1e-6, -1e-3, 1e-3,
                     "a of sigma_prog = max(a x^2 + b x + c, 0) at g_max = 25 uS, x = G_T/g_max "
                     "(Nandakumar 2019 / Joshi 2020: -1.1731 uS); scaled by g_max / 25 uS"),
          real_param("prog_sigma_b_siemens", "S", kProgB * 1e-6, -1e-3, 1e-3,
                     "b of sigma_prog (Joshi 2020: 1.9650 uS)"),
          real_param("prog_sigma_c_siemens", "S", kProgC * 1e-6, -1e-3, 1e-3,
                     "c of sigma_prog (Joshi 2020: 0.2635 uS)"),
          real_param("nu_mean_slope_rel", "1", kNuMeanA, -1.0, 1.0,
                     "mu_nu = clamp(slope ln x + offset, min, max) (Joshi 2020: -0.0155)"),
          real_param("nu_mean_offset_rel", "1", kNuMeanB, -1.0, 1.0,
                     "offset of mu_nu (Joshi 2020: 0.0244)"),
          real_param("nu_mean_min_rel", "1", kNuMeanLo, 0.0, 1.0, "lower clamp of mu_nu (0.049)"),
          real_param("nu_mean_max_rel", "1", kNuMeanHi, 0.0, 1.0, "upper clamp of mu_nu (0.1)"),
          real_param("nu_std_slope_rel", "1", kNuStdA, -1.0, 1.0,
                     "sigma_nu = clamp(slope ln x + offset, min, max) (Joshi 2020: -0.0125)"),
          real_param("nu_std_offset_rel", "1", kNuStdB, -1.0, 1.0,
                     "offset of sigma_nu (Joshi 2020: -0.0059)"),
          real_param("nu_std_min_rel", "1", kNuStdLo, 0.0, 1.0, "lower clamp of sigma_nu (0.008)"),
          real_param("nu_std_max_rel", "1", kNuStdHi, 0.0, 1.0, "upper clamp of sigma_nu (0.045)"),
          real_param("qs_coef_rel", "1", kQsA, 0.0, 1.0,
                     "Q_s = min(coef / x^exponent, max) (Joshi 2020: 0.0088)"),
          real_param("qs_exponent_rel", "1", kQsExp, 0.0, 4.0, "exponent of Q_s (0.65)"),
          real_param("qs_max_rel", "1", kQsMax, 0.0, 1.0, "upper bound of Q_s (0.2)"),
          real_param("read_noise_rel", "1", 0.0, 0.0, 1.0,
                     "Additional cycle-to-cycle read noise per read, as a fraction of G"),
          devices::cycle_correlation_param(),
          choice_param("drift_compensation", std::string("none"), {"none", "global", "per_column"},
                       "Digital drift compensation from a calibration read with every row "
                       "driven, after programming and again at t_inference_s: none; global = "
                       "one scale per array; per_column = one scale per column"),
          real_param("read_pulse_s", "s", 1.0e-8, 1.0e-12, 1.0e-3,
                     "Duration of one read pulse, for the cell read energy V^2 G t"),
          devices::cell_area_param(kDefaultCellAreaM2,
                                   "default (assumption): a 48 F^2 1T1R cell at F = 90 nm"),
          devices::write_energy_param(kDefaultWriteEnergyJ,
                                      "default (assumption): 10 write-verify pulses of 10 pJ"),
          devices::write_time_param(kDefaultWriteTimeS,
                                    "default (assumption): 10 iterations of 200 ns"),
      }};
  add_measured_params(spec.params);
  for (ParamSpec& p : devices::IvNonlinearity::params()) spec.params.push_back(std::move(p));
  return spec;
}

PcmStatistical::PcmStatistical(const ParamSet& p)
    : ResistiveCell(p),
      g_max_(p.real("g_max_siemens")),
      levels_(devices::checked_levels_or_continuous(p)),
      fit_g_max_(kFitGmaxS),
      t0_(p.real("t0_s")),
      t_read_(p.real("t_read_s")),
      t_inference_(devices::checked_inference_time(p)),
      read_noise_rel_(p.real("read_noise_rel")),
      compensation_(DriftCompensation::kNone) {
  const std::string& origin = p.origin();
  if (!(g_max_ > 0)) throw ConfigError(origin, "g_max_siemens", "expected a conductance > 0 S");
  if (!(t0_ > 0)) throw ConfigError(origin, "t0_s", "expected a time > 0 s");
  if (!(t_read_ > 0)) throw ConfigError(origin, "t_read_s", "expected a time > 0 s");
  c_ = {p.real("prog_sigma_a_siemens"), p.real("prog_sigma_b_siemens"),
        p.real("prog_sigma_c_siemens"), p.real("nu_mean_slope_rel"),
        p.real("nu_mean_offset_rel"),   p.real("nu_mean_min_rel"),
        p.real("nu_mean_max_rel"),      p.real("nu_std_slope_rel"),
        p.real("nu_std_offset_rel"),    p.real("nu_std_min_rel"),
        p.real("nu_std_max_rel"),       p.real("qs_coef_rel"),
        p.real("qs_exponent_rel"),      p.real("qs_max_rel")};
  if (c_.nu_mean_min > c_.nu_mean_max)
    throw ConfigError(origin, "nu_mean_min_rel", "must not exceed nu_mean_max_rel");
  if (c_.nu_std_min > c_.nu_std_max)
    throw ConfigError(origin, "nu_std_min_rel", "must not exceed nu_std_max_rel");
  prog_curve_ = measured_curve(p, kMeasured[0]);
  nu_mean_curve_ = measured_curve(p, kMeasured[1]);
  nu_std_curve_ = measured_curve(p, kMeasured[2]);
  qs_curve_ = measured_curve(p, kMeasured[3]);
  const std::string& c = p.choice("drift_compensation");
  compensation_ = c == "global"       ? DriftCompensation::kGlobal
                  : c == "per_column" ? DriftCompensation::kPerColumn
                                      : DriftCompensation::kNone;
}

double PcmStatistical::prog_sigma_siemens(double x) const {
  if (prog_curve_) return (*prog_curve_)(x * g_max_);
  const double s = std::max(c_.prog_a * x * x + c_.prog_b * x + c_.prog_c, 0.0);
  return s * (g_max_ / fit_g_max_);
}

double PcmStatistical::drift_nu_mean(double x) const {
  if (nu_mean_curve_) return (*nu_mean_curve_)(x * g_max_);
  return std::clamp(c_.nu_mean_slope * std::log(x) + c_.nu_mean_offset, c_.nu_mean_min,
                    c_.nu_mean_max);
}

double PcmStatistical::drift_nu_std(double x) const {
  if (nu_std_curve_) return (*nu_std_curve_)(x * g_max_);
  return std::clamp(c_.nu_std_slope * std::log(x) + c_.nu_std_offset, c_.nu_std_min, c_.nu_std_max);
}

double PcmStatistical::read_noise_qs(double x) const {
  if (qs_curve_) return (*qs_curve_)(x * g_max_);
  return std::min(c_.qs_coef / std::pow(x, c_.qs_exponent), c_.qs_max);
}

double PcmStatistical::one_over_f_factor() const {
  const double ratio = (t_inference_ + t_read_) / (2.0 * t_read_);
  return ratio > 1.0 ? std::sqrt(std::log(ratio)) : 0.0;
}

void PcmStatistical::program(Matrix& conductance, ProgrammingStreams streams) const {
  float* g = conductance.data();
  const Index n = conductance.size();
  const double step = levels_ >= 2 ? g_max_ / (levels_ - 1) : 0.0;
  std::vector<double> prog(static_cast<std::size_t>(n)), x(static_cast<std::size_t>(n));
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  // Draw order (part of the reproducibility contract): per cell in storage order, the
  // programming error, then the drift exponent, then the 1/f noise, all from the variation
  // stream, whatever the cell's state, so one cell's target never shifts another's draws.
  const double drift_t = t_inference_ > t0_ ? t_inference_ / t0_ : 1.0;
  const double f_noise = one_over_f_factor();
  for (Index i = 0; i < n; ++i) {
    const double target = devices::snapped_target(g[i], g_max_, step, kName);
    const double xi = target / g_max_;
    // Programming error, clipped only at the physical bound G >= 0.
    const double z_prog = normal(streams.variation);
    const double z_nu = normal(streams.variation);
    const double z_read = normal(streams.variation);
    const double gp = std::max(target + prog_sigma_siemens(xi) * z_prog, 0.0);
    prog[static_cast<std::size_t>(i)] = gp;
    x[static_cast<std::size_t>(i)] = xi;
    // A 0 target (reset cell) has x = 0: its nu statistics clamp to their bounds, and it
    // holds no conductance to drift.
    const double nu = drift_nu_mean(std::max(xi, 1e-12)) + drift_nu_std(std::max(xi, 1e-12)) * z_nu;
    const double gd = gp * std::pow(drift_t, -nu);
    const double gt = gd + std::abs(gd) * read_noise_qs(std::max(xi, 1e-12)) * f_noise * z_read;
    g[i] = static_cast<float>(std::max(gt, 0.0));
  }
  if (compensation_ == DriftCompensation::kNone) return;
  // The calibration read drives every row: each column returns the sum of its conductances,
  // once right after programming (G_prog) and once at t_inference (G(t)).
  const Index rows = conductance.rows(), cols = conductance.cols();
  auto column_sum_prog = [&](Index c) {
    double s = 0;
    for (Index r = 0; r < rows; ++r) s += prog[static_cast<std::size_t>(c * rows + r)];
    return s;
  };
  if (compensation_ == DriftCompensation::kGlobal) {
    double before = 0, after = 0;
    for (Index c = 0; c < cols; ++c) {
      before += column_sum_prog(c);
      after += conductance.col(c).cast<double>().sum();
    }
    if (after > 0) conductance *= static_cast<float>(before / after);
    return;
  }
  for (Index c = 0; c < cols; ++c) {
    const double after = conductance.col(c).cast<double>().sum();
    if (after > 0) conductance.col(c) *= static_cast<float>(column_sum_prog(c) / after);
  }
}

void PcmStatistical::read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const {
  sigma_siemens = (static_cast<float>(read_noise_rel_) * conductance.array().abs()).matrix();
}

}  // namespace xbarsim
