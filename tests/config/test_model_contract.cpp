// The model contract, run over every model in builtin_registry(): each declares documented,
// unit-suffixed parameters with consistent defaults; each builds from its defaults and from
// every shipped card that names it (loaded through load_arch, as a user's would be); and the
// built model returns finite results of the right shape.
#include <doctest/doctest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "xbarsim/circuit/adc.hpp"
#include "xbarsim/circuit/cost_model.hpp"
#include "xbarsim/circuit/dac.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;

// The unit-in-the-key rule (ARCHITECTURE.md, rule 1), as this test enforces it:
//  - a real parameter's key ends with the suffix of its unit: S -> _siemens, V -> _v,
//    s -> _s, J -> _j, A -> _a, W -> _w, m -> _m, m2 -> _m2, Hz -> _hz, ohm -> _ohm,
//    LSB -> _lsb, and "1" (a fraction or ratio) -> _rel;
//  - an integer parameter with unit "1" is a dimensionless count (rows, levels) and needs no
//    suffix; one with unit "bit" is a bit count and its key says "bits"; an integer with a
//    physical unit follows the real rule;
//  - a boolean has unit "1"; a choice has no unit ("");
//  - conversely, a key ending in one of these suffixes must carry that unit, so a key never
//    claims a unit it does not have.
// A unit missing from the table fails the test: extend the table (and docs/units.md) on
// purpose, not by accident.
const std::map<std::string, std::string> kSuffixOfUnit = {
    {"S", "_siemens"}, {"V", "_v"},   {"s", "_s"},   {"J", "_j"},   {"A", "_a"},
    {"W", "_w"},       {"m", "_m"},   {"m2", "_m2"}, {"Hz", "_hz"}, {"ohm", "_ohm"},
    {"LSB", "_lsb"},   {"1", "_rel"}, {"nm", "_nm"}, {"F", "_f"},   {"K", "_k"}};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void check_unit_rule(const ParamSpec& p) {
  CAPTURE(p.key);
  CAPTURE(p.unit);
  switch (p.type) {
    case ParamType::kChoice:
      CHECK(p.unit.empty());
      return;
    case ParamType::kText:
      // A list of numbers carries its unit in its key; a file is unitless ("1").
      if (p.unit == "1") return;
      {
        const auto it = kSuffixOfUnit.find(p.unit);
        REQUIRE_MESSAGE(it != kSuffixOfUnit.end(), "unit '" << p.unit << "' has no key suffix");
        CHECK(ends_with(p.key, it->second));
      }
      return;
    case ParamType::kBoolean:
      CHECK(p.unit == "1");
      return;
    case ParamType::kInteger:
      if (p.unit == "1") break;
      if (p.unit == "bit") {
        CHECK(p.key.find("bits") != std::string::npos);
        break;
      }
      [[fallthrough]];
    case ParamType::kReal: {
      const auto it = kSuffixOfUnit.find(p.unit);
      REQUIRE_MESSAGE(it != kSuffixOfUnit.end(), "unit '" << p.unit << "' has no key suffix");
      CHECK_MESSAGE(ends_with(p.key, it->second),
                    "key should end with " << it->second << " for unit " << p.unit);
      break;
    }
  }
  for (const auto& [unit, suffix] : kSuffixOfUnit) {
    if (suffix == "_rel" && p.type == ParamType::kInteger) continue;
    if (ends_with(p.key, suffix))
      CHECK_MESSAGE(p.unit == unit, "key ends with " << suffix << " but its unit is " << p.unit);
  }
}

double numeric(const ParamValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return NAN;
}

