#include "circuits/register.hpp"

#include "circuits/adc/ideal_adc.hpp"
#include "circuits/adc/quantizing_adc.hpp"
#include "circuits/dac/ideal_dac.hpp"
#include "circuits/dac/linear_dac.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

void register_circuits(Registry& registry) {
  registry.add_dac(ideal_dac_spec(), make_ideal_dac);
  registry.add_dac(linear_dac_spec(), make_linear_dac);
  registry.add_adc(ideal_adc_spec(), make_ideal_adc);
  registry.add_adc(quantizing_adc_spec(), make_quantizing_adc);
}

}  // namespace xbarsim
