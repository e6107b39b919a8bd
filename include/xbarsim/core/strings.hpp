#pragma once
#include <string>

namespace xbarsim {

// Appends `item` to a separated list (avoids GCC 12's false -Wrestrict on
// `(cond ? "" : sep) + str`, GCC bug 105329).
inline void append_item(std::string& list, const std::string& item, const char* sep = ", ") {
  if (!list.empty()) list += sep;
  list += item;
}

}  // namespace xbarsim