TEST_CASE("registry: every model and section is declared completely") {
  const std::vector<const ModelSpec*> all = builtin_registry().all();
  REQUIRE(!all.empty());
  for (const ModelSpec* spec : all) {
    CAPTURE(spec->name);
    CHECK(!spec->name.empty());
    CHECK(!spec->summary.empty());
    CHECK(!spec->docs.empty());
    std::set<std::string> keys;
    for (const ParamSpec& p : spec->params) {
      CAPTURE(p.key);
      CHECK(!p.key.empty());
      CHECK(keys.insert(p.key).second);  // no key declared twice
      CHECK(spec->find(p.key) == &p);
      CHECK(!p.doc.empty());
      CHECK((p.type == ParamType::kChoice || !p.unit.empty()));
      check_unit_rule(p);
      if (p.type == ParamType::kReal || p.type == ParamType::kInteger) {
        CHECK(p.min <= p.max);
        CHECK(!std::isnan(p.min));
        CHECK(!std::isnan(p.max));
      }
      if (p.type == ParamType::kChoice) {
        CHECK(!p.choices.empty());
        CHECK(std::set<std::string>(p.choices.begin(), p.choices.end()).size() == p.choices.size());
      }
      if (!p.default_value) continue;
      const ParamValue& d = *p.default_value;
      switch (p.type) {
        case ParamType::kReal:
          REQUIRE(std::holds_alternative<double>(d));
          CHECK(std::isfinite(numeric(d)));
          CHECK(p.min <= numeric(d));
          CHECK(numeric(d) <= p.max);
          break;
        case ParamType::kInteger:
          REQUIRE(std::holds_alternative<std::int64_t>(d));
          CHECK(p.min <= numeric(d));
          CHECK(numeric(d) <= p.max);
          break;
        case ParamType::kBoolean:
          CHECK(std::holds_alternative<bool>(d));
          break;
        case ParamType::kChoice:
          REQUIRE(std::holds_alternative<std::string>(d));
          CHECK(std::count(p.choices.begin(), p.choices.end(), std::get<std::string>(d)) == 1);
          break;
        case ParamType::kText:
          CHECK(std::holds_alternative<std::string>(d));
          break;
      }
    }
  }
}

// --- Cards -------------------------------------------------------------------------------

struct ShippedCard {
  fs::path path;
  std::string model;
};

// Every card under data/cards, found by scanning for YAML files (each names its `model:`).
std::vector<ShippedCard> shipped_cards() {
  std::vector<ShippedCard> out;
  const fs::path root = fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / "cards";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext != ".yaml" && ext != ".yml") continue;
    const YAML::Node card = YAML::LoadFile(e.path().string());
    REQUIRE_MESSAGE(card["model"].IsScalar(), e.path().string() << " has no model:");
    out.push_back({e.path(), card["model"].Scalar()});
  }
  std::sort(out.begin(), out.end(),
            [](const ShippedCard& a, const ShippedCard& b) { return a.path < b.path; });
  return out;
}

using TempDir = xbarsim::test::TempDir;

// Loads `card` through load_arch, as the `kind` component of an otherwise ideal tile that
// references every card by absolute path.
ComponentConfig load_card_via_arch(const fs::path& card, ModelKind kind) {
  const fs::path cards = fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / "cards";
  fs::path device = cards / "device_models/ideal/ideal.yaml";
  fs::path dac = cards / "circuits/dac/ideal.yaml";
  fs::path adc = cards / "circuits/adc/ideal.yaml";
  if (kind == ModelKind::kDevice) device = fs::absolute(card);
  if (kind == ModelKind::kDac) dac = fs::absolute(card);
  if (kind == ModelKind::kAdc) adc = fs::absolute(card);
  TempDir dir;
  const fs::path arch_file = dir.path() / "card_check.yaml";
  {
    std::ofstream out(arch_file);
    out << "name: card_check\n"
        << "tile:\n"
        << "  device: {card: \"" << device.string() << "\"}\n"
        << "  dac: {card: \"" << dac.string() << "\"}\n"
        << "  adc: {card: \"" << adc.string() << "\"}\n";
  }
  const ArchConfig arch = load_arch(arch_file.string(), {}, builtin_registry());
  const ComponentConfig& c = kind == ModelKind::kDevice ? arch.tile.device
                             : kind == ModelKind::kDac  ? arch.tile.dac
                                                        : arch.tile.adc;
  CHECK(fs::equivalent(c.card_path, card));
  return c;
}

// --- What every built model must do --------------------------------------------------------

