#include "device_models/reram/reram_multilevel.hpp"

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <cmath>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {
// Assumed write-verify programming (docs/devices.md#cell-costs): n pulses of V_w^2 G t_w with
// n = 10, V_w = 2 V (DNN+NeuroSim V1.4's default write voltage), G = the default g_max of
// 100 uS and t_w = 100 ns, each followed by a 100 ns verify read.
constexpr double kWritePulses = 10.0;
constexpr double kWriteVoltageV = 2.0;
constexpr double kWritePulseS = 100e-9;
constexpr double kVerifyReadS = 100e-9;
constexpr double kDefaultWriteEnergyJ =
    kWritePulses * kWriteVoltageV * kWriteVoltageV * 100e-6 * kWritePulseS;          // 0.4 nJ
constexpr double kDefaultWriteTimeS = kWritePulses * (kWritePulseS + kVerifyReadS);  // 2 us
// The conductance at which read_noise_sqrt_siemens is stated.
constexpr double kSqrtReferenceS = 1e-6;
}  // namespace

ModelSpec ReramMultilevel::spec() {
  ModelSpec spec{
      kName,
      ModelKind::kDevice,
      "Multilevel ReRAM: uniform levels, state-dependent Gaussian programming error, "
      "relative read noise, stuck-at-G_min/G_max faults",
      "docs/devices.md#reram-multilevel",
      {
          real_param("g_min_siemens", "S", 0.0, 0.0, 1.0,
                     "Lowest programmable level (S); also the value of stuck-at-G_min cells"),
          real_param("g_max_siemens", "S", 1.0e-4, 0.0, 1.0,
                     "Highest programmable level (S); also the value of stuck-at-G_max cells; "
                     "must exceed g_min_siemens"),
          int_param("levels", "1", 16, 2, 256,
                    "Number of uniformly spaced levels from g_min_siemens to g_max_siemens, "
                    "both included"),
          real_param("prog_sigma_slope_rel", "1", 0.0, -1.0, 1.0,
                     "Slope a of the programming-error std sigma(G) = max(a*G + b, 0), G the "
                     "target level; a alone (b = 0) is a purely multiplicative error"),
          real_param("prog_sigma_offset_siemens", "S", 0.0, -1.0e-3, 1.0e-3,
                     "Offset b of the programming-error std sigma(G) = max(a*G + b, 0)"),
          choice_param("prog_sigma_form", std::string("linear"), {"linear", "polynomial", "table"},
                       "How sigma_prog(G) is given: linear = max(a G + b, 0) from the two keys "
                       "above; polynomial = prog_sigma_poly_siemens; table = the CSV file "
                       "prog_sigma_table_csv (docs/devices.md#measured-data)"),
          text_param("prog_sigma_poly_siemens", "S", "",
                     "Coefficients c0, c1, ..., cn (S) of sigma_prog = max(sum c_k (G / 1 uS)^k, "
                     "0), any order, with prog_sigma_form = polynomial"),
          text_param("prog_sigma_table_csv", "1", "",
                     "CSV file (header g_siemens,sigma_siemens; G strictly increasing) of "
                     "measured sigma_prog(G), interpolated linearly in G and held beyond its "
                     "ends, with prog_sigma_form = table; relative to the card"),
          real_param("read_noise_rel", "1", 0.0, 0.0, 1.0,
                     "Relative read noise r: sigma = r G, drawn fresh on every read; the forms "
                     "add in variance, sigma^2 = (r G)^2 + s0^2 + s1^2 G / 1 uS"),
          real_param("read_noise_siemens", "S", 0.0, 0.0, 1.0e-3,
                     "State-independent read noise s0 (S): the same std for every cell"),
          real_param("read_noise_sqrt_siemens", "S", 0.0, 0.0, 1.0e-3,
                     "sqrt(G)-type read noise (S), given as its std s1 at G = 1 uS: sigma = "
                     "s1 sqrt(G / 1 uS) (shot-noise-like)"),
          choice_param("read_noise_form", std::string("sum"), {"sum", "polynomial", "table"},
                       "How the read-noise sigma(G) is given: sum = the three forms above, "
                       "added in variance; polynomial = read_noise_poly_siemens; table = "
                       "read_noise_table_csv"),
          text_param("read_noise_poly_siemens", "S", "",
                     "Coefficients c0, ..., cn (S) of the read-noise sigma = max(sum c_k "
                     "(G / 1 uS)^k, 0), with read_noise_form = polynomial"),
          text_param("read_noise_table_csv", "1", "",
                     "CSV file (g_siemens,sigma_siemens) of measured read-noise sigma(G), with "
                     "read_noise_form = table; relative to the card"),
          devices::cycle_correlation_param(),
          real_param("stuck_at_gmin_rel", "1", 0.0, 0.0, 1.0,
                     "Probability that a cell is stuck at g_min_siemens, whatever its target"),
          real_param("stuck_at_gmax_rel", "1", 0.0, 0.0, 1.0,
                     "Probability that a cell is stuck at g_max_siemens, whatever its target"),
          real_param("read_pulse_s", "s", 1.0e-9, 1.0e-12, 1.0e-3,
                     "Duration of one read pulse, used for the cell read energy V^2 G t"),
          devices::cell_area_param(devices::kIsaacCellAreaM2,
                                   "default: ISAAC's crossbar density, 0.0002 mm^2 per 8 x "
                                   "128 x 128 cells (Shafiee et al., ISCA 2016, Table I)"),
          devices::write_energy_param(kDefaultWriteEnergyJ,
                                      "default (assumption): 10 write-verify pulses of "
                                      "(2 V)^2 x 100 uS x 100 ns, docs/devices.md#cell-costs"),
          devices::write_time_param(kDefaultWriteTimeS,
                                    "default (assumption): 10 write-verify iterations of "
                                    "100 ns pulse + 100 ns verify, docs/devices.md#cell-costs"),
      }};
  for (ParamSpec& p : devices::IvNonlinearity::params()) spec.params.push_back(std::move(p));
  return spec;
}

