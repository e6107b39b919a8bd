// Writes the seed corpora of the fuzz harnesses: make_seeds SOURCE_DIR OUT_DIR fills
// OUT_DIR/<harness>/ from the shipped files (architectures and their cards, workloads,
// experiment specs) and with small files in the formats xbarsim reads (models, data sets,
// result files, IDX files, task files). The HDF5 seeds are small on purpose: libFuzzer mutates
// inputs of its corpus's size, and the shipped models are near 1 MB. They use the 1.10 format
// with fixed-length strings, as xbarsim writes, whose metadata is checksummed, so that most
// mutations of metadata end as checksum errors rather than in libhdf5's known crashes; one
// model, in OUT_DIR/model_h5py/, uses h5py's defaults (earliest format, variable-length
// strings), as data/models/export.py writes.
#include <hdf5.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "io/hdf5_handle.hpp"
#include "xbarsim/experiment/task_result.hpp"
#include "xbarsim/io/result_file.hpp"

namespace fs = std::filesystem;
using xbarsim::detail::Handle;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

void copy_yaml(const fs::path& from_dir, const fs::path& to_dir, const std::string& prefix = "") {
  if (!fs::is_directory(from_dir)) return;
  for (const auto& e : fs::directory_iterator(from_dir))
    if (e.is_regular_file() && e.path().extension() == ".yaml")
      write_file(to_dir / (prefix + e.path().filename().string()), read_file(e.path()));
}

// ---- architecture seeds: each shipped architecture alone, and with its cards inlined in the
// harness's layout (fuzz_arch.cpp) so that the cards are mutated too ----

std::string inline_cards(const std::string& arch, const std::vector<fs::path>& card_dirs) {
  static const std::regex card(R"(card:\s*([A-Za-z0-9_./-]+\.yaml))");
  std::string out, tail;
  std::size_t k = 0;
  auto begin = std::sregex_iterator(arch.begin(), arch.end(), card);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator() && k < 16; ++it) {
    fs::path file;
    for (const fs::path& dir : card_dirs)
      if (file.empty() && fs::is_regular_file(dir / (*it)[1].str())) file = dir / (*it)[1].str();
    if (file.empty()) continue;
    out += arch.substr(last, it->position() - last) + "card: c" + std::to_string(++k) + ".yaml";
    last = it->position() + it->length();
    tail += "\n%%\n" + read_file(file);
  }
  return out + arch.substr(last) + tail;
}

void arch_seeds(const fs::path& src, const fs::path& out) {
  copy_yaml(src / "data/arch", out);
  for (const auto& [dir, prefix] :
       {std::pair{src / "data/arch", "inlined_"}, std::pair{src / "tests/data/config", "test_"}})
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().extension() == ".yaml")
        write_file(out / (prefix + e.path().filename().string()),
                   "#set tile.mapping.weight_bits=4\n" +
                       inline_cards(read_file(e.path()), {dir, src / "data/cards"}));
}

// ---- HDF5 writing ----

hid_t create(const fs::path& p, bool checksummed) {
  fs::create_directories(p.parent_path());
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (checksummed) H5Pset_libver_bounds(fapl.id, H5F_LIBVER_V110, H5F_LIBVER_V110);
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id);
  if (f < 0) throw std::runtime_error("cannot create " + p.string());
  return f;
}

struct Writer {
  bool fixed_strings = true;

