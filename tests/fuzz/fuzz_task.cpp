// Fuzz harness: a sweep task file, as `xbarsim sweep --resume` reads it back (parse_task).
#include "fuzz_support.hpp"
#include "xbarsim/experiment/task_result.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(xbarsim::fuzz::as_text(data, size));
  xbarsim::fuzz::expect_only_xbarsim_errors(
      [&] { xbarsim::parse_task(text, "tasks/point_00000_trial_0000.yaml"); });
  return 0;
}
