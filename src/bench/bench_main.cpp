// Throughput benchmark: simulated cell-MAC rate of the analog engine against the float32
// GEMM MAC rate in the same binary and on the same threads, and the logical rate (one MAC per
// weight per input vector, what the float product does), plus the time to program the
// matrix (where the IR-drop solve is paid). Prints its figures; the numbers recorded in
// docs/performance.md come from here.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/parallel.hpp"
#include "xbarsim/core/parallel_gemm.hpp"
#include "xbarsim/engine/analog_matrix.hpp"

using namespace xbarsim;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Best of `repeats` runs: the least disturbed measurement of a deterministic computation.
template <class F>
double best_seconds(int repeats, F&& f) {
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

struct Case {
  std::string label;
  std::string arch;
  std::vector<std::string> sets;
};

}  // namespace

int main(int argc, char** argv) {
  // Same allocator settings as the xbarsim binary (see src/app/main.cpp).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const int threads = resolve_thread_count(argc > 1 ? std::stoi(argv[1]) : 0);
  const Index n = 512, batch = 256;
  const std::string arch_dir = data_dir() + "/arch/";
  const std::vector<Case> cases = {
      {"reram: 1-bit DAC x 8 cycles, 4 slices, 8-bit ADC, variation + read noise",
       "reram.yaml",
       {}},
      {"reram: 8-bit DAC (bit-parallel), 1 weight slice, 8-bit ADC, variation + read noise",
       "reram.yaml",
       {"tile.dac.bits=8", "tile.mapping.weight_encoding=continuous"}},
      {"sram: 1-bit cells, 7 slices, 1-bit DAC, 8-bit ADC, mismatch", "sram.yaml", {}},
      {"ideal: continuous devices and converters", "ideal.yaml", {}},
      {"reram with exact IR drop (tile.wires defaults), otherwise as the first case",
       "reram.yaml",
       {"tile.wires.ir_drop=exact"}},
      {"reram with first-order IR drop (tile.wires defaults), otherwise as the first case",
       "reram.yaml",
       {"tile.wires.ir_drop=first_order"}},
  };
  Matrix w = Matrix::Random(n, n);
  Matrix x = Matrix::Random(n, batch);  // signed inputs: two phases
  Matrix x_pos = x.cwiseAbs();          // unsigned inputs: one phase

  // Float reference: same chunking and threads as the engine.
  const double ref_s =
      best_seconds(20, [&] { parallel_product(w, x, threads, AnalogMatrix::kBatchChunk); });
  const double ref_rate = static_cast<double>(n) * n * batch / ref_s;
  std::printf("xbarsim_bench: %ld x %ld matrix, batch %ld, %d threads\n", (long)n, (long)n,
              (long)batch, threads);
  std::printf("float32 GEMM reference: %.4f s, %.3g MAC/s\n\n", ref_s, ref_rate);
  std::printf("%-86s %7s %9s %9s %10s %8s %8s\n", "case", "inputs", "program_s", "analog_s",
              "cellMAC/s", "ratio", "logical");
  for (const Case& c : cases) {
    std::vector<Override> overrides = parse_overrides(c.sets);
    const ArchConfig arch = load_arch(arch_dir + c.arch, overrides, builtin_registry());
    const auto models = make_tile_models(arch, builtin_registry());
    for (const Matrix* in : {&x, &x_pos}) {
      const auto t0 = std::chrono::steady_clock::now();
      AnalogMatrix a(w, models, StreamKey{1, 0, 0}, c.label, threads);
      const double program_s = seconds_since(t0);
      a.calibrate(*in, 1.0);
      ActionCounts counts;
      const double s = best_seconds(3, [&] {
        counts = ActionCounts{};
        a.multiply(*in, 1.0, &counts);
      });
      const double rate = counts.cell_macs / s;
      const double logical = static_cast<double>(n) * n * batch / s;
      std::printf("%-86s %7s %9.3f %9.4f %10.3g %8.3f %8.3f\n", c.label.c_str(),
                  in == &x ? "signed" : "unsign", program_s, s, rate, rate / ref_rate,
                  logical / ref_rate);
    }
  }
  return 0;
}
