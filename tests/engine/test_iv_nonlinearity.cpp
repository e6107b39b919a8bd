// Nonlinear cell I-V in the engine (docs/devices.md#iv-nonlinearity): I = G V + a2 V^2 + a3 V^3
// with a2 = q G / V_ref and a3 = c G / V_ref^2. With q and c the same for every state, the
// nonlinear terms of a pair subtract like its conductances, so with ideal wires the output is
// exactly the linear engine's output for the distorted inputs u(x) = x (1 + q x V/V_ref +
// c (x V/V_ref)^2) (V the full-scale drive, x in [0, 1]); a bit-serial drive only ever applies
// 0 or V, so there the nonlinearity is a pure gain, 1 + q + c at V_ref = V. With wires, vanishing
// resistances must give the ideal-wire result; the solve itself is checked against ngspice in
// tests/circuits/test_crossbar_ngspice.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine_fixtures.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

using namespace xbarsim;
using namespace xbarsim::test;

namespace {

constexpr double kReadV = 0.3;

TileSpec tile(double q, double c, int dac_bits, double wire_ohm = 0, IrDrop mode = IrDrop::kExact) {
  TileSpec t = small_reram_tile(16, 5);
  t.device_params["iv_reference_voltage_v"] = kReadV;
  t.device_params["iv_quadratic_rel"] = std::to_string(q);
  t.device_params["iv_cubic_rel"] = std::to_string(c);
  if (dac_bits == 0) {
    t.dac = "dac.ideal";
    t.dac_params = {{"read_voltage_v", kReadV}};
  } else {
    t.dac_params["bits"] = std::int64_t{dac_bits};
  }
  if (wire_ohm > 0) {
    t.wires.ir_drop = mode;
    t.wires.row_wire_ohm = t.wires.col_wire_ohm = wire_ohm;
    // Drivers and sense inputs as stiff as the wires, at most 10 ohm.
    t.wires.driver_ohm = t.wires.sense_ohm = std::min(wire_ohm, 10.0);
  }
  return t;
}

struct Run {
  Matrix y;
  double energy_j;
};

Run run(const TileSpec& t, const Matrix& w, const Matrix& x) {
  AnalogMatrix m(w, make_models(t), StreamKey{9, 0, 0}, "iv", 2);
  ActionCounts counts;
  Matrix y = m.multiply(x, 1.0, &counts);
  return {y, counts.cell_read_energy_j};
}

float max_abs(const Matrix& m) {
  return m.cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("I-V nonlinearity, ideal wires: the output is the linear one of the distorted inputs") {
  // 100 inputs over two row blocks, 20 outputs on differential pairs of two slices, signed
  // weights and signed inputs (two phases: each phase drives magnitudes, so a negative input
  // contributes -u(|x|)), batch 40, a continuous DAC.
  const double q = 0.05, c = 0.12;
  Matrix w = Matrix::Random(20, 100);
  Matrix x = Matrix::Random(100, 40);
  const Matrix u = x.unaryExpr([&](float v) {
                      const double a = std::abs(v);
                      return static_cast<float>(std::copysign(a * (1 + q * a + c * a * a), v));
                    }).eval();
  const Run nonlinear = run(tile(q, c, 0), w, x);
  const Run linear = run(tile(0, 0, 0), w, u);
  // Float sums of 100 terms: a few 1e-7 relative of the largest output.
  CHECK(max_abs(nonlinear.y - linear.y) <= 1e-5f * max_abs(linear.y));
  // The energy is not: V I(V) = G V^2 (1 + q V/V_ref + c (V/V_ref)^2) against G u^2, but it
  // lies between the linear energy of x and that times (1 + q + c) (every |x| <= 1).
  const Run plain = run(tile(0, 0, 0), w, x);
  CHECK(nonlinear.energy_j > plain.energy_j);
  CHECK(nonlinear.energy_j < plain.energy_j * (1 + q + c));
}

TEST_CASE("I-V nonlinearity, bit-serial drive: a pure gain of 1 + q + c") {
  const double q = 0.04, c = 0.1;
  Matrix w = Matrix::Random(20, 100);
  Matrix x = (Matrix::Random(100, 40).array() * 0.5f + 0.5f).matrix();
  const Run nonlinear = run(tile(q, c, 1), w, x);
  const Run linear = run(tile(0, 0, 1), w, x);
  CHECK(max_abs(nonlinear.y - static_cast<float>(1 + q + c) * linear.y) <=
        1e-5f * max_abs(linear.y));
  CHECK(nonlinear.energy_j == doctest::Approx(linear.energy_j * (1 + q + c)).epsilon(1e-5));
}

TEST_CASE("I-V nonlinearity with IR drop: vanishing wires give ideal wires, real wires less") {
  const double q = 0.05, c = 0.12;
  Matrix w = (Matrix::Random(20, 100).array() * 0.5f + 0.5f).matrix();
  Matrix x = (Matrix::Random(100, 40).array() * 0.5f + 0.5f).matrix();
  const Run ideal = run(tile(q, c, 1), w, x);
  // 1e-6 ohm against cells of >= 25 kohm: < 1e-9 relative, far below float rounding.
  const Run tiny = run(tile(q, c, 1, 1e-6), w, x);
  CHECK(max_abs(tiny.y - ideal.y) <= 1e-5f * max_abs(ideal.y));
  CHECK(tiny.energy_j == doctest::Approx(ideal.energy_j).epsilon(1e-5));
  // Real wires: the cells see less voltage, so less current and less energy than ideal wires,
  // but the nonlinear cells still conduct more than linear cells in the same network.
  const Run wires = run(tile(q, c, 1, 2.46), w, x);
  const Run linear_wires = run(tile(0, 0, 1, 2.46), w, x);
  CHECK((wires.y.array() < ideal.y.array()).all());
  CHECK((wires.y.array() > linear_wires.y.array()).all());
  CHECK(wires.energy_j < ideal.energy_j);
  CHECK(wires.energy_j > linear_wires.energy_j);
}

TEST_CASE("I-V nonlinearity: bad combinations are errors naming the key") {
  Matrix w = Matrix::Random(8, 16);
  Matrix x = (Matrix::Random(16, 4).array() * 0.5f + 0.5f).matrix();
  // A falling I-V: dI/dV = G (1 - 2 x 0.9) < 0 at the full drive.
  CHECK_THROWS_WITH_AS(run(tile(-0.9, 0, 1), w, x),
                       doctest::Contains("tile.device.iv_quadratic_rel"), ConfigError);
  CHECK_THROWS_WITH_AS(run(tile(0.05, 0.1, 1, 2.46, IrDrop::kFirstOrder), w, x),
                       doctest::Contains("tile.wires.ir_drop"), ConfigError);
  // The iteration's error shrinks each step by about the relative conductance change of the
  // cells, 3 c (V/V_ref)^2, times the share of a cell's voltage that the network (not the
  // drivers) sets. With c = 30 (a change of 90 at full drive) and 10 kohm wire segments, not
  // far below the cells, that product exceeds 1: the iteration diverges, and the error says so.
  try {
    run(tile(0, 30.0, 1, 1e4), w, x);
    FAIL("a diverging iteration was not reported");
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    CHECK(what.find("tile.wires.iv_max_iterations") != std::string::npos);
    CHECK(what.find("did not converge") != std::string::npos);
    CHECK(what.find("residual") != std::string::npos);
  }
}
