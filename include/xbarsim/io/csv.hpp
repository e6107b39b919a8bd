#pragma once
// Writing CSV (RFC 4180): fields quoted only when they must be, numbers in their shortest
// round-trip form.
//
// Quoting is written here rather than taken from a library on purpose: Debian 12's only C or
// C++ CSV writer is libcsv (libcsv-dev 3.0.3), whose upstream has not released since 2013 and
// whose csv_write puts every field in quotes, numbers included (readers that honour quoting,
// such as Python's csv.QUOTE_NONNUMERIC, then take the numbers for text); libfccp-dev only
// parses. RFC 4180's rule for a writer fits in csv_field below, and tests/experiment/
// test_csv.cpp checks it against Python's csv module and a reader written from the grammar.
#include <string>
#include <string_view>
#include <vector>

#include "xbarsim/core/strings.hpp"

namespace xbarsim {

// One field: as is, unless it holds a comma, a double quote, CR or LF; then in double quotes,
// each quote doubled (RFC 4180 section 2, rules 6 and 7).
inline std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// Numbers in their shortest round-trip form (0.1, not 0.10000000000000001); nan, inf and -inf
// are the spellings Python, pandas and R read.
inline std::string csv_number(double v) {
  return shortest_number(v);
}

// A record: the fields, already formatted, quoted where needed and joined by commas; CRLF is
// RFC 4180's line break, but LF alone is what every reader accepts and what the rest of the
// project writes, so records end with "\n".
inline std::string csv_record(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_field(fields[i]);
  }
  out += '\n';
  return out;
}

}  // namespace xbarsim
