// The xbarsim command line, run as a user runs it: bad input of every kind exits with code 2
// and a message naming what is wrong (never a crash, never exit 1); good input works, and
// `--format json` is JSON.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>

#include "app/cli_support.hpp"
#include "test_support.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/reference_doc.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/types.hpp"
#include "xbarsim/io/hdf5_matrix.hpp"
#include "xbarsim/io/json.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;
using namespace xbarsim::cli_test;

std::string fixture(const std::string& name) {
  return (fs::path(XBARSIM_TEST_DATA_DIR) / "config" / name).string();
}

// A small strict JSON reader (RFC 8259): validates the whole text and returns the members of
// the top-level object as raw JSON text.
class JsonText {
 public:
  explicit JsonText(std::string text) : s_(std::move(text)) {}

  bool parse_object_members(std::map<std::string, std::string>& members) {
    ws();
    if (!eat('{')) return false;
    ws();
    if (eat('}')) return end();
    do {
      ws();
      std::string key;
      if (!string(&key)) return false;
      ws();
      if (!eat(':')) return false;
      ws();
      const std::size_t start = i_;
      if (!value()) return false;
      members[key] = s_.substr(start, i_ - start);
      ws();
    } while (eat(','));
    if (!eat('}')) return false;
    return end();
  }
  bool valid() {
    ws();
    return value() && end();
  }

 private:
  bool end() {
    ws();
    return i_ == s_.size();
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool literal(const char* word) {
    const std::string w(word);
    if (s_.compare(i_, w.size(), w) != 0) return false;
    i_ += w.size();
    return true;
  }
  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ > start;
  }
  bool number() {
    eat('-');
    if (eat('0')) {
      // no leading zeros
    } else if (i_ < s_.size() && s_[i_] >= '1' && s_[i_] <= '9') {
      digits();
    } else {
      return false;
    }
    if (eat('.') && !digits()) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (!eat('+')) eat('-');
      if (!digits()) return false;
    }
    return true;
  }
  bool string(std::string* out) {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\') {
        if (i_ >= s_.size()) return false;
        const char e = s_[i_++];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k)
            if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_++])))
              return false;
        } else if (std::string("\"\\/bfnrt").find(e) == std::string::npos) {
          return false;
        }
        if (out) *out += e;
        continue;
      }
      if (out) *out += c;
    }
    return false;
  }
  bool value() {
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      ws();
      if (eat('}')) return true;
      do {
        ws();
        if (!string(nullptr)) return false;
        ws();
        if (!eat(':')) return false;
        ws();
        if (!value()) return false;
        ws();
      } while (eat(','));
      return eat('}');
    }
    if (c == '[') {
      ++i_;
      ws();
      if (eat(']')) return true;
      do {
        ws();
        if (!value()) return false;
        ws();
      } while (eat(','));
      return eat(']');
    }
    if (c == '"') return string(nullptr);
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    return number();
  }

  std::string s_;
  std::size_t i_ = 0;
};

std::map<std::string, std::string> json_members(const std::string& text) {
  std::map<std::string, std::string> members;
  JsonText json(text);
  REQUIRE_MESSAGE(json.parse_object_members(members), "not a JSON object: " << text);
  return members;
}

TEST_CASE("the JSON reader used here accepts JSON and rejects what is not") {
  CHECK(JsonText(R"({"a":1,"b":[true,false,null],"c":{"d":"x\"y"},"e":-1.5e-3})").valid());
  CHECK(JsonText("[]").valid());
  CHECK_FALSE(JsonText("{").valid());
  CHECK_FALSE(JsonText(R"({"a":.5})").valid());
  CHECK_FALSE(JsonText(R"({"a":010})").valid());
  CHECK_FALSE(JsonText(R"({"a":+1})").valid());
  CHECK_FALSE(JsonText(R"({"a":1.})").valid());
  CHECK_FALSE(JsonText(R"({"a":inf})").valid());
  CHECK_FALSE(JsonText("{\"a\":\"line\nbreak\"}").valid());
  CHECK_FALSE(JsonText(R"({"a":1} x)").valid());
}

// --- Bad input: exit code 2 and a message ----------------------------------------------------

TEST_CASE("mvm: a malformed YAML architecture names the file and the line") {
  const Run r = xbarsim("mvm '" + fixture("malformed.yaml") + "' --rows 4 --cols 4 --batch 2");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "malformed.yaml");
  CHECK_CONTAINS(r.err, "line 6");  // see the fixture's header comment
}