  void attr(hid_t obj, const char* name, hid_t type, hid_t space, const void* data) const {
    Handle a(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    H5Awrite(a.id, type, data);
  }
  void strings(hid_t obj, const char* name, const std::vector<std::string>& v, bool scalar) const {
    const hsize_t n = v.size();
    Handle space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_cset(t.id, H5T_CSET_UTF8);
    if (fixed_strings) {
      std::size_t len = 1;
      for (const auto& s : v) len = std::max(len, s.size() + 1);
      H5Tset_size(t.id, len);
      std::vector<char> buf(len * n, '\0');
      for (std::size_t i = 0; i < n; ++i) v[i].copy(buf.data() + i * len, len - 1);
      attr(obj, name, t.id, space.id, buf.data());
    } else {
      H5Tset_size(t.id, H5T_VARIABLE);
      std::vector<const char*> ptrs;
      for (const auto& s : v) ptrs.push_back(s.c_str());
      attr(obj, name, t.id, space.id, ptrs.data());
    }
  }
  void str(hid_t obj, const char* name, const std::string& v) const {
    strings(obj, name, {v}, true);
  }
  void ints(hid_t obj, const char* name, const std::vector<long long>& v) const {
    const hsize_t n = v.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    attr(obj, name, H5T_STD_I64LE, space.id, v.data());
  }
  void int1(hid_t obj, const char* name, long long v) const {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    attr(obj, name, H5T_STD_I64LE, space.id, &v);
  }
  void real(hid_t obj, const char* name, double v) const {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    attr(obj, name, H5T_IEEE_F64LE, space.id, &v);
  }
  template <class T>
  void data(hid_t obj, const char* name, hid_t file_type, hid_t mem_type,
            const std::vector<hsize_t>& dims, const std::vector<T>& v) const {
    Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    Handle d(H5Dcreate2(obj, name, file_type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose);
    H5Dwrite(d.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  }
  void floats(hid_t obj, const char* name, const std::vector<hsize_t>& dims) const {
    hsize_t n = 1;
    for (hsize_t d : dims) n *= d;
    std::vector<float> v(n);
    // Variances must be positive; every other tensor gets both signs.
    const float offset = std::string(name) == "running_var" ? 0.125f : -0.5f;
    for (hsize_t i = 0; i < n; ++i) v[i] = 0.25f * static_cast<float>(i % 7) + offset;
    data(obj, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, dims, v);
  }
};

// ---- model seeds (docs/model_format.md) ----

struct LayerSpec {
  std::string name, type;
  std::vector<std::string> inputs;
  std::vector<std::pair<std::string, std::vector<hsize_t>>> datasets;
  std::vector<std::pair<std::string, std::vector<long long>>> pairs;  // kernel, stride, padding
};

void model(const fs::path& p, bool checksummed, const std::vector<long long>& input_shape,
           int classes, const std::vector<LayerSpec>& layers) {
  const Writer w{checksummed};
  Handle f(create(p, checksummed), H5Fclose);
  w.str(f.id, "format", "xbarsim.model");
  w.int1(f.id, "format_version", 1);
  w.str(f.id, "name", p.stem().string());
  w.ints(f.id, "input_shape", input_shape);
  w.int1(f.id, "num_classes", classes);
  w.real(f.id, "input_mean", 0.5);
  w.real(f.id, "input_std", 0.25);
  w.str(f.id, "producer", "tests/fuzz/make_seeds.cpp");
  Handle g(H5Gcreate2(f.id, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    char name[8];
    std::snprintf(name, sizeof(name), "%03zu", i);
    Handle l(H5Gcreate2(g.id, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    const LayerSpec& s = layers[i];
    w.str(l.id, "name", s.name);
    w.str(l.id, "type", s.type);
    w.strings(l.id, "inputs", s.inputs, false);
    for (const auto& [d, dims] : s.datasets) w.floats(l.id, d.c_str(), dims);
    for (const auto& [a, v] : s.pairs) w.ints(l.id, a.c_str(), v);
    if (s.type == "batchnorm") w.real(l.id, "eps", 1e-5);
  }
}

// `unchecksummed`: the h5py-defaults file. Kept out of the fuzzing corpus: a mutated byte in
// its unchecksummed global heap makes libhdf5 loop forever (libhdf5_crashes/README.md), so
// run_all.sh would only rediscover that; CTest replays it to cover variable-length strings.
void model_seeds(const fs::path& out, const fs::path& unchecksummed) {
  const std::vector<LayerSpec> mlp = {
      {"fc1", "dense", {"input"}, {{"weight", {3, 4}}, {"bias", {3}}}, {}},
      {"act1", "relu", {"fc1"}, {}, {}},
      {"fc2", "dense", {"act1"}, {{"weight", {2, 3}}, {"bias", {2}}}, {}}};
  model(out / "mlp.h5", true, {4}, 2, mlp);
  model(unchecksummed / "mlp_h5py_defaults.h5", false, {4}, 2, mlp);
  const std::vector<std::pair<std::string, std::vector<long long>>> same = {{"stride", {1, 1}},
                                                                            {"padding", {1, 1}}};
  model(out / "cnn.h5", true, {1, 6, 6}, 2,
        {{"conv1", "conv2d", {"input"}, {{"weight", {2, 1, 3, 3}}, {"bias", {2}}}, same},
         {"bn1",
          "batchnorm",
          {"conv1"},
          {{"gamma", {2}}, {"beta", {2}}, {"running_mean", {2}}, {"running_var", {2}}},
          {}},
         {"pool1",
          "maxpool2d",
          {"bn1"},
          {},
          {{"kernel", {2, 2}}, {"stride", {2, 2}}, {"padding", {0, 0}}}},
         {"pool2",
          "avgpool2d",
          {"pool1"},
          {},
          {{"kernel", {3, 3}}, {"stride", {1, 1}}, {"padding", {0, 0}}}},
         {"flat", "flatten", {"pool2"}, {}, {}},
         {"fc", "dense", {"flat"}, {{"weight", {2, 2}}, {"bias", {2}}}, {}}});
  model(out / "residual.h5", true, {4}, 3,
        {{"fc1", "dense", {"input"}, {{"weight", {4, 4}}, {"bias", {4}}}, {}},
         {"act1", "relu", {"fc1"}, {}, {}},
         {"sum", "add", {"act1", "input"}, {}, {}},
         {"fc2", "dense", {"sum"}, {{"weight", {3, 4}}, {"bias", {3}}}, {}}});
}

// ---- data set seeds (docs/datasets.md) ----

void dataset_seeds(const fs::path& out) {
  const Writer w;
  {
    Handle f(create(out / "uint8_nchw.h5", true), H5Fclose);
    std::vector<unsigned char> px(3 * 16);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 5);
    w.data(f.id, "images", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {3, 1, 4, 4}, px);
    w.data(f.id, "labels", H5T_STD_I64LE, H5T_NATIVE_LLONG, {3}, std::vector<long long>{0, 1, 1});
    w.int1(f.id, "num_classes", 2);
  }
  {
    Handle f(create(out / "float32_flat.h5", true), H5Fclose);
    w.floats(f.id, "images", {2, 5});
    w.data(f.id, "labels", H5T_STD_I32LE, H5T_NATIVE_INT, {2}, std::vector<int>{2, 0});
  }
  {
    Handle f(create(out / "float64_nhw.h5", true), H5Fclose);
    w.data(f.id, "images", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {2, 2, 3},
           std::vector<double>(12, 0.5));
    w.data(f.id, "labels", H5T_STD_U8LE, H5T_NATIVE_UCHAR, {2}, std::vector<unsigned char>{1, 0});
  }
}

// ---- result file seeds, written by xbarsim's own ResultFile ----

void result_seeds(const fs::path& out) {
  fs::create_directories(out);
  xbarsim::ResultFile r((out / "sweep.h5").string(), true);
  r.provenance("xbarsim sweep experiment.yaml", 42);
  r.attr("/", "kind", std::string("sweep"));
  r.attr("/", "experiment_name", std::string("seed"));
  r.attr("/", "points", std::int64_t{2});
  r.attr("/", "trials", std::int64_t{1});
  r.attr("/", "quick", std::int64_t{1});
  r.dataset("/results/accuracy_mean", {0.5, 0.75}, "1");
  r.dataset("/results/accuracy_ci95", {0.01, 0.02}, "1");
  r.dataset("/results/energy_j_analog", {1e-6, 2e-6}, "J");
  r.dataset("/results/energy_j_digital", {3e-6, 4e-6}, "J");
  r.attr("/points/00000", "label", std::string("adc.bits=4"));
  r.attr("/points/00001", "label", std::string("adc.bits=8"));
  r.text("/spec", "name: seed\n");
  r.commit();
  xbarsim::ResultFile e((out / "eval.h5").string(), true);
  e.provenance("xbarsim eval", 1);
  e.attr("/", "kind", std::string("eval"));
  e.attr("/", "images", 100.0);
  e.commit();
}

// ---- IDX seeds: the harness's kind byte, then a gzip file ----

std::string gzip(const std::string& raw) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, raw.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

void idx_seeds(const fs::path& out) {
  write_file(out / "labels",
             std::string(1, '\0') + gzip(be32(0x801) + be32(5) + std::string("\0\1\2\1\0", 5)));
  std::string pixels(3 * 4 * 4, '\0');
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<char>(i * 17);
  write_file(out / "images",
             std::string(1, '\1') + gzip(be32(0x803) + be32(3) + be32(4) + be32(4) + pixels));
}

// ---- task file seeds, written by xbarsim's own format_task ----

void task_seeds(const fs::path& out) {
  xbarsim::TaskResult a;
  a.id = {3, 1};
  a.key = "adc.bits=4 arch=reram trial=1";
  a.has_accuracy = true;
  a.accuracy = 0.8125;
  a.counts = {{"adc.conversions", 1024}, {"dac.conversions", 512}};
  write_file(out / "accuracy.yaml", xbarsim::format_task(a));
  xbarsim::TaskResult e = a;
  e.id = {0, 0};
  e.has_energy = true;
  e.images = 10;
  e.energy_j_analog = 1.5e-6;
  e.energy_breakdown_analog = {{"adc", 1e-6}, {"dac", 5e-7}};
  e.energy_breakdown_digital = {{"mac", 2e-6}};
  e.actions_analog = {{"adc", "convert", 1024, 1e-6}};
  e.actions_digital = {{"digital", "mac", 4096, 2e-6}};
  write_file(out / "energy.yaml", xbarsim::format_task(e));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds SOURCE_DIR OUT_DIR\n";
    return 2;
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const fs::path src = argv[1], out = argv[2];
  try {
    arch_seeds(src, out / "arch");
    copy_yaml(src / "data/workloads", out / "workload");
    for (const auto& e : fs::directory_iterator(src / "experiments"))
      if (fs::is_regular_file(e.path() / "experiment.yaml"))
        write_file(out / "experiment" / (e.path().filename().string() + ".yaml"),
                   read_file(e.path() / "experiment.yaml"));
    model_seeds(out / "model", out / "model_h5py");
    dataset_seeds(out / "dataset");
    result_seeds(out / "result");
    idx_seeds(out / "idx");
    task_seeds(out / "task");
    // The layout harness builds its files from its input: an empty program is its only seed.
    write_file(out / "hdf5_layout" / "empty", "");
  } catch (const std::exception& e) {
    std::cerr << "make_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
