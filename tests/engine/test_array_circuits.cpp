// Array circuits in the accuracy path. The IR-drop solve (docs/circuits.md#ir-drop): the engine's
// outputs and cell read energy with the solved network, against the same engine with ideal wires.
// The solve itself is checked against ngspice in tests/circuits/test_crossbar_ngspice.cpp; here the
// limits that any correct integration must meet: vanishing wires give the ideal result, real wires
// lower every column current of a positive array, more so for longer wires, and the cell energy
// drops with them.
#include <doctest/doctest.h>

#include <cmath>

#include "engine_fixtures.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

using namespace xbarsim;
using namespace xbarsim::test;

namespace {

TileSpec tile(double wire_ohm, IrDrop mode = IrDrop::kExact) {
  TileSpec t = small_reram_tile(16, 5);
  if (wire_ohm > 0) {
    t.wires.ir_drop = mode;
    t.wires.row_wire_ohm = t.wires.col_wire_ohm = wire_ohm;
    t.wires.driver_ohm = t.wires.sense_ohm = wire_ohm;
  }
  return t;
}

struct Run {
  Matrix y;
  double energy_j;
};

Run run(double wire_ohm, const Matrix& w, const Matrix& x, IrDrop mode = IrDrop::kExact) {
  AnalogMatrix m(w, make_models(tile(wire_ohm, mode)), StreamKey{5, 0, 0}, "ir", 2);
  ActionCounts counts;
  Matrix y = m.multiply(x, 1.0, &counts);
  return {y, counts.cell_read_energy_j};
}

}  // namespace

TEST_CASE("IR drop in the engine: vanishing wires give ideal wires, real wires lower the sums") {
  // 100 inputs over two row blocks, 20 outputs on differential pairs (two slices each),
  // non-negative weights and inputs, batch 40 (two chunks, one partial).
  Matrix w = (Matrix::Random(20, 100).array() * 0.5f + 0.5f).matrix();
  Matrix x = (Matrix::Random(100, 40).array() * 0.5f + 0.5f).matrix();
  const Run ideal = run(0.0, w, x);
  const Run tiny = run(1e-6, w, x);
  // 1e-6 ohm against cells of >= 25 kohm: every current changes by < 1e-9 relative, far below
  // float rounding of the sums (~1e-6 relative).
  CHECK((tiny.y - ideal.y).cwiseAbs().maxCoeff() <= 1e-5f * ideal.y.cwiseAbs().maxCoeff());
  CHECK(tiny.energy_j == doctest::Approx(ideal.energy_j).epsilon(1e-5));
  const Run wires = run(2.46, w, x);
  const Run long_wires = run(20.0, w, x);
  // Each physical column loses current; the differential output is then no longer exact, but
  // with G+ > G- on every pair (positive weights) its magnitude falls too.
  CHECK((wires.y.array() < ideal.y.array()).all());
  CHECK((long_wires.y.array() < wires.y.array()).all());
  CHECK(wires.energy_j < ideal.energy_j);
  CHECK(long_wires.energy_j < wires.energy_j);
  // The first-order model has the same limits.
  const Run tiny_first = run(1e-6, w, x, IrDrop::kFirstOrder);
  CHECK((tiny_first.y - ideal.y).cwiseAbs().maxCoeff() <= 1e-5f * ideal.y.cwiseAbs().maxCoeff());
  const Run first = run(2.46, w, x, IrDrop::kFirstOrder);
  CHECK((first.y.array() < ideal.y.array()).all());
  CHECK(first.energy_j < ideal.energy_j);
}

TEST_CASE("IR drop needs resistive cells") {
  TileSpec t = tile(2.46);
  t.device = "sram.cim";
  t.device_params = {{"read_energy_j", 1e-15}};
  t.mapping.bits_per_cell = 1;
  CHECK_THROWS_WITH_AS(AnalogMatrix(Matrix::Ones(4, 8), make_models(t), StreamKey{}, "s", 1),
                       doctest::Contains("tile.wires.ir_drop"), ConfigError);
}

