#include "xbarsim/circuit/dac.hpp"

namespace xbarsim {

double Dac::voltage_step_v() const {
  const int bits = bits_per_cycle();
  if (bits == 0) return read_voltage_v();
  return read_voltage_v() / static_cast<double>((1 << bits) - 1);
}

}  // namespace xbarsim
