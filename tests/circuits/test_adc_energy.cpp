// The ADC energy models of docs/circuits.md#adc-energy: the table model ignores the resolution,
// Walden doubles the energy per added bit and Schreier multiplies it by 10^(6.02/10) per bit.
// Expected values come from the figure-of-merit definitions, computed here independently.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>

#include "circuits/adc/quantizing_adc.hpp"
#include "circuits/circuit_test_util.hpp"
#include "circuits/register.hpp"
#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

namespace {

const fs::path kAdcCards = fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / "cards" / "circuits" / "adc";

ParamSet adc_params(const std::string& model, int bits, int enob_loss) {
  ParamSet p = test::defaults_of(quantizing_adc_spec());
  p.set("energy_model", model);
  p.set("bits", std::int64_t{bits});
  p.set("enob_loss_bits", std::int64_t{enob_loss});
  return p;
}

double energy(const std::string& model, int bits, int enob_loss = 1) {
  return make_quantizing_adc(adc_params(model, bits, enob_loss))->energy_per_conversion_j();
}

}  // namespace

TEST_CASE("adc energy: a table figure follows the bits by its rule, or the change is refused") {
  for (int bits = 1; bits <= 16; ++bits) {
    CAPTURE(bits);
    ParamSet p = adc_params("table", bits, 0);
    p.set("energy_per_conversion_j", 2.5e-12);
    p.set("area_m2", 1e-9);
    p.set("reference_bits", std::int64_t{6});
    p.set("bits_scaling", std::string("walden"));
    const auto walden = make_quantizing_adc(p);
    // 2^(bits - 6) is a power of two: exact.
    CHECK(walden->energy_per_conversion_j() == 2.5e-12 * std::ldexp(1.0, bits - 6));
    CHECK(walden->area_m2() == 1e-9 * std::ldexp(1.0, bits - 6));
    p.set("bits_scaling", std::string("schreier"));
    CHECK(make_quantizing_adc(p)->energy_per_conversion_j() ==
          doctest::Approx(2.5e-12 * std::pow(10.0, 0.602 * (bits - 6))));
    p.set("bits_scaling", std::string("none"));
    if (bits == 6) {
      CHECK(make_quantizing_adc(p)->energy_per_conversion_j() == 2.5e-12);
    } else {
      try {
        make_quantizing_adc(p);
        FAIL("kept a measured energy at another resolution");
      } catch (const ConfigError& e) {
        CHECK(e.key() == "bits");
      }
    }
  }
  // The default is ISAAC's: 2 mW / 1.28 GS/s at 8 bits.
  CHECK(energy("table", 8) == doctest::Approx(2e-3 / 1.28e9).epsilon(1e-12));
}

TEST_CASE("adc energy: Walden, E = FoM_W 2^(bits - loss), doubles per added bit") {
  const double fom = 20e-15;  // J per conversion step
  for (int loss : {0, 1, 2}) {
    for (int bits = loss + 1; bits <= 16; ++bits) {
      CAPTURE(loss);
      CAPTURE(bits);
      ParamSet p = adc_params("walden", bits, loss);
      p.set("walden_fom_j", fom);
      const auto adc = make_quantizing_adc(p);
      // 2^ENOB is a power of two: exact in binary floating point.
      CHECK(adc->energy_per_conversion_j() == fom * std::ldexp(1.0, bits - loss));
      if (bits < 16) {
        ParamSet q = p;
        q.set("bits", std::int64_t{bits + 1});
        // Multiplying by 2 is exact, so the ratio is exactly 2.
        CHECK(make_quantizing_adc(q)->energy_per_conversion_j() ==
              2.0 * adc->energy_per_conversion_j());
      }
    }
  }
}