TEST_CASE("adc static errors in the engine: fixed per column and chip, new per trial") {
  // A 12-bit fixed-range ADC with a 3 LSB rms offset per column (docs/circuits.md#adc-static-
  // errors): with every sample the same input, each output of a trial is shifted by exactly
  // the same amount for every sample; the same trial draws the same offsets, another trial
  // other ones.
  TileSpec t;
  t.device = "reram.multilevel";
  t.device_params = {{"g_min_siemens", 0.0}, {"g_max_siemens", 40e-6}, {"levels", std::int64_t{2}}};
  t.dac = "dac.linear";
  t.dac_params = {{"bits", std::int64_t{1}}, {"read_voltage_v", 0.3}};
  t.adc = "adc.quantizing";
  t.adc_params = {{"bits", std::int64_t{12}},
                  {"bits_scaling", std::string("walden")},
                  {"offset_sigma_lsb", 3.0}};
  t.mapping.weight_bits = 2;
  t.mapping.input_bits = 1;
  t.rows = 64;
  t.cols = 64;
  TileSpec clean = t;
  clean.adc_params = {{"bits", std::int64_t{12}}, {"bits_scaling", std::string("walden")}};
  const Matrix w = Matrix::Ones(30, 64);
  const Matrix x = Matrix::Ones(64, 50);
  auto out = [&](const TileSpec& spec, std::uint64_t trial) {
    AnalogMatrix m(w, make_models(spec), StreamKey{8, 0, trial}, "adc", 2);
    return m.multiply(x, 1.0);
  };
  const Matrix ref = out(clean, 0);
  const Matrix d0 = out(t, 0) - ref, d0_again = out(t, 0) - ref, d1 = out(t, 1) - ref;
  CHECK(d0 == d0_again);
  // Every sample is the same input, so within one output the shift is exactly constant.
  for (Index o = 0; o < d0.rows(); ++o) CHECK((d0.row(o).array() == d0(o, 0)).all());
  CHECK(d0.col(0).cwiseAbs().maxCoeff() > 0);
  CHECK((d0.col(0) - d1.col(0)).cwiseAbs().maxCoeff() > 0);
}

TEST_CASE("bipolar row drivers: one signed read equals the two phases, with half the conversions") {
  // With exact converters the column current is linear in the drive, so driving x+ and x-
  // together gives the two-phase difference (up to float rounding of the sums); the reads and
  // conversions of the second phase disappear.
  TileSpec t;
  t.device = "reram.multilevel";
  t.device_params = {
      {"g_min_siemens", 1e-6}, {"g_max_siemens", 40e-6}, {"levels", std::int64_t{4}}};
  t.dac = "dac.linear";
  t.dac_params = {{"bits", std::int64_t{1}}, {"read_voltage_v", 0.3}};
  t.mapping.weight_bits = 5;
  t.mapping.bits_per_cell = 2;
  t.mapping.input_bits = 4;
  TileSpec bipolar = t;
  bipolar.mapping.bipolar_inputs = true;
  const Matrix w = Matrix::Random(24, 90), x = Matrix::Random(90, 37);
  AnalogMatrix two(w, make_models(t), StreamKey{2, 0, 0}, "two", 2);
  AnalogMatrix one(w, make_models(bipolar), StreamKey{2, 0, 0}, "one", 2);
  ActionCounts c2, c1;
  const Matrix y2 = two.multiply(x, 1.0, &c2), y1 = one.multiply(x, 1.0, &c1);
  CHECK((y1 - y2).cwiseAbs().maxCoeff() <= 1e-5f * y2.cwiseAbs().maxCoeff());
  CHECK(c1.adc_conversions * 2 == c2.adc_conversions);
  CHECK(c1.array_reads * 2 == c2.array_reads);
  // The cell energy is the same: every row is driven in one read or the other, never both.
  CHECK(c1.cell_read_energy_j == doctest::Approx(c2.cell_read_energy_j).epsilon(1e-5));
  // A 1-bit ADC cannot read signed currents.
  bipolar.adc = "adc.quantizing";
  bipolar.adc_params = {{"bits", std::int64_t{1}}, {"bits_scaling", std::string("walden")}};
  bipolar.mapping.signed_weights = SignedWeights::kOffset;
  CHECK_THROWS_WITH_AS(AnalogMatrix(w, make_models(bipolar), StreamKey{}, "b", 1),
                       doctest::Contains("tile.mapping.signed_inputs"), ConfigError);
}
