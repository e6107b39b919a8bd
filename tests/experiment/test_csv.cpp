// summary.csv is RFC 4180 CSV: awkward axis values (commas, quotes, line breaks) stay one field
// and read back unchanged, through a reader written here from the RFC's grammar and through
// Python's csv module; numbers are the shortest text that reads back as the same double.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "xbarsim/experiment/sweep_results.hpp"
#include "xbarsim/io/csv.hpp"

using namespace xbarsim;

namespace {

using Records = std::vector<std::vector<std::string>>;

// RFC 4180, section 2 (ABNF):
//   file        = [header CRLF] record *(CRLF record) [CRLF]
//   record      = field *(COMMA field)
//   field       = (escaped / non-escaped)
//   escaped     = DQUOTE *(TEXTDATA / COMMA / CR / LF / 2DQUOTE) DQUOTE
//   non-escaped = *TEXTDATA
// TEXTDATA is widened from printable ASCII to any byte but comma, quote, CR and LF (UTF-8 axis
// values), and a line break is CRLF or LF alone. Anything else, e.g. a quote inside a bare field
// or text after a closing quote, is a parse failure (nullopt).
std::optional<Records> parse_rfc4180(const std::string& s) {
  Records records;
  std::size_t i = 0;
  const auto line_break = [&]() -> bool {
    if (s.compare(i, 2, "\r\n") == 0) {
      i += 2;
      return true;
    }
    if (i < s.size() && s[i] == '\n') {
      ++i;
      return true;
    }
    return false;
  };
  while (i < s.size()) {
    std::vector<std::string> record;
    while (true) {
      std::string field;
      if (i < s.size() && s[i] == '"') {  // escaped
        ++i;
        while (true) {
          if (i >= s.size()) return std::nullopt;  // no closing quote
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          field += s[i++];
        }
      } else {  // non-escaped
        while (i < s.size() && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
          if (s[i] == '"') return std::nullopt;
          field += s[i++];
        }
      }
      record.push_back(field);
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i < s.size() && !line_break()) return std::nullopt;  // junk after a field
    records.push_back(record);
  }
  return records;
}

// The exact bits, so that -0.0 and 0.0 differ and a NaN equals itself.
bool same_double(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

double parse_double(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  REQUIRE_MESSAGE(end == text.c_str() + text.size(), "not a number: " << text);
  return v;
}

// Significant digits of a decimal in plain or exponent form ("1.25e-3" -> 3, "100" -> 1).
int significant_digits(const std::string& text) {
  std::string mantissa = text.substr(0, text.find_first_of("eE"));
  std::string digits;
  for (char c : mantissa)
    if (c >= '0' && c <= '9') digits += c;
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  digits = digits.substr(first);
  if (mantissa.find('.') == std::string::npos) {
    const auto last = digits.find_last_not_of('0');
    digits = digits.substr(0, last + 1);
  }
  return static_cast<int>(digits.size());
}

// True when printf's %.{p}g of v reads back as v: the shortest round-trip form has the
// smallest such p, whatever algorithm prints it.
bool round_trips_with(double v, int p) {
  char buf[320];  // room for any %g GCC can imagine (p is at most 17 here)
  std::snprintf(buf, sizeof buf, "%.*g", p, v);
  return same_double(std::strtod(buf, nullptr), v);
}

const std::vector<std::string> kAwkward = {
    "plain",
    "",
    "1e-6, 2e-6, 3e-6",
    "say \"hi\"",
    "\"",
    ",",
    "two\nlines",
    "crlf\r\nline",
    "all, of \"them\"\nat once",
    " leading and trailing spaces ",
    "caf\xc3\xa9",  // UTF-8
};

}  // namespace

TEST_CASE("the RFC 4180 reader used here accepts the grammar and rejects what is not CSV") {
  const auto r = parse_rfc4180("a,\"b,c\",\"d\"\"e\"\r\n,\"x\ny\",\n");
  REQUIRE(r.has_value());
  CHECK(*r == Records{{"a", "b,c", "d\"e"}, {"", "x\ny", ""}});
  CHECK(parse_rfc4180("a\nb") == Records{{"a"}, {"b"}});
  CHECK_FALSE(parse_rfc4180("a\"b\n").has_value());      // a quote in a bare field
  CHECK_FALSE(parse_rfc4180("\"ab\n").has_value());      // no closing quote
  CHECK_FALSE(parse_rfc4180("\"a\"b,c\n").has_value());  // text after the closing quote
}

TEST_CASE("csv_field quotes exactly the fields that need it, and they read back unchanged") {
  for (const std::string& text : kAwkward) {
    CAPTURE(text);
    const std::string field = csv_field(text);
    const bool needs = text.find_first_of(",\"\r\n") != std::string::npos;
    CHECK((field.front() == '"') == needs);
    if (!needs) CHECK(field == text);
    // Three copies on a line, so that a field that leaked its comma would shift the others.
    const auto r = parse_rfc4180(csv_record({text, text, text}));
    REQUIRE(r.has_value());
    CHECK(*r == Records{{text, text, text}});
  }
}

TEST_CASE("csv_number prints the shortest text that reads back bit-identical") {
  const std::vector<double> values = {0.1,
                                      1e-300,
                                      123456789.125,
                                      1.0 / 3.0,
                                      2.5e-7,
                                      0.9175,
                                      6.02214076e23,
                                      -0.0,
                                      0.0,
                                      1.0,
                                      -42.0,
                                      std::numeric_limits<double>::max(),
                                      std::numeric_limits<double>::min(),
                                      std::numeric_limits<double>::denorm_min(),
                                      std::nextafter(0.1, 1.0)};
  for (double v : values) {
    const std::string text = csv_number(v);
    CAPTURE(text);
    CHECK(same_double(parse_double(text), v));
    const int digits = significant_digits(text);
    CHECK(round_trips_with(v, digits));
    if (digits > 1) CHECK_FALSE(round_trips_with(v, digits - 1));
  }
  // Neither a 17-digit expansion nor a lost digit.
  CHECK(significant_digits(csv_number(0.1)) == 1);
  CHECK(significant_digits(csv_number(123456789.125)) == 12);
  CHECK(significant_digits(csv_number(1e-300)) == 1);
  // Non-finite values in the spellings Python, pandas and R read.
  CHECK(csv_number(std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(csv_number(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(csv_number(-std::numeric_limits<double>::infinity()) == "-inf");
}

namespace {

// A two-axis spec whose axis values are awkward, with accuracy and energy, and its tasks: three
// trials per point, trial 0 carrying energy figures that test the number format.
struct AwkwardSweep {
  ExperimentSpec spec;
  std::vector<TaskResult> tasks;
  AwkwardSweep() {
    spec.name = "awkward";
    spec.trials = 3;
    spec.metrics = {"accuracy", "energy"};
    for (std::size_t i = 0; i < kAwkward.size(); ++i)
      spec.points.push_back({{"tile.device.prog_sigma_poly_siemens", kAwkward[i]},
                             {"label, with \"quotes\"", kAwkward[kAwkward.size() - 1 - i]}});
    const std::vector<double> numbers = {0.1, 1e-300, 123456789.125, 1.0 / 3.0, 2.5e-7, -0.0};
    for (std::size_t p = 0; p < spec.points.size(); ++p)
      for (std::size_t t = 0; t < 3; ++t) {
        TaskResult r;
        r.id = {p, t};
        r.has_accuracy = true;
        r.accuracy = 0.1 * static_cast<double>(p + 1) + 0.01 * static_cast<double>(t);
        if (t == 0) {
          r.has_energy = true;
          r.energy_j_analog = numbers[p % numbers.size()];
          r.energy_j_digital = numbers[(p + 1) % numbers.size()];
          r.latency_s_analog = numbers[(p + 2) % numbers.size()];
          r.latency_s_digital = numbers[(p + 3) % numbers.size()];
          r.area_m2_analog = numbers[(p + 4) % numbers.size()];
          r.area_m2_digital = numbers[(p + 5) % numbers.size()];
        }
        tasks.push_back(r);
      }
  }
  // The expected row of point p, numbers as doubles (nullopt for text columns).
  std::vector<std::optional<double>> numbers_of(std::size_t p) const {
    std::vector<double> acc;
    for (const TaskResult& t : tasks)
      if (t.id.point == p) acc.push_back(t.accuracy);
    const TrialStats s = trial_stats(acc);
    const TaskResult& first = tasks[p * 3];
    return {static_cast<double>(p),
            std::nullopt,
            std::nullopt,
            static_cast<double>(acc.size()),
            s.mean,
            s.std,
            s.mean - s.ci95,
            s.mean + s.ci95,
            first.energy_j_analog,
            first.energy_j_digital,
            first.latency_s_analog,
            first.latency_s_digital,
            first.area_m2_analog,
            first.area_m2_digital};
  }
};

}  // namespace

TEST_CASE("summary.csv: awkward axis values stay in their column and numbers read back exactly") {
  const AwkwardSweep sweep;
  const std::string csv = summary_csv(sweep.spec, sweep.tasks);
  const auto records = parse_rfc4180(csv);
  REQUIRE(records.has_value());
  REQUIRE(records->size() == sweep.spec.points.size() + 1);
  const std::vector<std::string>& header = records->front();
  REQUIRE(header.size() == 14);
  CHECK(header[1] == sweep.spec.points[0][0].first);
  CHECK(header[2] == sweep.spec.points[0][1].first);
  for (std::size_t p = 0; p < sweep.spec.points.size(); ++p) {
    CAPTURE(p);
    const std::vector<std::string>& row = (*records)[p + 1];
    REQUIRE(row.size() == header.size());
    CHECK(row[1] == sweep.spec.points[p][0].second);
    CHECK(row[2] == sweep.spec.points[p][1].second);
    const auto expected = sweep.numbers_of(p);
    for (std::size_t c = 0; c < row.size(); ++c)
      if (expected[c]) {
        CAPTURE(header[c]);
        CAPTURE(row[c]);
        CHECK(same_double(parse_double(row[c]), *expected[c]));
        CHECK(row[c] == csv_number(*expected[c]));
      }
  }
}

TEST_CASE("summary.csv: Python's csv module reads the same fields and the same numbers") {
  const AwkwardSweep sweep;
  test::TempDir dir;
  const std::string csv = dir.write("summary.csv", summary_csv(sweep.spec, sweep.tasks));
  // Python prints each field as x + the hex of its UTF-8 bytes (x: an empty field is still a
  // word), and repr(float(field)) -- itself the shortest round-trip form -- for numbers.
  const std::string script =
      dir.write("read.py",
                "import csv, sys\n"
                "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
                "    rows = list(csv.reader(f))\n"
                "with open(sys.argv[2], 'w') as out:\n"
                "    for r, row in enumerate(rows):\n"
                "        for c, field in enumerate(row):\n"
                "            try:\n"
                "                num = repr(float(field))\n"
                "            except ValueError:\n"
                "                num = '-'\n"
                "            out.write(f'{r} {c} x{field.encode().hex()} "
                "{num}\\n')\n");
  const std::string fields = dir.file("fields.txt");
  REQUIRE(std::system(
              ("/usr/bin/python3 '" + script + "' '" + csv + "' '" + fields + "'").c_str()) == 0);
  const auto expected = parse_rfc4180(summary_csv(sweep.spec, sweep.tasks));
  REQUIRE(expected.has_value());
  std::ifstream in(fields);
  std::size_t r = 0, c = 0, seen = 0;
  std::string hex, num;
  while (in >> r >> c >> hex >> num) {
    CAPTURE(r);
    CAPTURE(c);
    REQUIRE(r < expected->size());
    REQUIRE(c < (*expected)[r].size());
    REQUIRE(hex.front() == 'x');
    std::string bytes;
    for (std::size_t k = 1; k + 1 < hex.size(); k += 2)
      bytes += static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16));
    CHECK(bytes == (*expected)[r][c]);
    if (r > 0) {
      const auto number = sweep.numbers_of(r - 1)[c];
      if (number) {
        REQUIRE(num != "-");
        CHECK(same_double(parse_double(num), *number));
      }
    }
    ++seen;
  }
  std::size_t total = 0;
  for (const auto& row : *expected) total += row.size();
  CHECK(seen == total);
}