TEST_CASE("mvm: a nonexistent architecture file is named") {
  const Run r = xbarsim("mvm /nonexistent/dir/no_such_arch.yaml --rows 4 --cols 4 --batch 2");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "/nonexistent/dir/no_such_arch.yaml");
}

TEST_CASE("mvm: an unknown shipped architecture name is reported") {
  const Run r = xbarsim("mvm no_such_arch_name --rows 4 --cols 4 --batch 2");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "no_such_arch_name");
}

TEST_CASE("mvm: a missing card names the card") {
  const Run r = xbarsim("mvm '" + fixture("missing_card.yaml") + "' --rows 4 --cols 4 --batch 2");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "device_models/nonexistent/no_such_card.yaml");
  CHECK_CONTAINS(r.err, "tile.device.card");
}

TEST_CASE("mvm: malformed cards are errors, not crashes") {
  for (const std::string arch : {"scalar_card.yaml", "empty_card.yaml", "card_no_source.yaml",
                                 "card_no_citation.yaml", "wrong_kind.yaml", "unknown_model.yaml",
                                 "card_unknown_key.yaml", "missing_required.yaml"}) {
    CAPTURE(arch);
    check_bad_input(xbarsim("mvm '" + fixture(arch) + "' --rows 4 --cols 4 --batch 2"));
  }
}

TEST_CASE("mvm: --set of a wrong-type value says an integer was expected") {
  const Run r = xbarsim("mvm reram --set tile.rows=abc --rows 4 --cols 4 --batch 2");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "--set tile.rows");
  CHECK_CONTAINS(r.err, "expected an integer");
}

TEST_CASE("mvm: a zero-bit converter is out of range") {
  const Run r = xbarsim("mvm reram --set tile.adc.bits=0 --rows 4 --cols 4 --batch 2");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "--set tile.adc.bits");
  const ParamSpec* bits = builtin_registry().spec("adc.quantizing").find("bits");
  REQUIRE(bits != nullptr);
  std::ostringstream range;
  range << '[' << static_cast<int>(bits->min) << ", " << static_cast<int>(bits->max) << ']';
  CHECK_CONTAINS(r.err, range.str());
}

TEST_CASE("mvm: an unknown --set key is named") {
  const Run r = xbarsim("mvm reram --set tile.adc.bitz=5 --rows 4 --cols 4 --batch 2");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "--set tile.adc.bitz");
}

TEST_CASE("mvm: a malformed --set is reported") {
  const Run r = xbarsim("mvm reram --set tile.adc.bits --rows 4 --cols 4 --batch 2");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "path=value");
}

TEST_CASE("mvm: non-positive sizes are rejected") {
  for (const std::string args : {"--rows -5", "--rows 0", "--cols -5", "--batch 0", "--batch -1"}) {
    CAPTURE(args);
    const Run r = xbarsim(std::string("mvm reram --rows 4 --cols 4 --batch 2 ") + args);
    check_bad_input(r);
    const std::string option = args.substr(0, args.find(' '));
    CHECK_CONTAINS(r.err, option);
  }
}

TEST_CASE("mvm: a matrix file whose shape disagrees with --rows/--cols") {
  TempDir dir;
  const std::string matrix = dir.file("matrix.h5");
  write_hdf5_matrix(matrix, "matrix", Matrix::Constant(4, 3, 0.5f));
  SUBCASE("rows disagree") {
    const Run r = xbarsim("mvm ideal --matrix '" + matrix + "' --rows 5 --cols 3 --batch 2");
    check_bad_input(r);
    CHECK_CONTAINS(r.err, matrix);
    CHECK_CONTAINS(r.err, "4 x 3");
  }
  SUBCASE("cols disagree") {
    const Run r = xbarsim("mvm ideal --matrix '" + matrix + "' --rows 4 --cols 2 --batch 2");
    check_bad_input(r);
    CHECK_CONTAINS(r.err, "4 x 3");
  }
  SUBCASE("the dataset is missing") {
    const std::string other = dir.file("other.h5");
    write_hdf5_matrix(other, "weights", Matrix::Constant(4, 3, 0.5f));
    const Run r = xbarsim("mvm ideal --matrix '" + other + "' --batch 2");
    check_bad_input(r);
    CHECK_CONTAINS(r.err, other);
    CHECK_CONTAINS(r.err, "matrix");
  }
  SUBCASE("the file is missing") {
    const Run r = xbarsim("mvm ideal --matrix '" + dir.file("absent.h5") + "' --batch 2");
    check_bad_input(r);
    CHECK_CONTAINS(r.err, "absent.h5");
  }
  SUBCASE("the file is not HDF5") {
    const std::string text = dir.file("text.h5");
    std::ofstream(text) << "not an HDF5 file\n";
    const Run r = xbarsim("mvm ideal --matrix '" + text + "' --batch 2");
    check_bad_input(r);
    CHECK_CONTAINS(r.err, "text.h5");
  }
}