// Models whose variation is a static mismatch around a nominal cell current, which
// device_model.hpp allows to exceed g_max (an SRAM on cell conducts (1 + e) I_on). Every other
// device must stay within [g_min, g_max].
// Models whose cells may leave [g_min, g_max] after programming: SRAM mismatch, and ReRAM and
// PCM, whose programming error is clipped only at the physical bound G >= 0
// (docs/devices.md).
const std::set<std::string> kKnownOutOfRange = {"sram.cim", "pcm.statistical", "reram.multilevel",
                                                "reram.relaxation"};

// Programs a 5 x 7 array with targets spread evenly over [g_min, g_max], both ends included;
// returns how many cells end outside that range (or are not finite).
int cells_outside_range(const DeviceModel& d, Matrix* programmed = nullptr) {
  const double g_min = d.g_min_siemens(), g_max = d.g_max_siemens();
  Matrix g(5, 7);
  for (Index i = 0; i < g.size(); ++i)
    g.data()[i] = static_cast<float>(g_min + (g_max - g_min) * static_cast<double>(i) /
                                                 static_cast<double>(g.size() - 1));
  Rng variation = make_rng(11, StreamPurpose::kProgramming, {0});
  Rng faults = make_rng(11, StreamPurpose::kFaults, {0});
  d.program(g, ProgrammingStreams{variation, faults});
  const auto lo = static_cast<float>(g_min), hi = static_cast<float>(g_max);
  int outside = 0;
  for (Index i = 0; i < g.size(); ++i) outside += !(g.data()[i] >= lo && g.data()[i] <= hi);
  if (programmed) *programmed = g;
  return outside;
}

void check_device(const DeviceModel& d, const std::string& model) {
  CHECK(d.name() == model);
  const double g_min = d.g_min_siemens(), g_max = d.g_max_siemens();
  CHECK(std::isfinite(g_min));
  CHECK(std::isfinite(g_max));
  CHECK(g_min >= 0.0);
  CHECK(g_min < g_max);
  CHECK(d.levels() >= 0);
  CHECK(d.levels() != 1);  // one state cannot store anything
  CHECK(std::isfinite(d.read_pulse_s()));
  CHECK(d.read_pulse_s() > 0.0);

  // device_model.hpp: on entry targets lie in [g_min, g_max]; on exit the cells hold what
  // they really store, finite and (clipping applied) in the same range.
  Matrix g;
  const int outside = cells_outside_range(d, &g);
  REQUIRE(g.rows() == 5);
  REQUIRE(g.cols() == 7);
  CHECK(g.allFinite());
  CHECK(g.minCoeff() >= 0.0f);  // a conductance is never negative
  if (kKnownOutOfRange.count(model) == 0)
    CHECK_MESSAGE(outside == 0, outside << " of " << g.size() << " programmed cells lie outside ["
                                        << g_min << ", " << g_max << "] S");

  // The same streams give the same cells.
  Matrix again;
  cells_outside_range(d, &again);
  CHECK(again == g);

  Matrix sigma(1, 1);  // the model must size it
  d.read_noise_std(g, sigma);
  REQUIRE(sigma.rows() == g.rows());
  REQUIRE(sigma.cols() == g.cols());
  CHECK(sigma.allFinite());
  CHECK(sigma.minCoeff() >= 0.0f);
}

