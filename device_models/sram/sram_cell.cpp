#include "device_models/sram/sram_cell.hpp"

#include <boost/random/normal_distribution.hpp>
#include <cmath>

#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {
// DNN+NeuroSim V1.4 (Param.cpp): SRAM cell 10 F x 28 F for nodes above 14 nm; at 65 nm
// 280 x (65e-9 m)^2 = 1.183e-12 m^2.
constexpr double kDefaultCellAreaM2 = 10.0 * 28.0 * 65e-9 * 65e-9;
// Horowitz, ISSCC 2014: 10 pJ per 64-bit read of an 8 KB SRAM at 45 nm, 0.15625 pJ per bit.
constexpr double kDefaultWriteEnergyJ = 10e-12 / 64.0;
}  // namespace

ModelSpec SramCell::spec() {
  return ModelSpec{
      kName,
      ModelKind::kDevice,
      "1-bit SRAM compute-in-memory cell: two states, static multiplicative mismatch, optional "
      "thermal read noise",
      "docs/devices.md#sram-cim",
      {
          real_param("g_min_siemens", "S", 0.0, 0.0, 1.0,
                     "Off-state (leakage) equivalent conductance I_off / V_read; 0 for a "
                     "charge-domain cell whose off state adds no charge"),
          real_param("g_max_siemens", "S", 1.0e-5, 0.0, 1.0,
                     "On-state equivalent conductance I_on / V_read (or, charge domain, the "
                     "unit charge per volt and second); must exceed g_min_siemens"),
          real_param("mismatch_rel", "1", 0.0, 0.0, 0.5,
                     "Std of the static per-cell mismatch of the on (and off) current or unit "
                     "capacitor, relative to nominal; drawn once when the array is programmed"),
          real_param("read_noise_rel", "1", 0.0, 0.0, 1.0,
                     "Thermal read noise std as a fraction of the cell's conductance, drawn "
                     "fresh on every read"),
          real_param("read_pulse_s", "s", 1.0e-8, 1.0e-12, 1.0e-3,
                     "Duration of one evaluation (word-line pulse or charge-sharing phase)"),
          real_param("read_energy_j", "J", std::nullopt, 0.0, 1.0e-9,
                     "Energy of one cell in one analog evaluation; required, because no value "
                     "is right for every technology"),
          devices::cell_area_param(kDefaultCellAreaM2,
                                   "default (assumption): DNN+NeuroSim V1.4's SRAM cell, 10 F x "
                                   "28 F, at F = 65 nm; a CIM cell with a capacitor is larger"),
          devices::write_energy_param(kDefaultWriteEnergyJ,
                                      "default (assumption): 10 pJ per 64-bit access of an 8 KB "
                                      "SRAM (Horowitz, ISSCC 2014, 45 nm) per bit"),
          devices::write_time_param(1.0e-8, "default (assumption): one 10 ns write cycle per row"),
      }};
}

SramCell::SramCell(const ParamSet& params)
    : g_off_(params.real("g_min_siemens")),
      g_on_(params.real("g_max_siemens")),
      mismatch_rel_(params.real("mismatch_rel")),
      read_noise_rel_(params.real("read_noise_rel")),
      read_pulse_(params.real("read_pulse_s")),
      read_energy_(params.real("read_energy_j")),
      costs_(params) {
  if (!(g_off_ < g_on_))
    throw ConfigError(params.origin(), "g_min_siemens",
                      "the off conductance must be below the on conductance g_max_siemens (" +
                          to_string(ParamValue(g_on_)) + " S)");
  if (mismatch_rel_ < 0.0)
    throw ConfigError(params.origin(), "mismatch_rel", "expected a non-negative fraction");
}

void SramCell::program(Matrix& conductance, ProgrammingStreams streams) const {
  float* g = conductance.data();
  const Index n = conductance.size();
  // Ties go to 'on', matching a sense threshold at mid-range.
  const double threshold = 0.5 * (g_off_ + g_on_);
  for (Index i = 0; i < n; ++i) {
    if (!std::isfinite(g[i]))
      throw Error("sram.cim: conductance target is not finite (mapping bug)");
    g[i] = static_cast<float>(g[i] >= threshold ? g_on_ : g_off_);
  }
  if (mismatch_rel_ == 0.0) return;

  // Mismatch belongs to the physical cell, not to the bit written: every cell takes one draw in
  // column-major order whatever it stores, so rewriting a bit keeps the cell's own error.
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  for (Index i = 0; i < n; ++i) {
    const double scaled = g[i] * (1.0 + mismatch_rel_ * normal(streams.variation));
    // A unit current or capacitor cannot change sign; only a huge mismatch_rel reaches this.
    g[i] = static_cast<float>(scaled > 0.0 ? scaled : 0.0);
  }
}

void SramCell::read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const {
  sigma_siemens = (static_cast<float>(read_noise_rel_) * conductance.array().abs()).matrix();
}

}  // namespace xbarsim