TEST_CASE("mvm: an inputs file whose columns do not match the matrix rows") {
  TempDir dir;
  const std::string matrix = dir.file("matrix.h5"), inputs = dir.file("inputs.h5");
  write_hdf5_matrix(matrix, "matrix", Matrix::Constant(4, 3, 0.5f));
  write_hdf5_matrix(inputs, "inputs", Matrix::Constant(2, 5, 0.25f));  // batch x 5, not x 4
  const Run r = xbarsim("mvm ideal --matrix '" + matrix + "' --inputs '" + inputs + "'");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, inputs);
  CHECK_CONTAINS(r.err, "2 x 5");
}

TEST_CASE("mvm: calibration on the scored inputs is a warning, a separate file is not") {
  TempDir dir;
  const std::string matrix = dir.file("matrix.h5"), inputs = dir.file("inputs.h5"),
                    calib = dir.file("calib.h5"), bad = dir.file("bad.h5");
  write_hdf5_matrix(matrix, "matrix", Matrix::Constant(4, 3, 0.5f));
  write_hdf5_matrix(inputs, "inputs", Matrix::Constant(2, 4, 0.25f));
  write_hdf5_matrix(calib, "inputs", Matrix::Constant(6, 4, 0.5f));
  write_hdf5_matrix(bad, "inputs", Matrix::Constant(6, 5, 0.5f));
  const std::string base = "mvm reram --matrix '" + matrix + "' --inputs '" + inputs + "'";
  const Run scored = xbarsim(base + " --format json");
  CHECK(scored.code == 0);
  CHECK_CONTAINS(scored.err, "calibrated on the scored inputs");
  CHECK_CONTAINS(scored.out, "\"calibration_inputs\":\"the scored inputs\"");
  const Run apart = xbarsim(base + " --calibration-inputs '" + calib + "' --format json");
  CHECK(apart.code == 0);
  CHECK(apart.err.find("warning") == std::string::npos);
  CHECK_CONTAINS(apart.out, calib);
  const Run wrong = xbarsim(base + " --calibration-inputs '" + bad + "'");
  check_bad_input(wrong);
  CHECK_CONTAINS(wrong.err, "6 x 5");
}

TEST_CASE("--format json: stdout stays pure JSON while warnings and debug lines go to stderr") {
  TempDir dir;
  const std::string matrix = dir.file("matrix.h5"), inputs = dir.file("inputs.h5");
  write_hdf5_matrix(matrix, "matrix", Matrix::Constant(4, 3, 0.5f));
  write_hdf5_matrix(inputs, "inputs", Matrix::Constant(2, 4, 0.25f));
  // Calibrating on the scored inputs is warned about; --verbose adds debug lines.
  const Run mvm = xbarsim("--verbose mvm reram --matrix '" + matrix + "' --inputs '" + inputs +
                          "' --format json");
  REQUIRE(mvm.code == 0);
  CHECK_CONTAINS(mvm.err, "calibrated on the scored inputs");
  CHECK_CONTAINS(mvm.err, "xbarsim: debug: ");
  CHECK(JsonText(mvm.out).valid());
  const Run energy = xbarsim("energy reram --workload fmnist_cnn --format json --verbose");
  REQUIRE(energy.code == 0);
  CHECK_CONTAINS(energy.err, "xbarsim: debug: workload file: ");
  CHECK(JsonText(energy.out).valid());
}

TEST_CASE("mvm: a wire resistance of zero for the IR-drop solve names the --set key") {
  const Run r = xbarsim(
      "mvm reram --rows 8 --cols 8 --batch 2 --set tile.wires.ir_drop=exact "
      "--set tile.wires.sense_ohm=0");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "--set tile.wires.sense_ohm");
  CHECK_CONTAINS(r.err, "> 0 ohm");
}

