#include "circuits/adc/quantizing_adc.hpp"

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <stdexcept>
#include <vector>

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
                            Rng* noise, const AdcStaticErrors* errors) const {
  if (full_scale_a.size() != currents.rows())
    throw ShapeError("adc.quantizing: " + std::to_string(full_scale_a.size()) +
                     " full-scale values for a block of " + std::to_string(currents.rows()) +
                     " rows");
  if (bipolar && c_.bits < 2)
    throw ConfigError(c_.origin, "bits",
                      "expected bits >= 2 for a bipolar (signed) readout, which needs a sign "
                      "bit and at least one magnitude step; got " +
                          std::to_string(c_.bits));
  const double sigma_lsb = total_noise_lsb(c_, c_.bits, bipolar);
  if (sigma_lsb > 0.0 && noise == nullptr)
    throw std::invalid_argument("adc.quantizing: input noise is on but no Rng was given");
  const Index rows = currents.rows();
  if (errors && (errors->offset_lsb.size() != rows || errors->gain.size() != rows ||
                 (errors->thresholds.size() && errors->thresholds.rows() != rows)))
    throw ShapeError("adc.quantizing: static errors drawn for another block size");

  const auto qmax = static_cast<float>(max_code(c_.bits, bipolar));
  const float qmin = bipolar ? -qmax : 0.0f;
  // Working in LSB units (I / LSB = I * qmax / F) turns the quantiser into round + clamp.
  // Dead rows (F <= 0) get scale 0 and full scale 0, so every code maps back to exactly 0.
  const Vector fs = full_scale_a.array().max(0.0f).matrix();
  const Vector scale = (fs.array() > 0.0f).select(qmax / fs.array(), 0.0f).matrix();
  // The sense input saturates before the converter sees the current.
  if (c_.max_column_current_a > 0) {
    const auto limit = static_cast<float>(c_.max_column_current_a);
    currents = currents.cwiseMax(-limit).cwiseMin(limit);
  }

  // The reconstruction is (code / qmax) * F rather than code * LSB: qmax / qmax is exactly 1,
  // so clipped inputs come back as exactly +-F, with no rounding of a precomputed LSB.
  if (sigma_lsb == 0.0 && !errors) {
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
  Vector z = Vector::Zero(rows), x(rows);
  const bool curve = errors && errors->thresholds.size();
  for (Index j = 0; j < currents.cols(); ++j) {
    if (sigma_lsb > 0.0)
      for (Index i = 0; i < rows; ++i) z[i] = normal(*noise);
    auto col = currents.col(j).array();
    x = (col * scale.array()).matrix();
    if (errors) x = (x.array() * errors->gain.array() + errors->offset_lsb.array()).matrix();
    x += z;
    if (curve) {
      // The code is the number of transitions at or below the input, from the lowest code;
      // the transitions are non-decreasing (draw_static_errors), so a binary search finds it.
      for (Index i = 0; i < rows; ++i) {
        const auto t = errors->thresholds.row(i);
        const auto n = std::upper_bound(t.begin(), t.end(), x[i]) - t.begin();
        x[i] = qmin + static_cast<float>(n);
      }
    } else {
      x = x.array().round().max(qmin).min(qmax).matrix();
    }
    col = (x.array() / qmax) * fs.array();
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

double QuantizingAdc::total_noise_lsb(const QuantizingAdcConfig& c, int bits, bool bipolar) {
  if (c.sample_capacitance_f <= 0) return c.input_noise_lsb;
  // Boltzmann's constant (exact in the 2019 SI).
  constexpr double kBoltzmannJPerK = 1.380649e-23;
  const double ktc_v = std::sqrt(kBoltzmannJPerK * c.temperature_k / c.sample_capacitance_f);
  const double lsb_v = c.input_full_scale_v / static_cast<double>(max_code(bits, bipolar));
  return std::hypot(c.input_noise_lsb, ktc_v / lsb_v);
}

AdcStaticErrors QuantizingAdc::draw_static_errors(Index rows, bool bipolar, Rng& rng) const {
  // Draw order (reproducibility contract): per converter, offset, gain, then its step widths.
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  const long qmax = max_code(c_.bits, bipolar);
  const long qmin = bipolar ? -qmax : 0;
  const Index transitions = static_cast<Index>(qmax - qmin);
  AdcStaticErrors e;
  e.offset_lsb.resize(rows);
  e.gain.resize(rows);
  const bool table = !c_.inl_lsb.empty();
  if (c_.dnl_sigma_lsb > 0 || table) e.thresholds.resize(rows, transitions);
  std::vector<double> width(static_cast<std::size_t>(std::max<Index>(transitions - 1, 0)));
  for (Index r = 0; r < rows; ++r) {
    e.offset_lsb[r] = static_cast<float>(c_.offset_sigma_lsb * normal(rng));
    e.gain[r] = static_cast<float>(1.0 + c_.gain_sigma_rel * normal(rng));
    if (c_.dnl_sigma_lsb <= 0) {
      // The card's curve alone: transition k at its ideal level plus the table's INL.
      for (Index k = 0; table && k < transitions; ++k)
        e.thresholds(r, k) =
            static_cast<float>(static_cast<double>(qmin) + 0.5 + static_cast<double>(k) +
                               c_.inl_lsb[static_cast<std::size_t>(k)]);
      continue;
    }
    // Inner step widths 1 + d_k (a width below 0 is a missing code), then the end-point fit:
    // the first and last transitions stay at their ideal levels, so INL is the deviation of
    // the transitions from the straight line through the end points.
    double total = 0;
    for (double& w : width) total += w = std::max(1.0 + c_.dnl_sigma_lsb * normal(rng), 0.0);
    const double stretch =
        width.empty() || total <= 0 ? 1.0 : static_cast<double>(width.size()) / total;
    double level = static_cast<double>(qmin) + 0.5;  // the first transition
    for (Index k = 0; k < transitions; ++k) {
      // A card's INL adds to the drawn curve (its systematic part).
      e.thresholds(r, k) =
          static_cast<float>(level + (table ? c_.inl_lsb[static_cast<std::size_t>(k)] : 0.0));
      if (k < static_cast<Index>(width.size()))
        level += width[static_cast<std::size_t>(k)] * stretch;
    }
  }
  return e;
}

double QuantizingAdc::conversion_energy_j(const QuantizingAdcConfig& c) {
  const double enob = static_cast<double>(c.bits - c.enob_loss_bits);
  switch (c.energy_model) {
    case AdcEnergyModel::kTable: {
      // A measured figure holds at the card's own resolution; a cited rule moves it: a
      // constant Walden FoM doubles E per bit, a constant Schreier FoM multiplies it by
      // 10^(6.02/10) per bit (docs/circuits.md#adc-energy).
      const double dbits = static_cast<double>(c.bits - c.reference_bits);
      switch (c.table_scaling) {
        case AdcEnergyModel::kWalden:
          return c.energy_per_conversion_j * std::exp2(dbits);
        case AdcEnergyModel::kSchreier:
          return c.energy_per_conversion_j * std::pow(10.0, 6.02 * dbits / 10.0);
        case AdcEnergyModel::kTable:
          return c.energy_per_conversion_j;  // bits == reference_bits, checked at load
      }
      break;
    }
    case AdcEnergyModel::kWalden:
      // Walden: FoM_W = P / (2^ENOB f_s), so the energy per conversion is FoM_W 2^ENOB.
      return c.walden_fom_j * std::exp2(enob);
    case AdcEnergyModel::kSchreier: {
      // Schreier (Nyquist, BW = f_s / 2): FoM_S = SNDR + 10 log10(f_s / (2 P)), so
      // E = P / f_s = 1 / (2 10^((FoM_S - SNDR) / 10)) = E_0 10^(SNDR / 10).
      const double sndr_db = 6.02 * enob + 1.76;
      return c.schreier_e0_j * std::pow(10.0, sndr_db / 10.0);
    }
  }
  throw std::logic_error("adc.quantizing: unknown energy model");
}

double QuantizingAdc::area_at_bits_m2(const QuantizingAdcConfig& c) {
  return c.area_m2 * std::exp2(static_cast<double>(c.bits - c.reference_bits));
}

namespace {
// ISAAC (Shafiee et al., ISCA 2016, Table I): 8-bit ADC at 1.28 GS/s, 2 mW, 0.0012 mm^2.
constexpr double kIsaacAdcSampleRateHz = 1.28e9;
constexpr double kIsaacAdcEnergyJ = 2e-3 / kIsaacAdcSampleRateHz;  // 1.5625 pJ
constexpr double kIsaacAdcTimeS = 1.0 / kIsaacAdcSampleRateHz;     // 0.78125 ns
constexpr double kIsaacAdcAreaM2 = 0.0012e-6;
// Murmann, ADC Performance Survey 1997-2025: at 0.1-2 GS/s a good SAR needs
// about 1-5 pJ at 6-8 ENOB. The corners give FoM_W = 1 pJ / 2^8 = 3.90625 fJ and
// 5 pJ / 2^6 = 78.125 fJ per step; the default is their geometric mean, 17.47 fJ per step.
const double kSurveyWaldenFomJ = std::sqrt((1e-12 / 256.0) * (5e-12 / 64.0));
// Best Nyquist Schreier FoM of the same survey, 186.8 dB: E_0 = 1 / (2 10^18.68) J.
const double kFrontierSchreierE0J = 1.0 / (2.0 * std::pow(10.0, 186.8 / 10.0));
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
          choice_param("range", std::string("fixed"), {"fixed", "calibrated", "absolute"},
                       "full scale: 'fixed' = the largest current the array can produce; "
                       "'calibrated' = a quantile of |I| seen on a calibration batch; "
                       "'absolute' = full_scale_a or full_scale_cell_currents_rel"),
          real_param("full_scale_a", "A", 0.0, 0.0, 1.0,
                     "with range=absolute: the full-scale column current (A), the same for "
                     "every column (0 = use full_scale_cell_currents_rel)"),
          real_param("full_scale_cell_currents_rel", "1", 0.0, 0.0, 1e6,
                     "with range=absolute: the full scale in units of one cell's maximum "
                     "current G_max V_read (e.g. 16 = sixteen cells fully on)"),
          choice_param("calibration", std::string("per_array"), {"per_array", "per_column"},
                       "with range=calibrated: one full scale per array, or one per column"),
          real_param("calibration_quantile_rel", "1", 1.0, 0.0, 1.0,
                     "quantile of |I| over the calibration batch taken as full scale, 0 < q <= "
                     "1 (1 = the maximum; lower trades clipping for resolution)"),
          real_param("input_noise_lsb", "LSB", 0.0, 0.0, 64.0,
                     "rms input-referred Gaussian noise added before quantising, in LSB "
                     "(comparator and thermal noise), drawn afresh for every conversion"),
          real_param("offset_sigma_lsb", "LSB", 0.0, 0.0, 64.0,
                     "rms input-referred offset of each column's converter, drawn once per "
                     "fabricated chip (docs/circuits.md#adc-static-errors)"),
          real_param("gain_sigma_rel", "1", 0.0, 0.0, 0.5,
                     "rms gain error of each column's converter, drawn once per chip"),
          real_param("dnl_sigma_lsb", "LSB", 0.0, 0.0, 1.0,
                     "rms error of each code's step width (DNL), drawn once per chip and "
                     "converter; the INL is its end-point-fit running sum"),
          text_param("inl_lsb", "LSB", "",
                     "measured static transfer curve: 2^bits - 1 numbers, the INL (LSB) of each "
                     "code transition from the lowest up, added to the ideal levels (and to a "
                     "drawn DNL curve); a bipolar readout uses the first 2^bits - 2. Empty = "
                     "ideal"),
          real_param("sample_capacitance_f", "F", 0.0, 0.0, 1e-9,
                     "sampling capacitor at the converter input (the sample-and-hold): adds "
                     "its kT/C noise, sqrt(k T / C) over the LSB voltage, to every conversion; "
                     "0 = none"),
          real_param("input_full_scale_v", "V", 1.0, 1e-3, 10.0,
                     "voltage of the full-scale input at the sampling capacitor, which sets the "
                     "LSB voltage for the kT/C noise; assumption 1 V"),
          real_param("temperature_k", "K", 300.0, 1.0, 500.0,
                     "temperature of the kT/C noise; default 300 K"),
          real_param("max_column_current_a", "A", 0.0, 0.0, 1.0,
                     "current at which a column's sense input saturates (clips), before the "
                     "conversion; 0 = no limit beyond the ADC's own full scale"),
          choice_param("energy_model", std::string("table"), {"table", "walden", "schreier"},
                       "how the energy per conversion is obtained: 'table' = "
                       "energy_per_conversion_j as given (ignores bits); 'walden' = walden_fom_j "
                       "x 2^ENOB; 'schreier' = schreier_e0_j x 10^(SNDR/10), SNDR = 6.02 ENOB + "
                       "1.76 dB; ENOB = bits - enob_loss_bits"),
          real_param("energy_per_conversion_j", "J", kIsaacAdcEnergyJ, 0.0, 1e-9,
                     "energy per conversion with energy_model=table, measured at "
                     "reference_bits; default derived from ISAAC Table I: 2 mW / 1.28 GS/s"),
          int_param("reference_bits", "bit", 8, QuantizingAdc::kMinBits, QuantizingAdc::kMaxBits,
                    "resolution at which energy_per_conversion_j and area_m2 were measured; "
                    "default 8, ISAAC's ADC (the defaults of those two keys)"),
          choice_param("bits_scaling", std::string("none"), {"none", "walden", "schreier"},
                       "energy_model=table: how the energy follows bits away from "
                       "reference_bits: 'walden' = x2 per bit (constant Walden FoM), "
                       "'schreier' = x4 per bit (constant Schreier FoM); 'none' = bits must "
                       "equal reference_bits"),
          real_param("walden_fom_j", "J", kSurveyWaldenFomJ, 0.0, 1e-9,
                     "Walden figure of merit, J per conversion step (energy_model=walden); "
                     "default 17.47 fJ: geometric mean of the 1 pJ @ 8 ENOB and 5 pJ @ 6 ENOB "
                     "corners of the 0.1-2 GS/s SARs in Murmann's ADC survey"),
          real_param("schreier_e0_j", "J", kFrontierSchreierE0J, 0.0, 1e-9,
                     "Schreier model constant 1 / (2 x 10^(FoM_S/10)), the energy per conversion "
                     "at SNDR = 0 dB (energy_model=schreier); default from the best Nyquist "
                     "FoM_S = 186.8 dB in Murmann's ADC survey (a best case)"),
          int_param("enob_loss_bits", "bit", 1, 0, QuantizingAdc::kMaxBits - 1,
                    "bits - ENOB assumed by the walden and schreier energy models (measured ENOB "
                    "is typically 1-2 bits below nominal, Murmann's survey); prices only: model "
                    "the accuracy loss with input_noise_lsb"),
          real_param("conversion_time_s", "s", kIsaacAdcTimeS, 0.0, 1e-3,
                     "time per conversion; default derived from ISAAC Table I: 1 / 1.28 GS/s"),
          real_param("area_m2", "m2", kIsaacAdcAreaM2, 0.0, 1e-4,
                     "area of one ADC at reference_bits, scaled by 2^(bits - reference_bits) "
                     "(a SAR's capacitive DAC); default: ISAAC Table I, 0.0012 mm^2"),
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
  const std::string& range = checked_choice(p, spec, "range");
  c.range = range == "calibrated" ? AdcRangeMode::kCalibrated
            : range == "absolute" ? AdcRangeMode::kAbsolute
                                  : AdcRangeMode::kFixed;
  c.full_scale_a = checked_real(p, spec, "full_scale_a");
  c.full_scale_cell_currents = checked_real(p, spec, "full_scale_cell_currents_rel");
  const bool amperes = c.full_scale_a > 0, cells = c.full_scale_cell_currents > 0;
  if (c.range == AdcRangeMode::kAbsolute && amperes == cells)
    throw ConfigError(p.origin(), amperes ? "full_scale_cell_currents_rel" : "full_scale_a",
                      "range=absolute takes exactly one full scale > 0: full_scale_a (A) or "
                      "full_scale_cell_currents_rel (cells at G_max V_read)");
  if (c.range != AdcRangeMode::kAbsolute && (amperes || cells))
    throw ConfigError(p.origin(), amperes ? "full_scale_a" : "full_scale_cell_currents_rel",
                      "a full scale is only used with range=absolute (range is " + range + ")");
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
  c.offset_sigma_lsb = checked_real(p, spec, "offset_sigma_lsb");
  c.gain_sigma_rel = checked_real(p, spec, "gain_sigma_rel");
  c.dnl_sigma_lsb = checked_real(p, spec, "dnl_sigma_lsb");
  c.inl_lsb = circuits::checked_number_list(p, "inl_lsb");
  const std::size_t transitions = (std::size_t{1} << c.bits) - 1;
  if (!c.inl_lsb.empty() && c.inl_lsb.size() != transitions)
    throw ConfigError(p.origin(), "inl_lsb",
                      "expected " + std::to_string(transitions) +
                          " entries (the transitions of a " + std::to_string(c.bits) +
                          "-bit converter), got " + std::to_string(c.inl_lsb.size()));
  for (std::size_t k = 1; k < c.inl_lsb.size(); ++k)
    if (1.0 + c.inl_lsb[k] - c.inl_lsb[k - 1] < 0)
      throw ConfigError(p.origin(), "inl_lsb",
                        "transition " + std::to_string(k) + " lies below transition " +
                            std::to_string(k - 1) +
                            ": a converter's transfer curve must not "
                            "fall (DNL >= -1 LSB)");
  c.max_column_current_a = checked_real(p, spec, "max_column_current_a");
  c.sample_capacitance_f = checked_real(p, spec, "sample_capacitance_f");
  c.input_full_scale_v = checked_real(p, spec, "input_full_scale_v");
  c.temperature_k = checked_real(p, spec, "temperature_k");
  const std::string& model = checked_choice(p, spec, "energy_model");
  c.energy_model = model == "walden"     ? AdcEnergyModel::kWalden
                   : model == "schreier" ? AdcEnergyModel::kSchreier
                                         : AdcEnergyModel::kTable;
  c.energy_per_conversion_j = checked_real(p, spec, "energy_per_conversion_j");
  c.reference_bits = static_cast<int>(checked_integer(p, spec, "reference_bits"));
  const std::string& scaling = checked_choice(p, spec, "bits_scaling");
  c.table_scaling = scaling == "walden"     ? AdcEnergyModel::kWalden
                    : scaling == "schreier" ? AdcEnergyModel::kSchreier
                                            : AdcEnergyModel::kTable;
  // A measured energy must never be kept silently at another resolution.
  if (c.energy_model == AdcEnergyModel::kTable && c.table_scaling == AdcEnergyModel::kTable &&
      c.bits != c.reference_bits)
    throw ConfigError(p.origin(), "bits",
                      std::to_string(c.bits) +
                          " bits, but the card's energy_per_conversion_j "
                          "was measured at reference_bits = " +
                          std::to_string(c.reference_bits) +
                          " and its bits_scaling is 'none'; set bits_scaling (walden or schreier) "
                          "or use a figure-of-merit card (energy_model walden or schreier)");
  c.walden_fom_j = checked_real(p, spec, "walden_fom_j");
  c.schreier_e0_j = checked_real(p, spec, "schreier_e0_j");
  c.enob_loss_bits = static_cast<int>(checked_integer(p, spec, "enob_loss_bits"));
  // A figure-of-merit model needs at least one effective bit; a sweep that asks for fewer is a
  // configuration error, not something to clamp silently.
  if (c.energy_model != AdcEnergyModel::kTable && c.bits - c.enob_loss_bits < 1)
    throw ConfigError(p.origin(), "enob_loss_bits",
                      "the " + model +
                          " energy model needs ENOB = bits - enob_loss_bits >= 1; got " +
                          std::to_string(c.bits) + " - " + std::to_string(c.enob_loss_bits));
  c.conversion_time_s = checked_real(p, spec, "conversion_time_s");
  c.area_m2 = checked_real(p, spec, "area_m2");
  return std::make_unique<QuantizingAdc>(std::move(c));
}

}  // namespace xbarsim
