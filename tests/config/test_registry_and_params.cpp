// The registry (lookup, ordering, factories by kind) and ParamSet's typed accessors.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/config/sections.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {
namespace {

#define CHECK_CONTAINS(text, part)                                 \
  CHECK_MESSAGE(std::string(text).find(part) != std::string::npos, \
                "expected \"" << (part) << "\" in: " << (text))

template <class F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("expected a ConfigError, but nothing was thrown");
  return {};
}

TEST_CASE("registry: all() lists every model once, sorted by kind and then name") {
  const auto all = builtin_registry().all();
  for (std::size_t i = 1; i < all.size(); ++i) {
    CAPTURE(all[i]->name);
    const bool ordered = all[i - 1]->kind < all[i]->kind ||
                         (all[i - 1]->kind == all[i]->kind && all[i - 1]->name < all[i]->name);
    CHECK(ordered);
  }
  for (const ModelSpec* spec : all) {
    CHECK(builtin_registry().has(spec->name));
    CHECK(&builtin_registry().spec(spec->name) == spec);
  }
  // The sections and the models the shipped architectures use are all there.
  for (const char* name : {kTileSection, kMappingSection, "ideal", "reram.multilevel", "sram.cim",
                           "dac.ideal", "dac.linear", "adc.ideal", "adc.quantizing"})
    CHECK_MESSAGE(builtin_registry().has(name), name);
}

TEST_CASE("registry: an unknown name is a ConfigError listing the known models") {
  CHECK_FALSE(builtin_registry().has("nosuch"));
  const std::string msg = config_error([] { builtin_registry().spec("nosuch"); });
  CHECK_CONTAINS(msg, "nosuch");
  for (const ModelSpec* spec : builtin_registry().all())
    if (spec->kind != ModelKind::kSection) CHECK_CONTAINS(msg, spec->name);
}

TEST_CASE("registry: a model is built only by the factory of its kind") {
  const Registry& r = builtin_registry();
  const ParamSet empty("hand-built set");
  CHECK_CONTAINS(config_error([&] { r.make_adc("ideal", empty); }), "hand-built set");
  CHECK_THROWS_AS(r.make_dac("adc.quantizing", empty), ConfigError);
  CHECK_THROWS_AS(r.make_device("dac.linear", empty), ConfigError);
  CHECK_THROWS_AS(r.make_device(kTileSection, empty), ConfigError);
  CHECK_THROWS_AS(r.make_device("nosuch", empty), ConfigError);
}

TEST_CASE("registry: a name registered twice is an error") {
  Registry r;
  register_core_sections(r);
  CHECK(r.has(kTileSection));
  CHECK_THROWS_AS(register_core_sections(r), Error);
}

TEST_CASE("ParamSet accessors check the type and name the origin and the key") {
  ParamSet p("cards/x.yaml");
  p.set("a_rel", 0.5);
  p.set("n", std::int64_t{3});
  p.set("flag", true);
  p.set("mode", std::string("fast"));
  CHECK(p.real("a_rel") == 0.5);
  CHECK(p.real("n") == 3.0);  // an integer is a valid real
  CHECK(p.integer("n") == 3);
  CHECK(p.boolean("flag"));
  CHECK(p.choice("mode") == "fast");
  CHECK(p.origin() == "cards/x.yaml");

  const std::string missing = config_error([&] { p.real("g_max_siemens"); });
  CHECK_CONTAINS(missing, "cards/x.yaml");
  CHECK_CONTAINS(missing, "g_max_siemens");
  const std::string not_int = config_error([&] { p.integer("a_rel"); });
  CHECK_CONTAINS(not_int, "a_rel");
  CHECK_CONTAINS(not_int, "integer");
  CHECK_THROWS_AS(p.boolean("n"), ConfigError);
  CHECK_THROWS_AS(p.choice("flag"), ConfigError);
  CHECK_THROWS_AS(p.real("mode"), ConfigError);
}