TEST_CASE("command-line misuse exits with 2") {
  check_bad_input(xbarsim(""));                          // no subcommand
  check_bad_input(xbarsim("nosuchcommand"));             // unknown subcommand
  check_bad_input(xbarsim("mvm"));                       // missing architecture
  check_bad_input(xbarsim("mvm ideal --no-such-flag"));  // unknown option
  check_bad_input(xbarsim("mvm ideal --format xml"));    // not a format
  check_bad_input(xbarsim("mvm ideal --rows abc"));      // not a number
}

// --- Good input -------------------------------------------------------------------------------

TEST_CASE("mvm ideal --format json is JSON and reproduces the float product") {
  const Run r = xbarsim("mvm ideal --rows 12 --cols 5 --batch 3 --threads 1 --format json");
  CAPTURE(r.err);
  REQUIRE(r.exited);
  REQUIRE(r.code == 0);
  const auto j = json_members(r.out);
  for (const char* key :
       {"arch", "matrix_rows", "matrix_cols", "batch", "seed", "threads", "arrays", "rel_error_rms",
        "snr_db", "analog_seconds", "reference_seconds", "config"})
    CHECK_MESSAGE(j.count(key) == 1, "missing key " << key);
  CHECK(j.at("arch") == "\"ideal\"");
  CHECK(j.at("matrix_rows") == "12");
  CHECK(j.at("matrix_cols") == "5");
  CHECK(j.at("batch") == "3");
  CHECK(j.at("threads") == "1");
  // An ideal crossbar gives W x up to float32 rounding (~6e-8 relative per operation).
  const double rel = std::stod(j.at("rel_error_rms"));
  CHECK(rel >= 0.0);
  CHECK(rel < 1e-5);
  // The resolved config is embedded and names the cards used.
  const YAML::Node config = YAML::Load(j.at("config"));
  CHECK(config["tile"]["device"]["model"].as<std::string>() == "ideal");
  CHECK(config["tile"]["adc"]["model"].as<std::string>() == "adc.ideal");
}

TEST_CASE("mvm with matrix and inputs files: ideal reproduces their product") {
  TempDir dir;
  const std::string matrix = dir.file("matrix.h5"), inputs = dir.file("inputs.h5");
  Matrix m(4, 3);  // rows x cols on the crossbar; y = M^T x
  m << 1, -2, 0.5, 0, 1, -1, 3, 0.25, 2, -1, 1, 1;
  write_hdf5_matrix(matrix, "matrix", m);
  Matrix x(2, 4);  // batch x rows
  x << 1, 0.5, -0.25, 1, -1, 0, 0.75, 0.5;
  write_hdf5_matrix(inputs, "inputs", x);
  const Run r = xbarsim("mvm ideal --matrix '" + matrix + "' --inputs '" + inputs +
                        "' --rows 4 --cols 3 --format json");
  CAPTURE(r.err);
  REQUIRE(r.exited);
  REQUIRE(r.code == 0);
  const auto j = json_members(r.out);
  CHECK(j.at("matrix_rows") == "4");
  CHECK(j.at("matrix_cols") == "3");
  CHECK(j.at("batch") == "2");
  CHECK(std::stod(j.at("rel_error_rms")) < 1e-5);
}

TEST_CASE("mvm gives identical results for any thread count") {
  // Several tiles (3 x 3 blocks of 16 x 16) and several batch chunks, so threads have work
  // to share (ARCHITECTURE.md, rule 5: same seed, bit-identical for any thread count).
  const std::string args =
      "mvm reram --rows 40 --cols 20 --batch 70 --seed 7 --set tile.rows=16 --set tile.cols=16 "
      "--format json --threads ";
  const Run one = xbarsim(args + "1");
  const Run three = xbarsim(args + "3");
  REQUIRE(one.code == 0);
  REQUIRE(three.code == 0);
  auto a = json_members(one.out), b = json_members(three.out);
  // provenance holds the command line (with --threads) and the time of the run.
  for (const char* timing : {"provenance", "threads", "analog_seconds", "reference_seconds",
                             "cell_mac_rate_ratio", "logical_mac_rate_ratio"}) {
    a.erase(timing);
    b.erase(timing);
  }
  CHECK(a == b);
  // A non-ideal tile does not reproduce the product exactly.
  CHECK(std::stod(a.at("rel_error_rms")) > 0.0);
}

