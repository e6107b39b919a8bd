#pragma once
// The layout of HDF5 result files (docs/result_format.md#hdf5), shared by `xbarsim sweep`
// (results.h5) and `xbarsim eval -o`. An eval run is written as a sweep of one point by the
// same functions, so that a reader finds the same quantity under the same name, shape, unit
// and attributes in both.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/experiment/experiment_spec.hpp"
#include "xbarsim/experiment/task_result.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/nn/evaluation.hpp"
#include "xbarsim/system/digital_baseline.hpp"

namespace xbarsim {

// What a result file holds of one point.
struct ResultPoint {
  std::string label;       // its axis values, "path=value ..." (empty for eval)
  std::uint64_t seed = 0;  // the stream seed its trials derive from
  const ArchConfig* arch = nullptr;
  // The digital baseline its energy is compared with; none without an energy estimate.
  std::optional<DigitalBaseline> digital;
  std::vector<double> accuracy;          // analog top-1 accuracy per trial (empty: not measured)
  const TaskResult* estimate = nullptr;  // trial 0: images, energy, latency, area, counts
};

// What an energy dataset is per (its `per` attribute).
inline constexpr const char* kPerBatch = "batch";          // the whole batch of `batch` inferences
inline constexpr const char* kPerInference = "inference";  // the batch's energy / `batch`
inline constexpr const char* kPerAction = "action";        // one action (actions/*/*/*)
inline constexpr const char* kPerWeightLoad = "weight_load";  // the one-time weight load

// Root attributes every result file starts with: the provenance, `kind` (sweep or eval),
// `points` and `trials`.
void write_result_header(ResultFile& out, const std::string& kind, const std::string& command_line,
                         std::uint64_t master_seed, std::size_t points, std::int64_t trials);

// /axes: one typed dataset per axis path, one value per point (docs/result_format.md#axes).
// An eval run has no axes: an empty group.
void write_axes(ResultFile& out, const std::vector<SweepPoint>& points);

// /points/NNNNN (label, seed, the resolved architecture and digital baseline) and /cards
// (every card file any of them used, once).
void write_points(ResultFile& out, const std::vector<ResultPoint>& points);

// /results: accuracy over the trials (when `accuracy`), the estimate (when `energy`), the
// images and the engine's counts. Every point must hold `trials` accuracies and an estimate.
void write_point_results(ResultFile& out, const std::vector<ResultPoint>& points,
                         std::int64_t trials, bool accuracy, bool energy);

// The whole -o file of `xbarsim eval` (not committed): a sweep of one point, with the
// references (float32, int8), the per-layer counts and the system reports as JSON besides.
// `registry` loads the digital baseline the comparison used, to store it.
void write_eval_results(ResultFile& out, const EvalResult& r, const ArchConfig& arch,
                        const std::string& model_file, const std::string& command_line,
                        const Registry& registry);

}  // namespace xbarsim