ReramMultilevel::ReramMultilevel(const ParamSet& params)
    : ResistiveCell(params),
      g_min_(params.real("g_min_siemens")),
      g_max_(params.real("g_max_siemens")),
      levels_(static_cast<int>(params.integer("levels"))),
      step_(0.0),
      sigma_slope_(params.real("prog_sigma_slope_rel")),
      sigma_offset_(params.real("prog_sigma_offset_siemens")),
      read_noise_rel_(params.real("read_noise_rel")),
      read_noise_s0_(params.real("read_noise_siemens")),
      read_noise_s1_(params.real("read_noise_sqrt_siemens")),
      stuck_gmin_(params.real("stuck_at_gmin_rel")),
      stuck_gmax_(params.real("stuck_at_gmax_rel")) {
  const std::string& origin = params.origin();
  if (!(g_min_ < g_max_))
    throw ConfigError(origin, "g_min_siemens",
                      "must be below g_max_siemens (" + to_string(ParamValue(g_max_)) + " S)");
  // The loader checks declared ranges, but a hand-built ParamSet bypasses it; a level count
  // below 2 would divide by zero below.
  if (params.integer("levels") < 2 || params.integer("levels") > 256)
    throw ConfigError(origin, "levels", "expected an integer in [2, 256]");
  if (stuck_gmin_ < 0.0 || stuck_gmax_ < 0.0 || stuck_gmin_ + stuck_gmax_ > 1.0)
    throw ConfigError(origin, "stuck_at_gmax_rel",
                      "stuck_at_gmin_rel + stuck_at_gmax_rel must lie in [0, 1] (they are "
                      "probabilities of exclusive events)");
  step_ = (g_max_ - g_min_) / (levels_ - 1);
  const std::string& prog_form = params.choice("prog_sigma_form");
  if (prog_form == "polynomial")
    prog_curve_ = devices::SigmaCurve::polynomial(params.text("prog_sigma_poly_siemens"), origin,
                                                  "prog_sigma_poly_siemens");
  else if (prog_form == "table")
    prog_curve_ = devices::SigmaCurve::table(params.text("prog_sigma_table_csv"), origin,
                                             "prog_sigma_table_csv");
  const std::string& read_form = params.choice("read_noise_form");
  if (read_form == "polynomial")
    read_curve_ = devices::SigmaCurve::polynomial(params.text("read_noise_poly_siemens"), origin,
                                                  "read_noise_poly_siemens");
  else if (read_form == "table")
    read_curve_ = devices::SigmaCurve::table(params.text("read_noise_table_csv"), origin,
                                             "read_noise_table_csv");
}