TEST_CASE("mvm text output runs for every shipped architecture") {
  for (const std::string arch : {"ideal", "reram", "sram"}) {
    CAPTURE(arch);
    const Run r = xbarsim("mvm " + arch + " --rows 8 --cols 4 --batch 2");
    CAPTURE(r.err);
    REQUIRE(r.exited);
    CHECK(r.code == 0);
    CHECK_CONTAINS(r.out, "rel_error_rms");
  }
}

TEST_CASE("list names every registered model, and list --markdown is the reference") {
  const Run r = xbarsim("list");
  REQUIRE(r.exited);
  REQUIRE(r.code == 0);
  for (const ModelSpec* spec : builtin_registry().all()) CHECK_CONTAINS(r.out, spec->name);
  const Run md = xbarsim("list --markdown");
  REQUIRE(md.code == 0);
  CHECK(md.out == config_reference_markdown(builtin_registry()));
}

TEST_CASE("describe reram.multilevel lists its parameters") {
  const Run r = xbarsim("describe reram.multilevel");
  REQUIRE(r.exited);
  REQUIRE(r.code == 0);
  CHECK_CONTAINS(r.out, "g_max_siemens");
  for (const ParamSpec& p : builtin_registry().spec("reram.multilevel").params)
    CHECK_CONTAINS(r.out, p.key);
}

TEST_CASE("describe of an unknown model exits with 2 and names it") {
  const Run r = xbarsim("describe nosuch");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "nosuch");
}

// --- JSON output (nlohmann-json; docs/result_format.md#json) ------------------------------

TEST_CASE("yaml_to_json follows the YAML 1.2 core schema and keeps quoted text a string") {
  const YAML::Node n = YAML::Load(
      "name: on\nquoted_number: '12'\nplain_number: 12\nreal: 1.5e-9\nflag: true\n"
      "yes_word: yes\nnothing: ~\ninf: -.inf\nlist: [1, two]\nnested: {deep: x}\n"
      "dotted: 1.\nleading_dot: .5\nplus: +1\n");
  const xbarsim::Json j = xbarsim::yaml_to_json(n);
  CHECK(j.at("name") == "on");  // YAML 1.1 read `on` as true; a name stays a name
  CHECK(j.at("quoted_number") == "12");
  CHECK(j.at("plain_number") == 12);
  CHECK(j.at("real") == 1.5e-9);
  CHECK(j.at("flag") == true);
  CHECK(j.at("yes_word") == "yes");
  CHECK(j.at("nothing").is_null());
  CHECK(j.at("inf").get<double>() == -std::numeric_limits<double>::infinity());
  CHECK(j.at("list")[0] == 1);
  CHECK(j.at("list")[1] == "two");
  CHECK(j.at("nested").at("deep") == "x");
  CHECK(j.at("dotted") == 1.0);
  CHECK(j.at("leading_dot") == 0.5);
  CHECK(j.at("plus") == 1);
  // Every document passes the strict reader above, non-finite numbers included (as null).
  const std::string text = xbarsim::dump_json(j);
  CAPTURE(text);
  CHECK(JsonText(text).valid());
  CHECK(json_members(text).at("inf") == "null");
}

TEST_CASE("a model named like a JSON literal or a number stays a string in eval --format json") {
  // The HDF5 model's name is text: `on` and `12` must not come out as true and 12.
  const Run r = xbarsim("eval ideal --model '" + std::string(XBARSIM_TEST_SOURCE_DATA_DIR) +
                        "/models/fmnist_mlp.h5' --limit 20 --calibration-images 20 --format json");
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  REQUIRE(JsonText(r.out).valid());
  const auto j = json_members(r.out);
  CHECK(j.at("model") == "\"fmnist_mlp\"");
  CHECK(j.at("schema_version") == "1");
  const auto provenance = json_members(j.at("provenance"));
  for (const char* key :
       {"xbarsim_version", "git_sha1", "command_line", "master_seed", "date_and_time_utc", "host"})
    CHECK_MESSAGE(provenance.count(key) == 1, "missing provenance key " << key);
}

}  // namespace
}  // namespace xbarsim

