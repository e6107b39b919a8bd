#pragma once
// Private to src/io: RAII for HDF5 C API handles, shared by the HDF5 readers and writers.
#include <hdf5.h>

namespace xbarsim::detail {

// Closes an HDF5 handle on scope exit, whatever path the code takes. A negative id (a failed
// H5*open/create call) is not closed. Not copyable: one owner per handle.
struct Handle {
  Handle(hid_t handle_id, herr_t (*closer)(hid_t)) : id(handle_id), close(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id >= 0) close(id);
  }
  hid_t id;
  herr_t (*close)(hid_t);
};

// File access for the files xbarsim writes: the 1.10 object format, whose metadata (object
// headers, B-trees, heaps of the new format) carries checksums, so that a corrupted byte is
// reported as a checksum error instead of being parsed (docs/reliability.md).
inline hid_t checksummed_file_access() {
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl >= 0) H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
  return fapl;
}

// HDF5 prints its own error stack by default; we report errors ourselves.
inline void silence_hdf5() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

}  // namespace xbarsim::detail
