// Fuzz harness: a workload YAML file (load_workload, as `xbarsim energy --workload` reads it).
#include "fuzz_support.hpp"
#include "xbarsim/system/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      xbarsim::fuzz::scratch_file("workload.yaml", xbarsim::fuzz::as_text(data, size));
  xbarsim::fuzz::expect_only_xbarsim_errors([&] { xbarsim::load_workload(path); });
  return 0;
}
