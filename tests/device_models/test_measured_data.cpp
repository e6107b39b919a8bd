// Measured device data (docs/devices.md#measured-data): sigma(G) as a polynomial of any order
// or a CSV table; the shipped cards reproduce their source points, and malformed data is an
// error naming the card, the key and the row.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "device_models/device_test_util.hpp"
#include "device_models/pcm/pcm_statistical.hpp"
#include "device_models/reram/reram_multilevel.hpp"
#include "device_models/sigma_curve.hpp"
#include "test_support.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/random.hpp"
#include "xbarsim/engine/tile_models.hpp"

using namespace xbarsim;
namespace fs = std::filesystem;

#define CHECK_CONTAINS_ROW(text, part)                             \
  CHECK_MESSAGE(std::string(text).find(part) != std::string::npos, \
                "expected \"" << (part) << "\" in: " << (text))

namespace {
constexpr double kUs = 1e-6;
// Wan et al. 2022, the cubic fit (G in uS, sigma in uS).
double wan_cubic_us(double g_us) {
  return 1.053 + 0.2374 * g_us - 1.167e-2 * g_us * g_us + 1.536e-4 * g_us * g_us * g_us;
}
const ReramMultilevel& device_of(const ArchConfig& arch, const Registry& reg,
                                 std::shared_ptr<const TileModels>& keep) {
  keep = make_tile_models(arch, reg);
  return dynamic_cast<const ReramMultilevel&>(*keep->device);
}
}  // namespace

TEST_CASE("measured data: the cubic card reproduces Wan et al.'s fit, the table its rows") {
  const Registry& reg = builtin_registry();
  const std::string reram = data_dir() + "/arch/reram.yaml";
  std::shared_ptr<const TileModels> keep;
  const ArchConfig cubic = load_arch(
      reram, parse_overrides({"tile.device.card=device_models/reram/wan_nature2022_cubic.yaml"}),
      reg);
  const ReramMultilevel& c = device_of(cubic, reg, keep);
  for (double g_us : {0.0, 13.3, 26.7, 39.0})
    CHECK(c.prog_sigma_siemens(g_us * kUs) == doctest::Approx(wan_cubic_us(g_us) * kUs));
  // It peaks mid-range, unlike the linear card's 0.035 G + 1 uS.
  CHECK(c.prog_sigma_siemens(13.3 * kUs) > c.prog_sigma_siemens(39.0 * kUs));

  std::shared_ptr<const TileModels> keep2;
  const ArchConfig table = load_arch(
      reram, parse_overrides({"tile.device.card=device_models/reram/wan_nature2022_table.yaml"}),
      reg);
  const ReramMultilevel& t = device_of(table, reg, keep2);
  // Each row of the CSV exactly, the mid-points linearly, the ends held.
  std::ifstream csv(data_dir() + "/cards/device_models/reram/wan_nature2022_sigma.csv");
  std::string line;
  std::vector<std::pair<double, double>> rows;
  while (std::getline(csv, line)) {
    if (line.empty() || line[0] == '#' || line[0] == 'g') continue;
    const auto comma = line.find(',');
    rows.push_back({std::stod(line.substr(0, comma)), std::stod(line.substr(comma + 1))});
  }
  REQUIRE(rows.size() == 9);
  for (const auto& [g, s] : rows) CHECK(t.prog_sigma_siemens(g) == doctest::Approx(s));
  for (std::size_t i = 0; i + 1 < rows.size(); ++i)
    CHECK(t.prog_sigma_siemens(0.5 * (rows[i].first + rows[i + 1].first)) ==
          doctest::Approx(0.5 * (rows[i].second + rows[i + 1].second)));
  CHECK(t.prog_sigma_siemens(100 * kUs) == doctest::Approx(rows.back().second));
}

