#include "device_models/ideal/ideal_device.hpp"

#include "xbarsim/core/error.hpp"

namespace xbarsim {

ModelSpec IdealDevice::spec() {
  return ModelSpec{
      kName,
      ModelKind::kDevice,
      "Exact conductances: no levels, no programming error, no read noise, no faults",
      "docs/devices.md#ideal",
      {
          real_param("g_min_siemens", "S", 0.0, 0.0, 1.0,
                     "Lowest conductance a cell can hold (the 'off' state)"),
          real_param("g_max_siemens", "S", 1.0e-4, 0.0, 1.0,
                     "Highest conductance a cell can hold (the 'on' state); must exceed "
                     "g_min_siemens"),
          real_param("read_pulse_s", "s", 1.0e-9, 1.0e-12, 1.0e-3,
                     "Duration of one read pulse, used for the cell read energy V^2 G t"),
          devices::cell_area_param(devices::kIsaacCellAreaM2,
                                   "default: ISAAC's crossbar density, 0.0002 mm^2 per 8 x "
                                   "128 x 128 cells (Shafiee et al., ISCA 2016, Table I)"),
          devices::write_energy_param(0.0, "default 0: programming an ideal cell is free"),
          devices::write_time_param(0.0, "default 0: programming an ideal cell is instantaneous"),
      }};
}

IdealDevice::IdealDevice(const ParamSet& params)
    : ResistiveCell(params),
      g_min_(params.real("g_min_siemens")),
      g_max_(params.real("g_max_siemens")) {
  if (!(g_min_ < g_max_))
    throw ConfigError(params.origin(), "g_min_siemens",
                      "must be below g_max_siemens (" + to_string(ParamValue(g_max_)) + " S)");
}

void IdealDevice::program(Matrix& /*conductance*/, ProgrammingStreams /*streams*/) const {}

void IdealDevice::read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const {
  sigma_siemens.setZero(conductance.rows(), conductance.cols());
}

}  // namespace xbarsim
