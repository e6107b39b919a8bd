// DAC models: digit-to-voltage mapping and parameter checks.
#include <doctest/doctest.h>

#include <string>

#include "circuits/circuit_test_util.hpp"
#include "circuits/dac/ideal_dac.hpp"
#include "circuits/dac/linear_dac.hpp"
#include "circuits/register.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"

using namespace xbarsim;

TEST_CASE("dac.linear: voltage step is V_read / (2^bits - 1)") {
  Registry registry;
  register_circuits(registry);
  const ModelSpec& spec = registry.spec("dac.linear");
  for (int bits = 1; bits <= 8; ++bits) {
    CAPTURE(bits);
    ParamSet p = test::defaults_of(spec);
    p.set("bits", std::int64_t{bits});
    p.set("read_voltage_v", 0.2);
    auto dac = registry.make_dac("dac.linear", p);
    CHECK(dac->bits_per_cycle() == bits);
    CHECK(dac->read_voltage_v() == 0.2);
    const double levels = (1 << bits) - 1;
    CHECK(dac->voltage_step_v() == doctest::Approx(0.2 / levels).epsilon(1e-15));
    // The largest digit drives exactly the read voltage.
    CHECK(levels * dac->voltage_step_v() == doctest::Approx(0.2).epsilon(1e-15));
  }
  // Bit-serial: the only non-zero digit drives the full read voltage.
  ParamSet serial = test::defaults_of(spec);
  CHECK(registry.make_dac("dac.linear", serial)->voltage_step_v() == serial.real("read_voltage_v"));
}

TEST_CASE("dac.ideal: continuous driver, step = full-scale voltage") {
  Registry registry;
  register_circuits(registry);
  ParamSet p = test::defaults_of(registry.spec("dac.ideal"));
  p.set("read_voltage_v", 0.25);
  auto dac = registry.make_dac("dac.ideal", p);
  CHECK(dac->bits_per_cycle() == 0);
  CHECK(dac->read_voltage_v() == 0.25);
  CHECK(dac->voltage_step_v() == 0.25);
}

TEST_CASE("dac.linear: default costs are ISAAC Table I per DAC") {
  // 8x128 1-bit DACs: 4 mW and 0.00017 mm^2 per IMA; a crossbar read lasts 100 ns.
  const ModelSpec spec = linear_dac_spec();
  const auto energy = std::get<double>(*spec.find("energy_per_drive_j")->default_value);
  const auto area = std::get<double>(*spec.find("area_m2")->default_value);
  CHECK(energy == doctest::Approx(4e-3 / 1024 * 100e-9).epsilon(1e-12));
  CHECK(energy == doctest::Approx(0.39e-12).epsilon(0.01));  // ISAAC Table I, derived: ~0.39 pJ
  CHECK(area == doctest::Approx(0.00017e-6 / 1024).epsilon(1e-12));
}

TEST_CASE("dac: out-of-range values are rejected naming the key") {
  Registry registry;
  register_circuits(registry);
  auto rejects = [&](const std::string& model, const std::string& key, ParamValue v) {
    ParamSet p = test::defaults_of(registry.spec(model), "dac.yaml");
    p.set(key, v);
    try {
      registry.make_dac(model, p);
      return false;
    } catch (const ConfigError& e) {
      return e.key() == key && e.file() == "dac.yaml";
    }
  };
  CHECK(rejects("dac.linear", "bits", std::int64_t{0}));
  CHECK(rejects("dac.linear", "bits", std::int64_t{9}));
  CHECK(rejects("dac.linear", "read_voltage_v", 0.0));
  CHECK(rejects("dac.linear", "read_voltage_v", -0.2));
  CHECK(rejects("dac.linear", "read_voltage_v", 200.0));  // mV typed as V
  CHECK(rejects("dac.linear", "energy_per_drive_j", -1.0));
  CHECK(rejects("dac.ideal", "read_voltage_v", 0.0));
  CHECK(rejects("dac.ideal", "area_m2", -1e-12));

  const ParamSpec* bits = registry.spec("dac.linear").find("bits");
  REQUIRE(bits != nullptr);
  CHECK(bits->unit == "bit");
  CHECK(bits->type == ParamType::kInteger);
}