TEST_CASE("measured data: programmed cells scatter with the polynomial's sigma") {
  // A 5th-order polynomial, to show any order works: sigma = 0.5 + 0.1 x + 1e-7 x^5 uS.
  const ReramMultilevel m(test::params_for(
      "reram.multilevel",
      {{"g_min_siemens", 0.0},
       {"g_max_siemens", 40e-6},
       {"levels", std::int64_t{5}},
       {"prog_sigma_form", std::string("polynomial")},
       {"prog_sigma_poly_siemens", std::string("0.5e-6, 0.1e-6, 0, 0, 0, 1e-13")}}));
  const double level = 20e-6, x = 20.0;
  const double sigma = (0.5 + 0.1 * x + 1e-7 * std::pow(x, 5)) * kUs;
  CHECK(m.prog_sigma_siemens(level) == doctest::Approx(sigma));
  Matrix g = Matrix::Constant(200, 200, static_cast<float>(level));
  Rng variation(3), faults(4);
  m.program(g, ProgrammingStreams{variation, faults});
  const std::vector<double> v(g.data(), g.data() + g.size());
  const test::Moments mo = test::moments(v, [](double d) { return d; });
  CHECK(std::abs(mo.mean - level) <= test::mean_tolerance(sigma, 40000));
  CHECK(std::abs(mo.variance - sigma * sigma) <= test::variance_tolerance(sigma, 40000));
}

TEST_CASE("measured data: a read-noise table sets the per-cell read-noise sigma") {
  test::TempDir dir;
  const std::string csv = dir.file("read.csv");
  std::ofstream(csv) << "g_siemens,sigma_siemens\n0,1e-7\n40e-6,5e-7\n";
  const ReramMultilevel m(
      test::params_for("reram.multilevel",
                       {{"read_noise_form", std::string("table")}, {"read_noise_table_csv", csv}}));
  Matrix g(1, 3);
  g << 0.0f, 20e-6f, 40e-6f;
  Matrix sigma;
  m.read_noise_std(g, sigma);
  CHECK(sigma(0) == doctest::Approx(1e-7));
  CHECK(sigma(1) == doctest::Approx(3e-7));
  CHECK(sigma(2) == doctest::Approx(5e-7));
}

TEST_CASE("measured data: malformed tables and lists name the key and the row") {
  test::TempDir dir;
  auto table_error = [&](const std::string& text) {
    const std::string csv = dir.file("t.csv");
    std::ofstream(csv) << text;
    try {
      ReramMultilevel m(test::params_for(
          "reram.multilevel",
          {{"prog_sigma_form", std::string("table")}, {"prog_sigma_table_csv", csv}}));
      return std::string("accepted");
    } catch (const ConfigError& e) {
      CHECK(std::string(e.key()) == "prog_sigma_table_csv");
      return std::string(e.what());
    }
  };
  CHECK_CONTAINS_ROW(table_error("g_siemens,sigma_siemens\n1e-6,1e-7\n0.5e-6,2e-7\n"), "row 3");
  CHECK_CONTAINS_ROW(table_error("g_siemens,sigma_siemens\n1e-6,1e-7\n2e-6,abc\n"), "row 3");
  CHECK_CONTAINS_ROW(table_error("g_siemens,sigma_siemens\n1e-6,-1e-7\n2e-6,1e-7\n"), "row 2");
  CHECK_CONTAINS_ROW(table_error(""), "empty table");
  CHECK_CONTAINS_ROW(table_error("g,s\n1,2\n"), "header");
  CHECK_CONTAINS_ROW(table_error("g_siemens,sigma_siemens\n1e-6,1e-7\n"), "at least two rows");
  for (const char* bad : {"", "1e-6, x", "1e-6,,2e-6"}) {
    CAPTURE(bad);
    try {
      ReramMultilevel m(
          test::params_for("reram.multilevel", {{"prog_sigma_form", std::string("polynomial")},
                                                {"prog_sigma_poly_siemens", std::string(bad)}}));
      FAIL("accepted a bad coefficient list");
    } catch (const ConfigError& e) {
      CHECK(std::string(e.key()) == "prog_sigma_poly_siemens");
    }
  }
}

namespace {
// Programs n cells of pcm.statistical to `target` and returns the drift exponents they drew,
// nu = -ln(G(t) / G_T) / ln(t / t0), exact with the programming and 1/f noise switched off.
std::vector<double> drift_exponents(const ParamSet& p, double target, std::uint64_t seed) {
  const PcmStatistical pcm(p);
  Matrix g = Matrix::Constant(200, 200, static_cast<float>(target));
  Rng variation(seed), faults(seed + 1);
  pcm.program(g, ProgrammingStreams{variation, faults});
  const double L = std::log(pcm.t_inference_s() / pcm.t0_s());
  std::vector<double> nu;
  for (Index i = 0; i < g.size(); ++i) nu.push_back(-std::log(g(i) / target) / L);
  return nu;
}
}  // namespace

