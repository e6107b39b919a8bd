#include "circuits/adc/quantizing_adc.hpp"

#include <boost/random/normal_distribution.hpp>
#include <stdexcept>

#include "circuits/param_checks.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim {

// GCC 12 reports the self-initialised placeholder inside its own AVX-512 min/max intrinsics
// (_mm512_undefined_ps) as maybe-uninitialised once Eigen's clamp is inlined here; it is a
// false positive in the compiler's header, not in this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
void QuantizingAdc::convert(Eigen::Ref<Matrix> currents, const Vector& full_scale_a, bool bipolar,
                            Rng* noise) const {
  if (full_scale_a.size() != currents.rows())
    throw ShapeError("adc.quantizing: " + std::to_string(full_scale_a.size()) +
                     " full-scale values for a block of " + std::to_string(currents.rows()) +
                     " rows");
  if (bipolar && c_.bits < 2)
    throw ConfigError(c_.origin, "bits",
                      "expected bits >= 2 for a bipolar (signed) readout, which needs a sign "
                      "bit and at least one magnitude step; got " +
                          std::to_string(c_.bits));
  const double sigma_lsb = c_.input_noise_lsb;
  if (sigma_lsb > 0.0 && noise == nullptr)
    throw std::invalid_argument("adc.quantizing: input noise is on but no Rng was given");

  const auto qmax = static_cast<float>(max_code(c_.bits, bipolar));
  const float qmin = bipolar ? -qmax : 0.0f;
  // Working in LSB units (I / LSB = I * qmax / F) turns the quantiser into round + clamp.
  // Dead rows (F <= 0) get scale 0 and full scale 0, so every code maps back to exactly 0.
  const Vector fs = full_scale_a.array().max(0.0f).matrix();
  const Vector scale = (fs.array() > 0.0f).select(qmax / fs.array(), 0.0f).matrix();

  // The reconstruction is (code / qmax) * F rather than code * LSB: qmax / qmax is exactly 1,
  // so clipped inputs come back as exactly +-F, with no rounding of a precomputed LSB.
  const Index rows = currents.rows();
  if (sigma_lsb == 0.0) {
    for (Index j = 0; j < currents.cols(); ++j) {
      auto col = currents.col(j).array();
      col = ((col * scale.array()).round().max(qmin).min(qmax) / qmax) * fs.array();
    }
    return;
  }
  // The draw order is part of the contract (adc.hpp): element (i, j) takes draw j * rows + i
  // of the given stream, so a caller that derives one stream per block gets the same result
  // for any thread count.
  boost::random::normal_distribution<float> normal(0.0f, static_cast<float>(sigma_lsb));
  Vector z(rows);
  for (Index j = 0; j < currents.cols(); ++j) {
    for (Index i = 0; i < rows; ++i) z[i] = normal(*noise);
    auto col = currents.col(j).array();
    col = ((col * scale.array() + z.array()).round().max(qmin).min(qmax) / qmax) * fs.array();
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace {
// ISAAC (Shafiee et al., ISCA 2016, Table I): 8-bit ADC at 1.28 GS/s, 2 mW, 0.0012 mm^2.
constexpr double kIsaacAdcSampleRateHz = 1.28e9;
constexpr double kIsaacAdcEnergyJ = 2e-3 / kIsaacAdcSampleRateHz;  // 1.5625 pJ
constexpr double kIsaacAdcTimeS = 1.0 / kIsaacAdcSampleRateHz;     // 0.78125 ns
constexpr double kIsaacAdcAreaM2 = 0.0012e-6;
}  // namespace

ModelSpec quantizing_adc_spec() {
  return ModelSpec{
      "adc.quantizing",
      ModelKind::kAdc,
      "uniform mid-tread quantiser with clipping and input-referred Gaussian noise",
      "docs/circuits.md#adc-quantizing",
      {
          int_param("bits", "bit", 8, QuantizingAdc::kMinBits, QuantizingAdc::kMaxBits,
                    "resolution; signed (bipolar) readout needs >= 2. Default: ISAAC's 8-bit "
                    "ADC (Shafiee et al., ISCA 2016, Table I)"),
          choice_param("range", std::string("fixed"), {"fixed", "calibrated"},
                       "full scale: 'fixed' = the largest current the array can produce; "
                       "'calibrated' = a quantile of |I| seen on a calibration batch"),
          choice_param("calibration", std::string("per_array"), {"per_array", "per_column"},
                       "with range=calibrated: one full scale per array, or one per column"),
          real_param("calibration_quantile_rel", "1", 1.0, 0.0, 1.0,
                     "quantile of |I| over the calibration batch taken as full scale, 0 < q <= "
                     "1 (1 = the maximum; lower trades clipping for resolution)"),
          real_param("input_noise_lsb", "LSB", 0.0, 0.0, 64.0,
                     "rms input-referred Gaussian noise added before quantising, in LSB"),
          real_param("energy_per_conversion_j", "J", kIsaacAdcEnergyJ, 0.0, 1e-9,
                     "energy per conversion; default derived from ISAAC Table I: 2 mW / "
                     "1.28 GS/s"),
          real_param("conversion_time_s", "s", kIsaacAdcTimeS, 0.0, 1e-3,
                     "time per conversion; default derived from ISAAC Table I: 1 / 1.28 GS/s"),
          real_param("area_m2", "m2", kIsaacAdcAreaM2, 0.0, 1e-4,
                     "area of one ADC; default: ISAAC Table I, 0.0012 mm^2"),
      }};
}

std::unique_ptr<Adc> make_quantizing_adc(const ParamSet& p) {
  static const ModelSpec spec = quantizing_adc_spec();
  using circuits::checked_choice;
  using circuits::checked_integer;
  using circuits::checked_real;
  QuantizingAdcConfig c;
  c.origin = p.origin();
  c.bits = static_cast<int>(checked_integer(p, spec, "bits"));
  c.range = checked_choice(p, spec, "range") == "calibrated" ? AdcRangeMode::kCalibrated
                                                             : AdcRangeMode::kFixed;
  c.calibration = checked_choice(p, spec, "calibration") == "per_column"
                      ? AdcCalibration::kPerColumn
                      : AdcCalibration::kPerArray;
  c.calibration_quantile = checked_real(p, spec, "calibration_quantile_rel");
  // The declared range is closed; a zero quantile would give a zero full scale and read every
  // column as dead, so it is rejected here rather than silently producing zeros.
  if (c.calibration_quantile <= 0.0)
    throw ConfigError(p.origin(), "calibration_quantile_rel",
                      "expected 0 < q <= 1, got " + to_string(ParamValue(c.calibration_quantile)));
  c.input_noise_lsb = checked_real(p, spec, "input_noise_lsb");
  c.energy_per_conversion_j = checked_real(p, spec, "energy_per_conversion_j");
  c.conversion_time_s = checked_real(p, spec, "conversion_time_s");
  c.area_m2 = checked_real(p, spec, "area_m2");
  return std::make_unique<QuantizingAdc>(std::move(c));
}

}  // namespace xbarsim
