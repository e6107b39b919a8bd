// Fuzz harness: an experiment spec (load_experiment, as `xbarsim sweep` reads it), in its
// full and its --quick form.
#include "fuzz_support.hpp"
#include "xbarsim/experiment/experiment_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      xbarsim::fuzz::scratch_file("experiment.yaml", xbarsim::fuzz::as_text(data, size));
  for (bool quick : {false, true})
    xbarsim::fuzz::expect_only_xbarsim_errors([&] { xbarsim::load_experiment(path, quick); });
  return 0;
}