TEST_CASE("adc energy: Schreier, E = 1 / (2 10^((FoM_S - SNDR)/10)), x 10^0.602 per bit") {
  // With SNDR = 6.02 ENOB + 1.76 dB, one more bit adds 6.02 dB: the energy grows by
  // 10^0.602 = 3.99945 (not exactly 4: 6.02 dB rounds 20 log10(2) = 6.0206 dB down), which is
  // 4 (1 - 1.381e-4). The ratio is checked against 10^0.602 to 1e-12 and against 4 to the
  // derived relative gap, 1.4e-4.
  const double fom_db = 180.0;
  const double e0 = 1.0 / (2.0 * std::pow(10.0, fom_db / 10.0));
  const double per_bit = std::pow(10.0, 0.602);
  CHECK(std::abs(per_bit / 4.0 - 1.0) < 1.4e-4);
  for (int bits = 2; bits <= 16; ++bits) {
    CAPTURE(bits);
    ParamSet p = adc_params("schreier", bits, 1);
    p.set("schreier_e0_j", e0);
    const double e = make_quantizing_adc(p)->energy_per_conversion_j();
    const double sndr = 6.02 * (bits - 1) + 1.76;
    CHECK(e ==
          doctest::Approx(1.0 / (2.0 * std::pow(10.0, (fom_db - sndr) / 10.0))).epsilon(1e-12));
    if (bits < 16) {
      ParamSet q = p;
      q.set("bits", std::int64_t{bits + 1});
      const double ratio = make_quantizing_adc(q)->energy_per_conversion_j() / e;
      CHECK(ratio == doctest::Approx(per_bit).epsilon(1e-12));
      CHECK(std::abs(ratio / 4.0 - 1.0) < 1.4e-4);
    }
  }
}

TEST_CASE("adc energy: a figure-of-merit model needs ENOB >= 1") {
  for (const char* model : {"walden", "schreier"}) {
    CAPTURE(model);
    try {
      make_quantizing_adc(adc_params(model, 2, 2));
      FAIL("accepted ENOB = 0");
    } catch (const ConfigError& e) {
      CHECK(e.key() == "enob_loss_bits");
    }
    CHECK_NOTHROW(make_quantizing_adc(adc_params(model, 3, 2)));
  }
  // The table model does not use ENOB.
  ParamSet two = adc_params("table", 2, 2);
  two.set("reference_bits", std::int64_t{2});
  CHECK_NOTHROW(make_quantizing_adc(two));
  ParamSet bad = adc_params("table", 8, 0);
  bad.set("energy_model", std::string("murmann"));
  CHECK_THROWS_AS(make_quantizing_adc(bad), ConfigError);
}

TEST_CASE("adc energy: the survey cards give the energies their notes derive") {
  Registry registry;
  register_circuits(registry);
  std::string model;
  SUBCASE("Walden card: FoM_W = sqrt((1 pJ / 2^8)(5 pJ / 2^6)), ENOB 8 - 2") {
    const ParamSet p = test::load_card(registry, kAdcCards / "murmann_walden_sar.yaml", &model);
    const auto adc = registry.make_adc(model, p);
    const double fom = std::sqrt((1e-12 / 256.0) * (5e-12 / 64.0));
    CHECK(p.real("walden_fom_j") == doctest::Approx(fom).epsilon(1e-12));
    CHECK(adc->energy_per_conversion_j() == doctest::Approx(fom * 64.0).epsilon(1e-12));
    // 1.118 pJ: within 30 % of ISAAC's 1.5625 pJ, as the card says.
    CHECK(std::abs(adc->energy_per_conversion_j() / 1.5625e-12 - 1.0) < 0.3);
    // The ENOB loss is also modelled as noise: 1/12 + sigma^2 = 2^(2 loss) / 12.
    const double s = p.real("input_noise_lsb");
    CHECK(1.0 / 12.0 + s * s == doctest::Approx(16.0 / 12.0).epsilon(1e-12));
  }
  SUBCASE("Schreier card: FoM_S = 186.8 dB, the survey's best Nyquist value") {
    const ParamSet p = test::load_card(registry, kAdcCards / "murmann_schreier.yaml", &model);
    const auto adc = registry.make_adc(model, p);
    const double sndr = 6.02 * 6 + 1.76;
    CHECK(adc->energy_per_conversion_j() ==
          doctest::Approx(1.0 / (2.0 * std::pow(10.0, (186.8 - sndr) / 10.0))).epsilon(1e-9));
    // The frontier lies three orders of magnitude below ISAAC's 1.5625 pJ.
    CHECK(adc->energy_per_conversion_j() < 1.5625e-12 / 1000.0);
  }
  SUBCASE("ISAAC and Kull cards keep their table energy") {
    for (const char* card : {"isaac_sar_8b.yaml", "kull_sar_8b.yaml"}) {
      CAPTURE(card);
      const ParamSet p = test::load_card(registry, kAdcCards / card, &model);
      CHECK(p.choice("energy_model") == "table");
      CHECK(registry.make_adc(model, p)->energy_per_conversion_j() ==
            p.real("energy_per_conversion_j"));
    }
  }
}