void check_adc(const Adc& a) {
  CHECK(!a.name().empty());
  CHECK(a.bits() >= 0);
  CHECK(a.calibration_quantile() > 0.0);
  CHECK(a.calibration_quantile() <= 1.0);
  CHECK(std::isfinite(a.input_noise_lsb()));
  CHECK(a.input_noise_lsb() >= 0.0);

  // adc.hpp: bipolar codes need a sign bit; a 1-bit converter reads unipolar only.
  for (const bool bipolar : {true, false}) {
    if (bipolar && a.bits() == 1) continue;
    CAPTURE(bipolar);
    const Index rows = 4, cols = 6;
    Vector full_scale(rows);
    for (Index r = 0; r < rows; ++r) full_scale[r] = 1e-5f * static_cast<float>(r + 1);
    // Currents from -1.5 F to 1.5 F (0 to 1.5 F unipolar): inside the range and beyond it.
    Matrix in(rows, cols);
    for (Index r = 0; r < rows; ++r)
      for (Index c = 0; c < cols; ++c) {
        const float t = static_cast<float>(c) / static_cast<float>(cols - 1);
        in(r, c) = full_scale[r] * (bipolar ? 3.0f * t - 1.5f : 1.5f * t);
      }
    Matrix out = in;
    Rng noise = make_rng(3, StreamPurpose::kAdcNoise, {0});
    a.convert(out, full_scale, bipolar, &noise);
    REQUIRE(out.rows() == rows);
    REQUIRE(out.cols() == cols);
    CHECK(out.allFinite());
    if (a.bits() == 0) {
      CHECK(out == in);  // ideal: no quantisation, clipping or noise
      continue;
    }
    // Codes cover [-F, F] (bipolar) or [0, F]: nothing converts beyond full scale.
    for (Index r = 0; r < rows; ++r) {
      CAPTURE(r);
      CHECK(out.row(r).maxCoeff() <= full_scale[r] * (1.0f + 1e-6f));
      CHECK(out.row(r).minCoeff() >= (bipolar ? -full_scale[r] * (1.0f + 1e-6f) : 0.0f));
    }
    if (a.input_noise_lsb() > 0.0) continue;
    // Without noise, an in-range input is within half an LSB of its code (mid-tread steps:
    // 2^(bits-1) - 1 per side bipolar, 2^bits - 1 unipolar).
    const double steps =
        bipolar ? std::ldexp(1.0, a.bits() - 1) - 1.0 : std::ldexp(1.0, a.bits()) - 1.0;
    for (Index r = 0; r < rows; ++r)
      for (Index c = 0; c < cols; ++c) {
        if (std::abs(in(r, c)) > full_scale[r]) continue;
        const double lsb = full_scale[r] / steps;
        // Plus float32 rounding of values of size F (a few ulp, 2^-23 F each).
        CHECK(std::abs(double(out(r, c)) - double(in(r, c))) <= 0.5 * lsb + 1e-6 * full_scale[r]);
      }
  }
}

void check_dac(const Dac& d) {
  CHECK(!d.name().empty());
  CHECK(d.bits_per_cycle() >= 0);
  CHECK(std::isfinite(d.read_voltage_v()));
  CHECK(d.read_voltage_v() > 0.0);
  const double step = d.voltage_step_v();
  CHECK(std::isfinite(step));
  CHECK(step > 0.0);
  // dac.hpp: digit d drives d / (2^bits - 1) * V_read; a continuous driver (bits = 0) applies
  // the full-scale input as V_read in one cycle.
  const double expected = d.bits_per_cycle() == 0
                              ? d.read_voltage_v()
                              : d.read_voltage_v() / (std::ldexp(1.0, d.bits_per_cycle()) - 1.0);
  CHECK(step == doctest::Approx(expected).epsilon(1e-12));
}

void build_and_check(const ModelSpec& spec, const ParamSet& params) {
  const Registry& registry = builtin_registry();
  switch (spec.kind) {
    case ModelKind::kDevice: {
      const auto d = registry.make_device(spec.name, params);
      REQUIRE(d != nullptr);
      check_device(*d, spec.name);
      break;
    }
    case ModelKind::kDac: {
      const auto d = registry.make_dac(spec.name, params);
      REQUIRE(d != nullptr);
      check_dac(*d);
      break;
    }
    case ModelKind::kAdc: {
      const auto a = registry.make_adc(spec.name, params);
      REQUIRE(a != nullptr);
      check_adc(*a);
      break;
    }
    case ModelKind::kCost: {
      // Every action has a finite, non-negative energy and latency; area is non-negative.
      const auto c = registry.make_cost(spec.name, params);
      REQUIRE(c != nullptr);
      REQUIRE(!c->actions().empty());
      for (const std::string& action : c->actions()) {
        CAPTURE(action);
        const ActionCost cost = c->cost(action);
        CHECK(std::isfinite(cost.energy_j));
        CHECK(cost.energy_j >= 0.0);
        CHECK(std::isfinite(cost.latency_s));
        CHECK(cost.latency_s >= 0.0);
      }
      CHECK_THROWS_AS(c->cost("no-such-action"), ConfigError);
      CHECK(c->area_m2() >= 0.0);
      break;
    }
    case ModelKind::kSection:
      break;
  }
}

