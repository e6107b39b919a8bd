#pragma once
#include <array>
#include <charconv>
#include <cmath>
#include <string>

namespace xbarsim {

// Appends `item` to a separated list (avoids GCC 12's false -Wrestrict on
// `(cond ? "" : sep) + str`, GCC bug 105329).
inline void append_item(std::string& list, const std::string& item, const char* sep = ", ") {
  if (!list.empty()) list += sep;
  list += item;
}

// The shortest decimal text that reads back as the same double (std::to_chars without a
// precision): 0.1, not 0.10000000000000001. NaN and infinities as nan, inf and -inf.
inline std::string shortest_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  std::array<char, 32> buf{};  // the longest shortest form of a double has 24 characters
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), ec == std::errc() ? end : buf.data());
}

}  // namespace xbarsim
