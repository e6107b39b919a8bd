// One sweep task (include/xbarsim/experiment/run_task.hpp).
#include "xbarsim/experiment/run_task.hpp"

#include <algorithm>
#include <map>

#include "xbarsim/core/random.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/forward.hpp"
#include "xbarsim/nn/network.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/digital_baseline.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {

void TaskContext::load() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (loaded_) return;
  test_ = load_dataset(spec_.dataset, Split::kTest, spec_.limit);
  // Fashion-MNIST calibrates on its training split, never on the evaluation images; an HDF5
  // data set has one split and calibrates on its own first images.
  const bool fashion = spec_.dataset.rfind("fashion-mnist", 0) == 0;
  calibration_ = load_dataset(fashion ? std::string("fashion-mnist:train") : spec_.dataset,
                              Split::kTrain, spec_.calibration_images);
  loaded_ = true;
}

const Dataset& TaskContext::test_images() {
  load();
  return test_;
}

const Dataset& TaskContext::calibration_images() {
  load();
  return calibration_;
}

namespace {

std::vector<std::pair<std::string, double>> breakdown(const SystemReport& r) {
  std::map<std::string, double> by;
  for (const ActionLine& a : r.actions) by[a.component] += a.energy_j();
  return {by.begin(), by.end()};
}

std::vector<ActionTotal> action_totals(const SystemReport& r) {
  std::map<std::pair<std::string, std::string>, ActionTotal> by;
  for (const ActionLine& a : r.actions) {
    ActionTotal& t = by[{a.component, a.action}];
    t.component = a.component;
    t.action = a.action;
    t.count += a.count;
    t.energy_j += a.energy_j();
  }
  std::vector<ActionTotal> out;
  for (auto& [k, t] : by) out.push_back(std::move(t));
  return out;
}

double accuracy_of(const Network& net, const CrossbarProduct& product,
                   const AttentionProducts& attention, const Matrix& inputs,
                   const std::vector<int>& labels, Index batch) {
  Index correct = 0;
  for (Index b0 = 0; b0 < inputs.cols(); b0 += batch) {
    const Index n = std::min<Index>(batch, inputs.cols() - b0);
    const std::vector<int> pred =
        argmax_columns(forward(net, inputs.middleCols(b0, n), product, attention));
    for (Index i = 0; i < n; ++i)
      correct += pred[static_cast<std::size_t>(i)] == labels[static_cast<std::size_t>(b0 + i)];
  }
  return static_cast<double>(correct) / static_cast<double>(inputs.cols());
}

}  // namespace

void record_estimate(TaskResult& r, const Comparison& cmp) {
  const SystemReport& a = cmp.analog;
  const SystemReport& d = cmp.digital;
  r.has_energy = true;
  r.images = a.batch;
  r.energy_j_analog = a.energy_j();
  r.energy_j_digital = d.energy_j();
  r.latency_s_analog = a.latency_s;
  r.latency_s_digital = d.latency_s;
  r.area_m2_analog = a.area_m2();
  r.area_m2_digital = d.area_m2();
  r.setup_energy_j_analog = a.setup_energy_j();
  r.setup_energy_j_digital = d.setup_energy_j();
  r.peak_power_w_analog = a.peak_power_per_chip_w();
  r.peak_power_w_digital = d.peak_power_per_chip_w();
  r.energy_breakdown_analog = breakdown(a);
  r.energy_breakdown_digital = breakdown(d);
  r.actions_analog = action_totals(a);
  r.actions_digital = action_totals(d);
}

TaskResult run_task(const ExperimentSpec& spec, TaskId id, const ArchConfig& arch,
                    const Registry& registry, TaskContext& context) {
  TaskResult r;
  r.id = id;
  r.key = task_key(spec, id);
  const PointSetup ps = point_setup(spec, id.point);
  std::vector<ActionCounts> counts;
  std::unique_ptr<Network> net;
  if (!ps.model.empty()) net = std::make_unique<Network>(load_network(ps.model));
  if (spec.wants("accuracy")) {
    const Dataset& data = context.test_images();
    const NetworkTileModels models = make_network_tile_models(arch, registry);
    const Matrix inputs = normalise_inputs(*net, data.images);
    const Matrix calibration_inputs = normalise_inputs(*net, context.calibration_images().images);
    const ActivationRanges ranges = calibrate_ranges(*net, calibration_inputs, 1);
    // Seeds derive from the point and the trial only: any rank or thread gives the same cells.
    const std::uint64_t seed = derive_seed(spec.seed, StreamPurpose::kSweepPoint, {id.point});
    AnalogNetwork analog(*net, models, ranges, seed, static_cast<std::uint64_t>(id.trial), 1);
    analog.calibrate(calibration_inputs);
    r.has_accuracy = true;
    r.accuracy = accuracy_of(*net, analog.product(), analog.attention_products(), inputs,
                             data.labels, spec.batch);
    r.images = static_cast<double>(data.size());
    counts = analog.layer_counts();
    std::map<std::string, double> summed;
    for (std::size_t l = 0; l < counts.size(); ++l) {
      // Attention layers count when their products ran on rewritten arrays.
      if (!net->layers[l].uses_crossbar() && counts[l].cell_writes == 0) continue;
      for (const auto& [k, v] : counts[l].items()) summed[k] += v;
    }
    r.counts.assign(summed.begin(), summed.end());
  }
  if (spec.wants("energy") && id.trial == 0) {
    const Workload workload = net ? workload_from_network(*net) : load_workload(ps.workload);
    const double batch = r.images > 0 ? r.images : 1.0;
    record_estimate(r, compare(workload, arch, registry, batch, ComparisonOptions{},
                               counts.empty() ? nullptr : &counts));
  }
  return r;
}

}  // namespace xbarsim
