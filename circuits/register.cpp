#include "circuits/register.hpp"

#include "circuits/adc/ideal_adc.hpp"
#include "circuits/adc/quantizing_adc.hpp"
#include "circuits/array/sample_hold.hpp"
#include "circuits/dac/ideal_dac.hpp"
#include "circuits/dac/linear_dac.hpp"
#include "circuits/digital/logic.hpp"
#include "circuits/digital/shift_add.hpp"
#include "circuits/memory/dram.hpp"
#include "circuits/memory/sram_buffer.hpp"
#include "circuits/noc/router.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {

void register_circuits(Registry& registry) {
  registry.add_dac(ideal_dac_spec(), make_ideal_dac);
  registry.add_dac(linear_dac_spec(), make_linear_dac);
  registry.add_adc(ideal_adc_spec(), make_ideal_adc);
  registry.add_adc(quantizing_adc_spec(), make_quantizing_adc);
  // Components priced per action (docs/costs.md).
  registry.add_cost(sram_buffer_spec(), make_sram_buffer);
  registry.add_cost(dram_spec(), make_dram);
  registry.add_cost(router_spec(), make_router);
  registry.add_cost(digital_logic_spec(), make_digital_logic);
  registry.add_cost(shift_add_spec(), make_shift_add);
  registry.add_cost(sample_hold_spec(), make_sample_hold);
}

}  // namespace xbarsim
