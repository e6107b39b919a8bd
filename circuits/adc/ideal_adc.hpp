#pragma once
// adc.ideal: reads column currents exactly (no quantisation, clipping or noise).
#include <memory>
#include <string>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

class IdealAdc final : public Adc {
 public:
  IdealAdc(double energy_per_conversion_j, double conversion_time_s, double area_m2)
      : energy_per_conversion_j_(energy_per_conversion_j),
        conversion_time_s_(conversion_time_s),
        area_m2_(area_m2) {}

  std::string name() const override { return "adc.ideal"; }
  int bits() const override { return 0; }
  AdcRangeMode range_mode() const override { return AdcRangeMode::kFixed; }
  AdcCalibration calibration() const override { return AdcCalibration::kPerArray; }
  double calibration_quantile() const override { return 1.0; }
  double input_noise_lsb() const override { return 0.0; }
  void convert(Eigen::Ref<Matrix> currents, const Vector& full_scale_a, bool bipolar, Rng* noise,
               const AdcStaticErrors* errors = nullptr) const override;

  double energy_per_conversion_j() const override { return energy_per_conversion_j_; }
  double conversion_time_s() const override { return conversion_time_s_; }
  double area_m2() const override { return area_m2_; }

 private:
  double energy_per_conversion_j_;
  double conversion_time_s_;
  double area_m2_;
};

ModelSpec ideal_adc_spec();
std::unique_ptr<Adc> make_ideal_adc(const ParamSet& params);

}  // namespace xbarsim
