// Fuzz harness: a user's HDF5 data set (read_hdf5_dataset, as `xbarsim eval --dataset` reads
// it), opened from memory, read whole and with a sample limit.
#include "fuzz_support.hpp"
#include "xbarsim/io/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const xbarsim::fuzz::Hdf5Image file(data, size);
  if (file.id() < 0) return 0;
  for (xbarsim::Index limit : {0, 1})
    xbarsim::fuzz::expect_only_xbarsim_errors(
        [&] { xbarsim::read_hdf5_dataset(file.id(), "data.h5", limit); });
  return 0;
}
