// The optimizer's driver (include/xbarsim/optimize/optimize.hpp, docs/optimizer.md).
#include "xbarsim/optimize/optimize.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>

#include "xbarsim/core/error.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/io/text_file.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/evaluation.hpp"
#include "xbarsim/nn/forward.hpp"
#include "xbarsim/optimize/allocation_eval.hpp"
#include "xbarsim/optimize/knobs.hpp"
#include "xbarsim/optimize/optimize_files.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim {

namespace fs = std::filesystem;

ObjectiveInfo objective_info(const std::string& objective) {
  if (objective == "energy") return {"energy_per_inference_j", "J"};
  if (objective == "latency") return {"latency_s", "s"};
  if (objective == "area") return {"area_m2", "m^2"};
  throw ConfigError("--objective", objective,
                    "unknown objective: expected energy, latency or area");
}

namespace {

// The Fashion-MNIST splits the optimizer reads (docs/optimizer.md#data).
constexpr const char* kTrainSplit = "fashion-mnist:train";
constexpr const char* kTestSplit = "fashion-mnist:test";

SettingCosts costs_of(const ArchConfig& arch, const Workload& workload, const Registry& registry) {
  // Shape-only estimate of one inference: deterministic, the same for every trial, and what
  // `xbarsim energy` reports for the setting (docs/optimizer.md#objective).
  const Comparison c = compare(workload, arch, registry, 1.0, ComparisonOptions{});
  return {c.analog.energy_j(), c.analog.latency_s, c.analog.area_m2()};
}

double pick(const SettingCosts& c, const std::string& objective) {
  if (objective == "latency") return c.latency_s;
  if (objective == "area") return c.area_m2;
  return c.energy_per_inference_j;
}

// Thrown by the test hook --stop-after: the run ends as if killed.
struct Stopped {};

}  // namespace

OptimizeSetup prepare_optimization(const OptimizeOptions& o, const Registry& registry) {
  if (!(o.max_drop > 0 && o.max_drop < 1))
    throw ConfigError("--max-accuracy-drop", "",
                      "must be a fraction in (0, 1), e.g. 0.005 for half a point; got " +
                          std::to_string(o.max_drop));
  if (!(o.confidence > 0 && o.confidence < 1))
    throw ConfigError("--confidence", "", "must be in (0, 1), e.g. 0.95");
  objective_info(o.objective);
  OptimizeSetup s{o, load_arch(o.arch_path, o.overrides, registry), Network{}, {}, {}, {}, {}, {}};
  if (!s.arch.system)
    throw ConfigError(s.arch.file, "chip",
                      "the optimizer prices each setting with the chip's cards, and this "
                      "architecture has no chip section");
  if (!s.arch.layers.empty())
    throw ConfigError(s.arch.file, "layers",
                      "the optimizer sets every layer's knobs itself; remove the per-layer "
                      "entries (" +
                          s.arch.layers_summary() + ")");
  s.knobs = parse_knobs(o.knobs, o.ranges, s.arch, registry, 1);
  s.net = load_network(o.model_file);
  s.layers = crossbar_layer_names(s.net);
  if (s.layers.empty()) throw ConfigError(o.model_file, "", "the model has no crossbar layer");
  const bool has_attention =
      std::any_of(s.net.layers.begin(), s.net.layers.end(),
                  [](const Layer& l) { return l.type == LayerType::kAttention; });
  if (has_attention && s.arch.attention.products == AttentionProductsOn::kInMemory)
    throw ConfigError(s.arch.file, "attention.products",
                      "the optimizer searches the ADC bits of the weight layers with attention "
                      "run digitally; in_memory attention arrays are not among its knobs. Set "
                      "attention.products: digital (--set attention.products=digital)");
  // Calibration: the first images of the training split, as `xbarsim eval` takes them; search:
  // the next ones, so the two never share an image; test: the test split.
  const Index wanted = o.calibration_images + o.search_images;
  const Dataset train = load_dataset(kTrainSplit, Split::kTrain, wanted);
  if (train.size() < wanted)
    throw ConfigError("--search-images", std::to_string(o.search_images),
                      "needs " + std::to_string(o.search_images) + " training images after the " +
                          std::to_string(o.calibration_images) + " calibration images, but " +
                          train.name + " has " + std::to_string(train.size()) + "; at most " +
                          std::to_string(std::max<Index>(0, train.size() - o.calibration_images)));
  auto part = [&](Index first, Index count, const std::string& what) {
    Dataset d;
    d.name = train.name + " " + what + " [" + std::to_string(first) + ", " +
             std::to_string(first + count) + ")";
    d.shape = train.shape;
    d.num_classes = train.num_classes;
    d.images = train.images.middleCols(first, count);
    d.labels.assign(train.labels.begin() + first, train.labels.begin() + first + count);
    return d;
  };
  s.calibration = part(0, o.calibration_images, "calibration");
  s.search = part(o.calibration_images, o.search_images, "search");
  s.test = load_dataset(kTestSplit, Split::kTest, o.test_images);
  if (s.test.num_classes > s.net.num_classes || s.search.num_classes > s.net.num_classes)
    throw ShapeError("the data's labels exceed model '" + s.net.name + "''s " +
                     std::to_string(s.net.num_classes) + " classes");
  normalise_inputs(s.net, s.search.images.leftCols(1));  // shape check before any work
  return s;
}