namespace xbarsim {
namespace {

TEST_CASE("energy --format json has the keys of both reports and their energies add up") {
  const Run r = xbarsim("energy reram --workload fmnist_cnn --batch 4 --format json");
  CAPTURE(r.err);
  REQUIRE(r.exited);
  REQUIRE(r.code == 0);
  REQUIRE(JsonText(r.out).valid());
  const auto j = json_members(r.out);
  for (const char* key : {"energy_j_analog", "energy_j_digital", "latency_s_analog",
                          "latency_s_digital", "area_m2_analog", "area_m2_digital", "breakdown"})
    CHECK_MESSAGE(j.count(key) == 1, "missing key " << key);
  const auto breakdown = json_members(j.at("breakdown"));
  for (const char* side : {"analog", "digital"}) {
    CAPTURE(side);
    const auto rep = json_members(breakdown.at(side));
    // The per-component energies add up to the total the report states.
    double sum = 0;
    for (const auto& [k, v] : json_members(rep.at("energy_j_by_component"))) sum += std::stod(v);
    CHECK(sum == doctest::Approx(std::stod(rep.at("energy_j"))).epsilon(1e-9));
  }
  CHECK(std::stod(j.at("energy_j_analog")) > 0);
  CHECK(std::stod(j.at("energy_j_digital")) > 0);
}

TEST_CASE("energy rejects bad input with exit code 2") {
  check_bad_input(xbarsim("energy reram --workload no_such_workload"));
  check_bad_input(xbarsim("energy reram"));  // neither --model nor --workload
  check_bad_input(xbarsim("energy reram --workload fmnist_cnn --set chip.tiles=0"));
  // An architecture without a chip section cannot be priced.
  check_bad_input(xbarsim("energy " + std::string(XBARSIM_TEST_DATA_DIR) +
                          "/config/minimal.yaml --workload fmnist_cnn"));
  check_bad_input(xbarsim("energy reram --workload fmnist_cnn --set tile.adc_shared_columns=48"));
}

TEST_CASE("validate: a published figure the simulation misses exits 3 and says MISS") {
  TempDir dir;
  // The Eyeriss design with its MAC count off by one: 671 instead of K M N = 672.
  const std::string design = dir.file("design.yaml");
  {
    std::ofstream f(design);
    f << "title: a wrong row\nsource: test\n"
      << "digital: " << data_dir() << "/arch/digital/eyeriss_normalized.yaml\n"
      << "workload: " << data_dir() << "/validation/eyeriss/workload.yaml\n"
      << "batch: 4\nrows:\n"
      << "  - {metric: digital.count.mac.mac, published: 671, kind: independent, source: t, "
         "tolerance_rel: 1.0e-12, tolerance_source: t}\n";
  }
  const Run r = xbarsim("validate '" + design + "'");
  REQUIRE(r.exited);
  CHECK(r.code == 3);
  CHECK_CONTAINS(r.out, "MISS");
  CHECK_CONTAINS(r.out, "0 of 1 rows within tolerance");
}

TEST_CASE("validate: malformed designs and unknown metrics name the file and the key") {
  TempDir dir;
  const std::string design = dir.file("design.yaml");
  auto write = [&](const std::string& rows) {
    std::ofstream f(design);
    f << "title: t\nsource: t\narch: " << data_dir() << "/arch/reram.yaml\nrows:\n" << rows;
  };
  write(
      "  - {metric: peak_power_w.tile.warp_drive, published: 1, kind: independent, source: t, "
      "tolerance_rel: 0.1, tolerance_source: t}\n");
  Run r = xbarsim("validate '" + design + "'");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "peak_power_w.tile.warp_drive");
  write(
      "  - {metric: peak_power_w.tile.adc, published: 1, kind: independent, source: t, "
      "tolerance_rel: 2, tolerance_source: t}\n");
  r = xbarsim("validate '" + design + "'");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "rows[0].tolerance_rel");
  r = xbarsim("validate no_such_design");
  check_bad_input(r);
  CHECK_CONTAINS(r.err, "isaac");  // the shipped designs are listed
}

