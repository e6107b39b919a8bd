#pragma once
// What an HDF5 file's container looks like (docs/reliability.md): its superblock version, the
// objects whose headers carry no checksum, and its variable-length strings, read with the
// HDF5 C API, for the tests of the files the model exporter writes.
#include <hdf5.h>

#include <string>
#include <vector>

namespace xbarsim::nntest {

struct Hdf5Container {
  bool opened = false;
  unsigned superblock_version = 0;                   // 3 or more: the 1.10 format, checksummed
  std::vector<std::string> unchecksummed_objects;    // object header version 1
  std::vector<std::string> variable_length_strings;  // "object@attribute" or a dataset's path
};

namespace detail {

inline bool variable_string(hid_t type) {
  return H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0;
}

inline herr_t visit_attribute(hid_t object, const char* name, const H5A_info_t*, void* data) {
  auto* out = static_cast<std::pair<Hdf5Container*, std::string>*>(data);
  const hid_t a = H5Aopen(object, name, H5P_DEFAULT);
  const hid_t t = H5Aget_type(a);
  if (variable_string(t)) out->first->variable_length_strings.push_back(out->second + "@" + name);
  H5Tclose(t);
  H5Aclose(a);
  return 0;
}

inline herr_t visit_object(hid_t file, const char* name, const H5O_info_t* info, void* data) {
  auto* c = static_cast<Hdf5Container*>(data);
  if (info->hdr.version < 2) c->unchecksummed_objects.push_back(name);
  const hid_t o = H5Oopen(file, name, H5P_DEFAULT);
  std::pair<Hdf5Container*, std::string> where{c, name};
  hsize_t index = 0;
  H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_NATIVE, &index, visit_attribute, &where);
  if (info->type == H5O_TYPE_DATASET) {
    const hid_t t = H5Dget_type(o);
    if (variable_string(t)) c->variable_length_strings.push_back(name);
    H5Tclose(t);
  }
  H5Oclose(o);
  return 0;
}

}  // namespace detail

inline Hdf5Container hdf5_container(const std::string& path) {
  Hdf5Container c;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return c;
  c.opened = true;
  H5F_info2_t info;
  if (H5Fget_info2(f, &info) >= 0) c.superblock_version = info.super.version;
  H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_NATIVE, detail::visit_object, &c,
            H5O_INFO_BASIC | H5O_INFO_HDR);
  H5Fclose(f);
  return c;
}

}  // namespace xbarsim::nntest