OptimizeResult run_optimization(const OptimizeSetup& s, const Registry& registry,
                                TaskRunner& runner,
                                const std::function<void(const std::string&)>& progress) {
  const OptimizeOptions& o = s.options;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  runner.collective([&] {
    if (runner.owner()) prepare_optimize_folder(o.out_dir, o.resume);
  });
  const Workload workload = workload_from_network(s.net);
  const Matrix calibration = normalise_inputs(s.net, s.calibration.images);
  const ActivationRanges ranges = calibrate_ranges(s.net, calibration, o.threads);
  const ScoredImages search{calibration, normalise_inputs(s.net, s.search.images), s.search.labels,
                            o.batch};
  const std::vector<std::uint8_t> search_float = float_correctness(s.net, search, o.threads);
  AllocationEvaluator evaluator(s.net, ranges, search, o.seed, o.cache_bytes);

  // Everything a result depends on besides the setting and the trial: a file whose key differs
  // is another run's (docs/optimizer.md#parallel-runs-determinism-and-resume).
  std::string base = "arch=" + s.arch.file + " model=" + o.model_file +
                     " seed=" + std::to_string(o.seed) +
                     " calibration_images=" + std::to_string(o.calibration_images) +
                     " batch=" + std::to_string(o.batch);
  for (const Override& ov : o.overrides) base += " set:" + ov.path + "=" + ov.value;

  std::map<Setting, SettingCosts> costs;
  std::mutex costs_mutex;
  auto arch_of = [&](const Setting& setting) {
    std::vector<Override> ov = o.overrides;
    for (const Override& x : setting_overrides(s.layers, s.knobs, setting)) ov.push_back(x);
    return load_arch(o.arch_path, ov, registry);
  };
  auto costs_of_setting = [&](const Setting& setting) {
    {
      std::lock_guard<std::mutex> lock(costs_mutex);
      const auto it = costs.find(setting);
      if (it != costs.end()) return it->second;
    }
    const SettingCosts c = costs_of(arch_of(setting), workload, registry);
    std::lock_guard<std::mutex> lock(costs_mutex);
    costs[setting] = c;
    return c;
  };

  OptimizeResult result;
  std::atomic<std::int64_t> computed{0};
  // Evaluates every (setting, trial) of `settings` on `images` (through `eval`), reading back
  // what an earlier run saved under --resume, and returns per setting the trials' correctness.
  auto evaluate_all = [&](const std::vector<Setting>& settings, const std::string& set_key,
                          AllocationEvaluator& eval) {
    const auto trials = static_cast<std::size_t>(o.trials);
    std::vector<std::string> keys, known;
    for (const Setting& st : settings)
      for (std::size_t t = 0; t < trials; ++t) {
        keys.push_back(base + " " + set_key + " " + setting_label(s.layers, s.knobs, st) +
                       " trial=" + std::to_string(t));
        std::string text;
        if (o.resume && runner.owner()) {
          const std::string path = evaluation_file(o.out_dir, keys.back());
          std::error_code ec;
          if (fs::is_regular_file(path, ec)) {
            text = read_text_file(path);
            if (!parse_evaluation(text, keys.back())) text.clear();  // torn: recomputed
          }
        }
        if (!text.empty()) ++result.tasks_resumed;
        known.push_back(text);
      }
    const std::vector<std::string> texts = runner.run(
        known,
        [&](std::size_t i, int share) {
          if (o.stop_after >= 0 && computed.load() >= o.stop_after) throw Stopped{};
          const Setting& st = settings[i / trials];
          const NetworkTileModels models = make_network_tile_models(arch_of(st), registry);
          std::vector<std::string> layer_keys;
          for (std::size_t l = 0; l < s.layers.size(); ++l) {
            std::string k;
            for (std::size_t j = 0; j < s.knobs.size(); ++j)
              k += s.knobs[j].key + "=" + std::to_string(st[l * s.knobs.size() + j]) + ";";
            layer_keys.push_back(k);
          }
          const std::vector<std::uint8_t> c =
              eval.correctness(layer_keys, models, i % trials, o.threads * share);
          ++computed;
          return format_evaluation(keys[i], c);
        },
        [&](std::size_t i, const std::string& text) {
          write_file_durably(evaluation_file(o.out_dir, keys[i]), text);
        });
    std::vector<std::vector<std::vector<std::uint8_t>>> out(settings.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      std::optional<std::vector<std::uint8_t>> c = parse_evaluation(texts[i], keys[i]);
      if (!c) throw Error("optimize: evaluation " + keys[i] + " came back damaged");
      out[i / trials].push_back(std::move(*c));
    }
    return out;
  };

  SearchProblem problem;
  problem.layers = s.layers.size();
  problem.knobs = s.knobs;
  problem.max_drop = o.max_drop;
  problem.scan_uniform = o.scan_uniform;
  problem.objective = [&](const Setting& st) { return pick(costs_of_setting(st), o.objective); };
  std::int64_t round = 0;
  problem.evaluate = [&](const std::vector<Setting>& settings) {
    std::vector<AccuracyBound> bounds;
    for (const auto& trials : evaluate_all(settings, "search", evaluator))
      bounds.push_back(paired_accuracy_bound(search_float, trials, o.confidence));
    if (progress)
      progress("[" + std::to_string(static_cast<long long>(elapsed())) + " s] round " +
               std::to_string(round) + ": " + std::to_string(settings.size()) + " setting" +
               (settings.size() > 1 ? "s" : "") + " evaluated");
    ++round;
    return bounds;
  };
  try {
    result.search = search_allocation(problem);
    if (result.search.chosen) {
      const Setting& chosen = result.search.evaluated[*result.search.chosen].setting;
      const ScoredImages test{calibration, normalise_inputs(s.net, s.test.images), s.test.labels,
                              o.batch};
      const std::vector<std::uint8_t> test_float = float_correctness(s.net, test, o.threads);
      // Scored once, so no layer output is worth keeping.
      AllocationEvaluator test_eval(s.net, ranges, test, o.seed, 0);
      const auto trials =
          evaluate_all({chosen}, "test test_images=" + std::to_string(s.test.size()), test_eval);
      result.test = paired_accuracy_bound(test_float, trials.at(0), o.confidence);
      YAML::Emitter e;
      e << arch_of(chosen).resolved;
      result.chosen_arch_yaml = e.c_str();
      if (progress)
        progress("[" + std::to_string(static_cast<long long>(elapsed())) +
                 " s] the allocation re-checked on " + std::to_string(s.test.size()) +
                 " test images");
    }
  } catch (const Stopped&) {
    result.complete = false;
  }
  for (const Candidate& c : result.search.evaluated)
    result.costs.push_back(costs_of_setting(c.setting));
  result.pareto = pareto_front(result.search.evaluated);
  result.tasks_computed = computed.load();
  result.layers_reused = evaluator.layers_reused();
  result.layers_computed = evaluator.layers_computed();
  result.seconds = elapsed();
  if (result.complete && runner.owner()) write_optimize_results(s, result, o.out_dir);
  return result;
}

}  // namespace xbarsim
