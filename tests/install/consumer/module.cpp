// A shared object that links xbarsim, as the Python extension module does: its data_dir() must
// be found from this .so, not from the program that loads it. tests/install/run_install_test.sh
// loads it into Python with ctypes, through a relative path, and changes folder before calling.
#include <exception>
#include <string>

#include "xbarsim/config/data_dir.hpp"

// The data folder, or "error: <message>".
extern "C" __attribute__((visibility("default"))) const char* xbarsim_consumer_data_dir() {
  static std::string result;
  try {
    result = xbarsim::data_dir();
  } catch (const std::exception& e) {
    result = std::string("error: ") + e.what();
  }
  return result.c_str();
}
