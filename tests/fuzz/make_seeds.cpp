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
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "io/hdf5_handle.hpp"
#include "seed_files.hpp"
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

// ---- model and data set seeds (seed_files.hpp) ----

// `unchecksummed`: the h5py-defaults file. Kept out of the fuzzing corpus: a mutated byte in
// its unchecksummed global heap makes libhdf5 loop forever (libhdf5_crashes/README.md), so
// run_all.sh would only rediscover that; CTest replays it to cover variable-length strings.
void model_seeds(const fs::path& out, const fs::path& unchecksummed) {
  for (int k = 0; k < 3; ++k) {
    Handle f(create(out / (std::string(xbarsim::fuzz::kSeedModels[k]) + ".h5"), true), H5Fclose);
    xbarsim::fuzz::write_seed_model(f.id, k);
  }
  Handle f(create(unchecksummed / "mlp_h5py_defaults.h5", false), H5Fclose);
  xbarsim::fuzz::write_seed_model(f.id, 0, /*fixed_strings=*/false);
}

void dataset_seeds(const fs::path& out) {
  for (int k = 0; k < 3; ++k) {
    Handle f(create(out / (std::string(xbarsim::fuzz::kSeedDatasets[k]) + ".h5"), true), H5Fclose);
    xbarsim::fuzz::write_seed_dataset(f.id, k);
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
  r.attr("/", "trials", std::int64_t{2});
  r.attr("/", "quick", std::int64_t{1});
  r.matrix("/results/accuracy", {0.5, 0.5, 0.75, 0.75}, 2, 2, "1");
  r.dataset("/results/accuracy_mean", {0.5, 0.75}, "1");
  r.dataset("/results/accuracy_std", {0.0, 0.0}, "1");
  r.dataset("/results/accuracy_ci95", {0.01, 0.02}, "1");
  r.dataset("/results/energy_j_analog", {1e-6, 2e-6}, "J");
  r.dataset("/results/energy_j_digital", {3e-6, 4e-6}, "J");
  r.dataset("/results/energy_per_inference_j_analog", {1e-7, 2e-7}, "J");
  r.dataset("/results/energy_per_inference_j_digital", {3e-7, 4e-7}, "J");
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
    // The layout harness builds its files from its input: programs that only pick a starting
    // layout (empty, a seed model, a seed data set, a result file).
    for (char base = 0; base < 8; ++base)
      write_file(out / "hdf5_layout" / ("base_" + std::to_string(base)), std::string(1, base));
    // Output paths: a writer and --force byte, then an entry of the harness's scratch tree.
    const char* entries[] = {"file",         "link",    "fifo",   "dir",     "dangling",
                             "dirlink/keep", "foreign", "new.h5", "dir/new", "link/x"};
    for (char mode = 0; mode < 6; ++mode)
      for (std::size_t k = 0; k < std::size(entries); ++k)
        write_file(
            out / "output_paths" / ("writer_" + std::to_string(mode) + "_" + std::to_string(k)),
            std::string(1, mode) + entries[k]);
  } catch (const std::exception& e) {
    std::cerr << "make_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
