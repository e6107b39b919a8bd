#pragma once
// adc.quantizing: a uniform mid-tread quantiser with clipping and input-referred Gaussian
// noise, the behavioural model of a SAR ADC reading one crossbar column.
#include <memory>
#include <string>
#include <vector>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

// How the energy of one conversion is obtained (docs/circuits.md#adc-energy).
enum class AdcEnergyModel {
  kTable,     // energy_per_conversion_j as given, for the card's own resolution
  kWalden,    // FoM_W * 2^ENOB
  kSchreier,  // thermal-noise limit: E_0 * 10^(SNDR/10), SNDR = 6.02 ENOB + 1.76 dB
};

struct QuantizingAdcConfig {
  int bits = 8;
  AdcRangeMode range = AdcRangeMode::kFixed;
  AdcCalibration calibration = AdcCalibration::kPerArray;
  double calibration_quantile = 1.0;
  // range = absolute: exactly one of these is > 0 (docs/circuits.md#adc-range).
  double full_scale_a = 0.0;
  double full_scale_cell_currents = 0.0;
  double input_noise_lsb = 0.0;
  // Static errors, drawn once per chip (docs/circuits.md#adc-static-errors).
  double offset_sigma_lsb = 0.0;      // per-column input-referred offset, rms
  double gain_sigma_rel = 0.0;        // per-column gain error, rms
  double dnl_sigma_lsb = 0.0;         // per-step width error; INL is its end-point-fit sum
  std::vector<double> inl_lsb;        // a measured transfer curve: INL of each transition
  double max_column_current_a = 0.0;  // the sense input saturates here; 0 = no limit
  // kT/C noise of the sampling capacitor (the sample-and-hold at the converter's input):
  // sqrt(k T / C) over the LSB voltage V_fs / q_max; C = 0 means none.
  double sample_capacitance_f = 0.0;
  double input_full_scale_v = 1.0;
  double temperature_k = 300.0;
  AdcEnergyModel energy_model = AdcEnergyModel::kTable;
  double energy_per_conversion_j = 0.0;  // the table value, measured at reference_bits
  int reference_bits = 8;                // resolution at which the card's energy and area hold
  // With the table model, how the energy follows bits away from reference_bits: kWalden
  // (x2 per bit), kSchreier (x10^0.602 per bit); kTable means it cannot, and bits must equal
  // reference_bits.
  AdcEnergyModel table_scaling = AdcEnergyModel::kTable;
  double walden_fom_j = 0.0;   // J per conversion step
  double schreier_e0_j = 0.0;  // 1 / (2 * 10^(FoM_S / 10)), J
  int enob_loss_bits = 0;      // ENOB = bits - enob_loss_bits
  double conversion_time_s = 0.0;
  double area_m2 = 0.0;
  std::string origin;  // where the values came from, named by errors raised during convert()
};

class QuantizingAdc final : public Adc {
 public:
  static constexpr int kMinBits = 1;
  // 16 bits keeps codes exact in the float path (24-bit mantissa) with margin; published
  // crossbar ADCs are 4-10 bits.
  static constexpr int kMaxBits = 16;

  // `config` must already be validated (make_quantizing_adc does so).
  explicit QuantizingAdc(QuantizingAdcConfig config)
      : c_(std::move(config)), energy_j_(conversion_energy_j(c_)) {}

  std::string name() const override { return "adc.quantizing"; }
  int bits() const override { return c_.bits; }
  AdcRangeMode range_mode() const override { return c_.range; }
  AdcCalibration calibration() const override { return c_.calibration; }
  double calibration_quantile() const override { return c_.calibration_quantile; }
  double absolute_full_scale_a(double cell_max_current_a) const override {
    return c_.full_scale_a > 0 ? c_.full_scale_a : c_.full_scale_cell_currents * cell_max_current_a;
  }
  // Per-conversion noise: the input-referred noise and the sampling capacitor's kT/C noise,
  // which are independent and add in variance (docs/circuits.md#adc-quantizing).
  double input_noise_lsb() const override { return total_noise_lsb(c_, c_.bits, false); }
  static double total_noise_lsb(const QuantizingAdcConfig& c, int bits, bool bipolar);
  bool has_static_errors() const override {
    return c_.offset_sigma_lsb > 0 || c_.gain_sigma_rel > 0 || c_.dnl_sigma_lsb > 0 ||
           !c_.inl_lsb.empty();
  }
  AdcStaticErrors draw_static_errors(Index rows, bool bipolar, Rng& rng) const override;
  void convert(Eigen::Ref<Matrix> currents, const Vector& full_scale_a, bool bipolar, Rng* noise,
               const AdcStaticErrors* errors = nullptr) const override;

  // Energy of one conversion at this resolution under the configured energy model.
  double energy_per_conversion_j() const override { return energy_j_; }
  double conversion_time_s() const override { return c_.conversion_time_s; }
  double area_m2() const override { return area_at_bits_m2(c_); }
  AdcEnergyModel energy_model() const { return c_.energy_model; }
  // Effective number of bits assumed by the figure-of-merit models: bits - enob_loss_bits.
  int enob_bits() const { return c_.bits - c_.enob_loss_bits; }

  // The energy equations of docs/circuits.md#adc-energy, for a validated config.
  static double conversion_energy_j(const QuantizingAdcConfig& c);
  // Area at c.bits from the card's area at reference_bits: a SAR converter's capacitive DAC
  // holds 2^bits unit capacitors and dominates its area, so A = A_ref 2^(bits - ref)
  // (docs/circuits.md#adc-area).
  static double area_at_bits_m2(const QuantizingAdcConfig& c);

  // Largest code magnitude: 2^bits - 1 (unipolar) or 2^(bits-1) - 1 (bipolar). The LSB is
  // full scale divided by this.
  static long max_code(int bits, bool bipolar) {
    return bipolar ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
  }

 private:
  QuantizingAdcConfig c_;
  double energy_j_;
};

ModelSpec quantizing_adc_spec();
std::unique_ptr<Adc> make_quantizing_adc(const ParamSet& params);

}  // namespace xbarsim
