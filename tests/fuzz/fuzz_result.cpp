// Fuzz harness: a result file, as `xbarsim inspect` reads and prints it
// (print_result_summary), opened from memory; the printed text is discarded.
#include <sstream>

#include "../../src/app/result_summary.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const xbarsim::fuzz::Hdf5Image file(data, size);
  if (file.id() < 0) return 0;
  std::ostringstream out;
  xbarsim::fuzz::expect_only_xbarsim_errors(
      [&] { xbarsim::app::print_result_summary(file.id(), "results.h5", out); });
  return 0;
}