double ReramMultilevel::nearest_level_siemens(double target) const {
  const double k = std::clamp(std::floor((target - g_min_) / step_ + 0.5), 0.0,
                              static_cast<double>(levels_ - 1));
  // Computing the level from its index (not by snapping the target) makes equal indices give
  // bit-identical conductances, so level tests can compare exactly.
  return g_min_ + k * step_;
}

void ReramMultilevel::program(Matrix& conductance, ProgrammingStreams streams) const {
  float* g = conductance.data();
  const Index n = conductance.size();

  for (Index i = 0; i < n; ++i) {
    if (!std::isfinite(g[i]))
      throw Error("reram.multilevel: conductance target is not finite (mapping bug)");
    g[i] = static_cast<float>(nearest_level_siemens(g[i]));
  }

  // One normal draw per cell, in storage (column-major) order, whatever its level: cell i
  // always takes the i-th draw, so changing one target never shifts the others' errors.
  const bool has_variation = prog_curve_ || sigma_slope_ != 0.0 || sigma_offset_ > 0.0;
  if (has_variation) {
    boost::random::normal_distribution<double> normal(0.0, 1.0);
    for (Index i = 0; i < n; ++i) {
      const double level = g[i];
      const double noisy = level + prog_sigma_siemens(level) * normal(streams.variation);
      // Clipped only at the physical bound G >= 0: G_min is the lowest target level, not a
      // floor the cell cannot go below, so clipping there would bias the idle cells.
      g[i] = static_cast<float>(std::max(noisy, 0.0));
    }
  }

  // Faults come last so a stuck cell holds exactly G_min or G_max. One uniform draw per cell
  // splits [0, 1) into exclusive events with exactly the configured probabilities.
  if (stuck_gmin_ + stuck_gmax_ > 0.0) {
    boost::random::uniform_01<double> uniform;
    const float at_min = static_cast<float>(g_min_);
    const float at_max = static_cast<float>(g_max_);
    for (Index i = 0; i < n; ++i) {
      const double u = uniform(streams.faults);
      if (u < stuck_gmin_)
        g[i] = at_min;
      else if (u < stuck_gmin_ + stuck_gmax_)
        g[i] = at_max;
    }
  }
}

void ReramMultilevel::read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const {
  if (read_curve_) {
    // Measured data: evaluated once per cell at programming, not per read.
    sigma_siemens.resize(conductance.rows(), conductance.cols());
    for (Index i = 0; i < conductance.size(); ++i)
      sigma_siemens.data()[i] =
          static_cast<float>((*read_curve_)(std::abs(static_cast<double>(conductance.data()[i]))));
    return;
  }
  // Independent noise sources add in variance (docs/devices.md#read-noise).
  const auto g = conductance.array().abs();
  const float r2 = static_cast<float>(read_noise_rel_ * read_noise_rel_);
  const float s02 = static_cast<float>(read_noise_s0_ * read_noise_s0_);
  const float s12 = static_cast<float>(read_noise_s1_ * read_noise_s1_ / kSqrtReferenceS);
  sigma_siemens = (r2 * g.square() + s02 + s12 * g).sqrt().matrix();
}

}  // namespace xbarsim