TEST_CASE("measured data: PCM drift statistics from tables and polynomials") {
  test::TempDir dir;
  const std::string mean_csv = dir.file("nu_mean.csv"), std_csv = dir.file("nu_std.csv");
  // A drift exponent rising from 0.03 at G = 0 to 0.09 at 20 uS, and a spread table.
  std::ofstream(mean_csv) << "# measured mu_nu(G)\ng_siemens,nu_mean_rel\n0,0.03\n20e-6,0.09\n";
  std::ofstream(std_csv) << "g_siemens,nu_std_rel\n0,0.01\n20e-6,0.03\n";
  const ParamSet p =
      test::params_for("pcm.statistical", {{"t_inference_s", 86400.0},
                                           {"prog_sigma_form", std::string("polynomial")},
                                           {"prog_sigma_poly_siemens", std::string("0")},
                                           {"qs_form", std::string("polynomial")},
                                           {"qs_poly_rel", std::string("0")},
                                           {"nu_mean_form", std::string("table")},
                                           {"nu_mean_table_csv", mean_csv},
                                           {"nu_std_form", std::string("table")},
                                           {"nu_std_table_csv", std_csv}});
  const PcmStatistical pcm(p);
  // The tables' own rows and their linear interpolation, at x = G_T / g_max (g_max 25 uS).
  CHECK(pcm.drift_nu_mean(0.0) == doctest::Approx(0.03));
  CHECK(pcm.drift_nu_mean(0.4) == doctest::Approx(0.06));  // 10 uS: half way
  CHECK(pcm.drift_nu_mean(1.0) == doctest::Approx(0.09));  // held beyond the last row
  CHECK(pcm.drift_nu_std(0.4) == doctest::Approx(0.02));
  CHECK(pcm.prog_sigma_siemens(0.7) == 0.0);
  CHECK(pcm.read_noise_qs(0.7) == 0.0);
  // Programmed cells draw nu with the table's mean and spread: 40000 cells, five standard
  // errors of the mean and of the variance of a normal sample.
  const std::vector<double> nu = drift_exponents(p, 10e-6, 91);
  const test::Moments m = test::moments(nu, [](double v) { return v; });
  const double n = static_cast<double>(nu.size());
  CHECK(std::abs(m.mean - 0.06) <= test::mean_tolerance(0.02, static_cast<long>(n)));
  CHECK(std::abs(m.variance - 0.02 * 0.02) <= test::variance_tolerance(0.02, static_cast<long>(n)));

  // A polynomial mu_nu = 0.05 + 0.002 (G / 1 uS): 0.07 at 10 uS.
  ParamSet q = p;
  q.set("nu_mean_form", std::string("polynomial"));
  q.set("nu_mean_poly_rel", std::string("0.05, 0.002"));
  CHECK(PcmStatistical(q).drift_nu_mean(0.4) == doctest::Approx(0.07));
}

TEST_CASE("measured data: a PCM table with a negative drift exponent names the key and row") {
  test::TempDir dir;
  const std::string csv = dir.file("nu.csv");
  std::ofstream(csv) << "g_siemens,nu_mean_rel\n0,0.05\n10e-6,-0.01\n";
  try {
    PcmStatistical pcm(test::params_for(
        "pcm.statistical", {{"nu_mean_form", std::string("table")}, {"nu_mean_table_csv", csv}}));
    FAIL("accepted a negative drift exponent");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.key()) == "nu_mean_table_csv");
    CHECK_CONTAINS_ROW(e.what(), "row 3");
  }
  // The wrong value column is refused by its header.
  std::ofstream(csv) << "g_siemens,sigma_siemens\n0,0.05\n10e-6,0.01\n";
  CHECK_THROWS_AS(
      PcmStatistical(test::params_for(
          "pcm.statistical", {{"nu_mean_form", std::string("table")}, {"nu_mean_table_csv", csv}})),
      ConfigError);
}
