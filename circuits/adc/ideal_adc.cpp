#include "circuits/adc/ideal_adc.hpp"

#include "circuits/param_checks.hpp"

namespace xbarsim {

void IdealAdc::convert(Eigen::Ref<Matrix> /*currents*/, const Vector& /*full_scale_a*/,
                       bool /*bipolar*/, Rng* /*noise*/, const AdcStaticErrors* /*errors*/) const {
  // The identity: the ideal readout leaves the analog result untouched, so the ideal mode of the
  // engine reproduces the float reference exactly.
}

ModelSpec ideal_adc_spec() {
  return ModelSpec{
      "adc.ideal",
      ModelKind::kAdc,
      "exact readout: column currents pass unchanged (no quantisation, clipping or noise)",
      "docs/circuits.md#adc-ideal",
      {
          real_param("energy_per_conversion_j", "J", 0.0, 0.0, 1e-9,
                     "energy per column read; default 0: an idealised readout costs nothing "
                     "unless a card says otherwise"),
          real_param("conversion_time_s", "s", 0.0, 0.0, 1e-3,
                     "time per column read; default 0 (idealised)"),
          real_param("area_m2", "m2", 0.0, 0.0, 1e-4, "area of one readout; default 0"),
      }};
}

std::unique_ptr<Adc> make_ideal_adc(const ParamSet& p) {
  static const ModelSpec spec = ideal_adc_spec();
  return std::make_unique<IdealAdc>(circuits::checked_real(p, spec, "energy_per_conversion_j"),
                                    circuits::checked_real(p, spec, "conversion_time_s"),
                                    circuits::checked_real(p, spec, "area_m2"));
}

}  // namespace xbarsim
