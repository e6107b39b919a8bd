// Fuzz harness: an HDF5 model file (read_network, as `xbarsim eval --model` reads it), opened
// from memory.
#include "fuzz_support.hpp"
#include "xbarsim/nn/network.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const xbarsim::fuzz::Hdf5Image file(data, size);
  if (file.id() < 0) return 0;
  xbarsim::fuzz::expect_only_xbarsim_errors([&] { xbarsim::read_network(file.id(), "model.h5"); });
  return 0;
}