TEST_CASE("param builders record what they are given") {
  const ParamSpec r = real_param("v_v", "V", 0.2, 0.0, 5.0, "doc");
  CHECK(r.type == ParamType::kReal);
  CHECK(r.unit == "V");
  CHECK(std::get<double>(*r.default_value) == 0.2);
  CHECK(r.min == 0.0);
  CHECK(r.max == 5.0);
  const ParamSpec required = real_param("e_j", "J", std::nullopt, 0.0, 1.0, "doc");
  CHECK_FALSE(required.default_value.has_value());
  const ParamSpec i = int_param("bits", "bit", 8, 1, 16, "doc");
  CHECK(i.type == ParamType::kInteger);
  CHECK(std::get<std::int64_t>(*i.default_value) == 8);
  CHECK(i.min == 1.0);
  CHECK(i.max == 16.0);
  const ParamSpec c = choice_param("mode", std::string("a"), {"a", "b"}, "doc");
  CHECK(c.type == ParamType::kChoice);
  CHECK(c.unit.empty());
  CHECK(c.choices.size() == 2);
  const ParamSpec b = bool_param("on", true, "doc");
  CHECK(b.type == ParamType::kBoolean);
  CHECK(std::get<bool>(*b.default_value));
}

TEST_CASE("ConfigError formats file, key and message") {
  const ConfigError e("arch.yaml", "tile.rows", "expected an integer");
  CHECK(std::string(e.what()) == "arch.yaml: key 'tile.rows': expected an integer");
  CHECK(e.file() == "arch.yaml");
  CHECK(e.key() == "tile.rows");
  CHECK(std::string(ConfigError("", "", "bad").what()) == "config: bad");
}

}  // namespace
}  // namespace xbarsim

namespace xbarsim {
namespace {

TEST_CASE("bounds_text reads as bounds: open ends are left out, never inf or DBL_MAX") {
  const double inf = std::numeric_limits<double>::infinity();
  const double dbl_max = std::numeric_limits<double>::max();
  const std::int64_t int_max = std::numeric_limits<std::int64_t>::max();
  CHECK(bounds_text(int_param("bits", "bit", 8, 1, 16, "")) == "in [1, 16] bit");
  CHECK(bounds_text(int_param("rows", "1", 128, 1, int_max, "")) == ">= 1");
  CHECK(bounds_text(int_param("n", "", 0, std::numeric_limits<std::int64_t>::min(), 5, "")) ==
        "<= 5");
  CHECK(bounds_text(real_param("g", "S", 1e-6, 0, inf, "")) == ">= 0 S");
  CHECK(bounds_text(real_param("g", "S", 1e-6, 0, dbl_max, "")) == ">= 0 S");
  CHECK(bounds_text(real_param("v", "V", 0.1, -dbl_max, 0.5, "")) == "<= 0.5 V");
  CHECK(bounds_text(real_param("x", "1", 0, -inf, inf, "")) == "of any value");
  CHECK(bounds_text(real_param("q", "1", 0.5, 0.1, 1, "")) == "in [0.1, 1]");
  // Every declared range of the shipped models reads that way.
  for (const ModelSpec* spec : builtin_registry().all())
    for (const ParamSpec& p : spec->params) {
      if (p.type != ParamType::kReal && p.type != ParamType::kInteger) continue;
      CAPTURE(spec->name);
      CAPTURE(p.key);
      const std::string text = bounds_text(p);
      CHECK(text.find("inf") == std::string::npos);
      CHECK(text.find("e+308") == std::string::npos);
      CHECK(text.find("9223372036854775807") == std::string::npos);
    }
}

TEST_CASE("config values print in their shortest round-trip form") {
  CHECK(to_string(ParamValue(0.1)) == "0.1");
  CHECK(to_string(ParamValue(2.5e-5)) == "2.5e-05");
  CHECK(std::stod(to_string(ParamValue(1.0 / 3.0))) == 1.0 / 3.0);
  CHECK(to_string(ParamValue(std::int64_t{42})) == "42");
}

}  // namespace
}  // namespace xbarsim
