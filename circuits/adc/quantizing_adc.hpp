#pragma once
// adc.quantizing: a uniform mid-tread quantiser with clipping and input-referred Gaussian
// noise, the behavioural model of a SAR ADC reading one crossbar column.
#include <memory>
#include <string>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

struct QuantizingAdcConfig {
  int bits = 8;
  AdcRangeMode range = AdcRangeMode::kFixed;
  AdcCalibration calibration = AdcCalibration::kPerArray;
  double calibration_quantile = 1.0;
  double input_noise_lsb = 0.0;
  double energy_per_conversion_j = 0.0;
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
  explicit QuantizingAdc(QuantizingAdcConfig config) : c_(std::move(config)) {}

  std::string name() const override { return "adc.quantizing"; }
  int bits() const override { return c_.bits; }
  AdcRangeMode range_mode() const override { return c_.range; }
  AdcCalibration calibration() const override { return c_.calibration; }
  double calibration_quantile() const override { return c_.calibration_quantile; }
  double input_noise_lsb() const override { return c_.input_noise_lsb; }
  void convert(Eigen::Ref<Matrix> currents, const Vector& full_scale_a, bool bipolar,
               Rng* noise) const override;

  double energy_per_conversion_j() const { return c_.energy_per_conversion_j; }
  double conversion_time_s() const { return c_.conversion_time_s; }
  double area_m2() const { return c_.area_m2; }

  // Largest code magnitude: 2^bits - 1 (unipolar) or 2^(bits-1) - 1 (bipolar). The LSB is
  // full scale divided by this.
  static long max_code(int bits, bool bipolar) {
    return bipolar ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
  }

 private:
  QuantizingAdcConfig c_;
};

ModelSpec quantizing_adc_spec();
std::unique_ptr<Adc> make_quantizing_adc(const ParamSet& params);

}  // namespace xbarsim