ParamSet defaults_of(const ModelSpec& spec) {
  ParamSet p("defaults of " + spec.name);
  for (const ParamSpec& s : spec.params)
    if (s.default_value) p.set(s.key, *s.default_value);
  return p;
}

// Kinds a tile slot holds and the registry can build. Other kinds (digital) have no factory
// in the Registry yet; their declarations are still checked above, and the build checks here
// report them as skipped so that extending this test is not forgotten.
bool has_factory_kind(ModelKind kind) {
  return kind == ModelKind::kDevice || kind == ModelKind::kDac || kind == ModelKind::kAdc;
}

TEST_CASE("every shipped card names a registered model, never a section") {
  const std::vector<ShippedCard> cards = shipped_cards();
  CHECK(!cards.empty());
  for (const ShippedCard& card : cards) {
    CAPTURE(card.path.string());
    REQUIRE_MESSAGE(builtin_registry().has(card.model), "unknown model " << card.model);
    CHECK(builtin_registry().spec(card.model).kind != ModelKind::kSection);
  }
}

TEST_CASE("model contract: every model builds from defaults and from each card naming it") {
  const Registry& registry = builtin_registry();
  const std::vector<ShippedCard> cards = shipped_cards();
  for (const ModelSpec* spec : registry.all()) {
    if (spec->kind == ModelKind::kSection) continue;  // declarations only, no model object
    CAPTURE(spec->name);
    if (!has_factory_kind(spec->kind)) {
      MESSAGE("not built: no factory for kind " << to_string(spec->kind) << " (" << spec->name
                                                << ")");
      continue;
    }

    const bool all_defaulted =
        std::all_of(spec->params.begin(), spec->params.end(),
                    [](const ParamSpec& p) { return bool(p.default_value); });
    if (all_defaulted) {
      build_and_check(*spec, defaults_of(*spec));
    } else {
      // A required key left out is a ConfigError from the factory, never a crash.
      CHECK_THROWS_AS(build_and_check(*spec, defaults_of(*spec)), ConfigError);
    }

    int naming = 0;
    for (const ShippedCard& card : cards) {
      if (card.model != spec->name) continue;
      ++naming;
      CAPTURE(card.path.string());
      const ComponentConfig c = load_card_via_arch(card.path, spec->kind);
      CHECK(c.model == spec->name);
      // The card's own values are what the model gets.
      const YAML::Node raw = YAML::LoadFile(card.path.string());
      for (const auto& kv : raw["parameters"]) CHECK(c.params.has(kv.first.Scalar()));
      build_and_check(*spec, c.params);
    }
    // A model whose parameters cannot all default is unusable without a card.
    CHECK_MESSAGE((all_defaulted || naming > 0),
                  spec->name << " has required parameters but no card under data/cards");
  }
}

TEST_CASE("model factories reject out-of-range values given to them directly") {
  // Factories are also called with hand-built sets (tests, tools); values the loader would
  // refuse must not slip through into a model. Each declared bound is exceeded in turn.
  const Registry& registry = builtin_registry();
  for (const ModelSpec* spec : registry.all()) {
    if (!has_factory_kind(spec->kind)) continue;
    CAPTURE(spec->name);
    ParamSet base = defaults_of(*spec);
    for (const ShippedCard& card : shipped_cards())
      if (card.model == spec->name) {
        base = load_card_via_arch(card.path, spec->kind).params;
        break;
      }
    for (const ParamSpec& p : spec->params) {
      if (p.type != ParamType::kInteger) continue;  // integer bounds guard shifts and divisions
      CAPTURE(p.key);
      for (const double bound : {p.min - 1.0, p.max + 1.0}) {
        if (!std::isfinite(bound)) continue;
        ParamSet bad = base;
        bad.set(p.key, static_cast<std::int64_t>(bound));
        CAPTURE(bound);
        CHECK_THROWS_AS(build_and_check(*spec, bad), ConfigError);
      }
    }
  }
}

}  // namespace
}  // namespace xbarsim
