// Explicit converter ranges and DAC nonlinearity (docs/circuits.md#adc-range,
// docs/circuits.md#dac-inl). An absolute ADC full scale equal to the fixed one must give the
// fixed range's outputs bit for bit, and the cell-count form must be that count times
// G_max V_read. A DAC with INL drives digit d at (d + inl[d]) steps, so its output must equal
// a continuous driver's output for the inputs those levels represent; a zero table must change
// nothing.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine_fixtures.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

using namespace xbarsim;
using namespace xbarsim::test;

namespace {

TileSpec reram_tile() {
  TileSpec t = small_reram_tile(4, 4);
  t.adc = "adc.quantizing";
  t.adc_params = {{"bits", std::int64_t{6}}, {"energy_model", std::string("walden")}};
  return t;
}

}  // namespace

TEST_CASE("ADC range absolute: the fixed full scale given in amperes reproduces range=fixed") {
  const Matrix w = Matrix::Random(20, 100);
  const Matrix x = Matrix::Random(100, 40);
  TileSpec fixed = reram_tile();
  AnalogMatrix a(w, make_models(fixed), StreamKey{3, 0, 0}, "fixed", 2);
  const Matrix y_fixed = a.multiply(x, 1.0);
  // The fixed full scale: all 64 physical rows at 0.3 V across G_max - G_min.
  const double full = 64 * 0.3 * (40e-6 - 1e-6);
  CHECK(static_cast<double>(a.adc_full_scales().front()(0)) == doctest::Approx(full));
  TileSpec absolute = reram_tile();
  absolute.adc_params["range"] = std::string("absolute");
  absolute.adc_params["full_scale_a"] = static_cast<double>(a.adc_full_scales().front()(0));
  AnalogMatrix b(w, make_models(absolute), StreamKey{3, 0, 0}, "absolute", 2);
  CHECK(b.multiply(x, 1.0) == y_fixed);
  // In cells: 16 cells at G_max V_read.
  TileSpec cells = reram_tile();
  cells.adc_params["range"] = std::string("absolute");
  cells.adc_params["full_scale_cell_currents_rel"] = 16.0;
  AnalogMatrix c(w, make_models(cells), StreamKey{3, 0, 0}, "cells", 2);
  for (const Vector& block : c.adc_full_scales())
    CHECK((block.array() == static_cast<float>(16 * 40e-6 * 0.3)).all());
}

TEST_CASE("ADC range absolute: exactly one full scale, and only with range=absolute") {
  TileSpec none = reram_tile();
  none.adc_params["range"] = std::string("absolute");
  CHECK_THROWS_WITH_AS(make_models(none), doctest::Contains("full_scale_a"), ConfigError);
  TileSpec stray = reram_tile();
  stray.adc_params["full_scale_cell_currents_rel"] = 8.0;
  CHECK_THROWS_WITH_AS(make_models(stray), doctest::Contains("only used with range=absolute"),
                       ConfigError);
}

TEST_CASE("DAC INL: digit d drives d + inl[d] steps") {
  // The ideal cell and ADC, so the only nonlinearity is the DAC's. A 2-bit DAC and 4-bit
  // inputs: two cycles weighted 1 and 4. The reference drives the levels' inputs
  // x' = sum_c 4^c (d_c + inl[d_c]) / 15 through a continuous driver at the same voltage.
  const std::vector<double> inl = {0.0, 0.12, -0.07, 0.0};
  TileSpec t;
  t.dac = "dac.linear";
  t.dac_params = {{"bits", std::int64_t{2}},
                  {"read_voltage_v", 0.3},
                  {"inl_lsb", std::string("0, 0.12, -0.07, 0")}};
  t.mapping.input_bits = 4;
  TileSpec ref = t;
  ref.dac = "dac.ideal";
  ref.dac_params = {{"read_voltage_v", 0.3}};
  const Matrix w = Matrix::Random(10, 40);
  Matrix x = (Matrix::Random(40, 24).array() * 0.5f + 0.5f).matrix();
  Matrix levels = x;
  for (Index k = 0; k < x.size(); ++k) {
    const int code = static_cast<int>(std::floor(x(k) * 15 + 0.5f));
    const int d0 = code % 4, d1 = code / 4;
    levels(k) = static_cast<float>((d0 + inl[d0] + 4 * (d1 + inl[d1])) / 15.0);
  }
  AnalogMatrix with_inl(w, make_models(t), StreamKey{4, 0, 0}, "inl", 1);
  AnalogMatrix continuous(w, make_models(ref), StreamKey{4, 0, 0}, "ref", 1);
  const Matrix y = with_inl.multiply(x, 1.0), y_ref = continuous.multiply(levels, 1.0);
  CHECK((y - y_ref).cwiseAbs().maxCoeff() <= 1e-5f * y_ref.cwiseAbs().maxCoeff());
  // A zero table is the ideal DAC, bit for bit.
  TileSpec zero = t, plain = t;
  zero.dac_params["inl_lsb"] = std::string("0, 0, 0, 0");
  plain.dac_params.erase("inl_lsb");
  AnalogMatrix a(w, make_models(zero), StreamKey{4, 0, 0}, "zero", 1);
  AnalogMatrix b(w, make_models(plain), StreamKey{4, 0, 0}, "plain", 1);
  CHECK(a.multiply(x, 1.0) == b.multiply(x, 1.0));
}

TEST_CASE("DAC INL: a table of the wrong length names the key and the length expected") {
  TileSpec t;
  t.dac = "dac.linear";
  t.dac_params = {{"bits", std::int64_t{2}}, {"inl_lsb", std::string("0, 0.1, 0")}};
  CHECK_THROWS_WITH_AS(make_models(t), doctest::Contains("inl_lsb"), ConfigError);
  CHECK_THROWS_WITH_AS(make_models(t), doctest::Contains("expected 4 entries"), ConfigError);
  t.dac_params["inl_lsb"] = std::string("0, x, 0, 0");
  CHECK_THROWS_WITH_AS(make_models(t), doctest::Contains("entry 2"), ConfigError);
}