TEST_CASE("eval: float images above 1 and calibration on the scored images are warned about") {
  TempDir dir;
  const std::string data = dir.file("pixels_0_255.h5");
  // 12 Fashion-MNIST-sized images stored as unscaled 0-255 floats (written with h5py; one sample
  // per HDF5 row, docs/datasets.md).
  const std::string script =
      "import h5py, numpy as np\n"
      "f = h5py.File('" +
      data +
      "', 'w')\n"
      "f['images'] = (np.arange(784 * 12, dtype=np.float32).reshape(12, 784) % 256)\n"
      "f['labels'] = np.arange(12, dtype=np.int64) % 10\n";
  const std::string py = dir.file("make.py");
  std::ofstream(py) << script;
  REQUIRE(std::system(("/usr/bin/python3 '" + py + "'").c_str()) == 0);
  const std::string calibration = dir.file("calibration.h5");
  fs::copy_file(data, calibration);
  const Run r = xbarsim("eval ideal --model '" + std::string(XBARSIM_TEST_SOURCE_DATA_DIR) +
                        "/models/fmnist_mlp.h5' --dataset '" + data + "' --calibration-images 4");
  CAPTURE(r.err);
  REQUIRE(r.exited);
  CHECK(r.code == 0);
  CHECK_CONTAINS(r.err, "probably 0-255 pixels");
  CHECK_CONTAINS(r.err, "calibrated on the images being scored");
  // A separate calibration set silences the second warning.
  const Run apart = xbarsim("eval ideal --model '" + std::string(XBARSIM_TEST_SOURCE_DATA_DIR) +
                            "/models/fmnist_mlp.h5' --dataset '" + data +
                            "' --calibration-dataset '" + calibration + "' --calibration-images 4");
  CAPTURE(apart.err);
  CHECK(apart.code == 0);
  CHECK(apart.err.find("calibrated on the images being scored") == std::string::npos);
  CHECK_CONTAINS(apart.err, "probably 0-255 pixels");
}

TEST_CASE("mvm: a fixed input range and an absolute ADC full scale are reported in the JSON") {
  // Random inputs on [-1, 1] with --input-range 0.5: about half of them clip (the exact count
  // is checked against the inputs' own distribution only loosely, 30-70 % of 8 x 64).
  const Run r = xbarsim(
      "mvm reram --rows 8 --cols 4 --batch 64 --input-range 0.5 --format json "
      "--set tile.adc.range=absolute --set tile.adc.full_scale_a=2e-5");
  REQUIRE(r.code == 0);
  CHECK_CONTAINS(r.out, "\"input_range\":0.5");
  CHECK_CONTAINS(r.out, "\"input_range_source\":\"--input-range\"");
  CHECK_CONTAINS(r.out, "\"adc_range\":\"absolute\"");
  // Full scales are held in float: 2e-5 A within float rounding (6e-8 relative).
  const auto fs = r.out.find("\"adc_full_scale_a\":[[");
  REQUIRE(fs != std::string::npos);
  CHECK(std::stod(r.out.substr(fs + 21)) == doctest::Approx(2e-5).epsilon(1e-7));
  const auto at = r.out.find("\"inputs_clipped\":");
  REQUIRE(at != std::string::npos);
  const long clipped = std::stol(r.out.substr(at + 17));
  CHECK(clipped > 0.3 * 8 * 64);
  CHECK(clipped < 0.7 * 8 * 64);
  const Run both = xbarsim(
      "mvm reram --rows 8 --cols 4 --batch 2 --set tile.adc.range=absolute "
      "--set tile.adc.full_scale_a=2e-5 --set tile.adc.full_scale_cell_currents_rel=4");
  check_bad_input(both);
  CHECK_CONTAINS(both.err, "exactly one full scale");
}

TEST_CASE("per-layer tile keys from the command line: eval, energy and mvm") {
  const std::string mlp =
      "'" + std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/models/fmnist_mlp.h5'";
  // A layer the model does not have: named with the model's crossbar layers, before any work.
  const Run unknown =
      xbarsim("eval reram --model " + mlp + " --limit 20 --set layers.fc9.tile.adc.bits=4");
  check_bad_input(unknown);
  CHECK_CONTAINS(unknown.err, "--set layers.fc9.tile.adc.bits=4: key 'layers.fc9'");
  CHECK_CONTAINS(unknown.err, "fc1, fc2, fc3");
  check_bad_input(xbarsim("energy reram --model " + mlp + " --set layers.fc1.tile.adc.bits=99"));
  // mvm has no layers: per-layer keys are refused, not ignored.
  const Run mvm = xbarsim("mvm reram --rows 8 --cols 4 --set layers.fc1.tile.adc.bits=4");
  check_bad_input(mvm);
  CHECK_CONTAINS(mvm.err, "layers.fc1");
  // The report says which layers run on their own tiles.
  const Run energy = xbarsim("energy reram --model " + mlp + " --set layers.fc3.tile.adc.bits=4");
  REQUIRE(energy.code == 0);
  CHECK_CONTAINS(energy.out, "per-layer tiles: fc3 (tile.adc.bits=4)");
}

}  // namespace
}  // namespace xbarsim
