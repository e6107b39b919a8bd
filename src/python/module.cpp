// The `xbarsim` Python module (docs/python.md): a thin layer over the public headers. Every
// job returns the fields of the CLI's --format json, as dicts and numpy arrays.
#include <malloc.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

#include "python_values.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/parallel.hpp"
#include "xbarsim/engine/analog_matrix.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/experiment/experiment_spec.hpp"
#include "xbarsim/experiment/sweep.hpp"
#include "xbarsim/nn/backends.hpp"
#include "xbarsim/nn/evaluation.hpp"
#include "xbarsim/nn/forward.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/report_json.hpp"
#include "xbarsim/system/workload.hpp"
#include "xbarsim/version.hpp"

namespace xbarsim::python {
namespace {

// An architecture file with its overrides, resolved and checked once.
struct Arch {
  ArchConfig config;
  std::string path;
};

Arch make_arch(const std::string& name_or_path, const py::dict& overrides) {
  Arch a;
  a.path = resolve_shipped(name_or_path, "arch", "architecture");
  a.config = load_arch(a.path, overrides_from(overrides), builtin_registry());
  return a;
}

// One matrix programmed on the tiles of an architecture (xbarsim.program).
class ProgrammedMatrix {
 public:
  ProgrammedMatrix(const Arch& arch, const FloatArray& weights, std::uint64_t seed, int threads)
      : threads_(resolve_thread_count(threads)) {
    if (!arch.config.layers.empty())
      throw ConfigError(arch.config.file, "layers." + arch.config.layers.begin()->first,
                        "program() takes one matrix, which is no layer of a network: per-layer "
                        "tile settings do not apply (set the tile keys themselves)");
    models_ = make_tile_models(arch.config, builtin_registry());
    // W is (outputs, inputs) in C order, as torch's Linear stores it: its column-major view
    // is W^T, so the engine's W is one transpose away (programming copies the matrix anyway).
    const Matrix w = as_columns(weights, "W").transpose();
    inputs_ = w.cols();
    py::gil_scoped_release release;
    matrix_ = std::make_unique<AnalogMatrix>(w, models_, StreamKey{seed, 0, 0}, "xbarsim.program W",
                                             threads_);
  }

  void calibrate(const FloatArray& x, std::optional<double> input_range) {
    const auto columns = check_inputs(x);
    const double range = range_for(columns, input_range);
    py::gil_scoped_release release;
    matrix_->calibrate(columns, range);
    calibrated_ = true;
  }

  py::array_t<float> mvm(const FloatArray& x, std::optional<double> input_range) {
    if (!calibrated_ && models_->adc->range_mode() == AdcRangeMode::kCalibrated &&
        models_->adc->bits() > 0)
      throw ConfigError("", "tile.adc.range",
                        "the ADC ranges are calibrated: call matrix.calibrate(X_calibration) "
                        "before mvm, or set tile.adc.range to fixed or absolute");
    const auto columns = check_inputs(x);
    const double range = range_for(columns, input_range);
    Matrix y;
    {
      py::gil_scoped_release release;
      last_ = ActionCounts{};
      y = matrix_->multiply(columns, range, &last_);
      total_ += last_;
    }
    return to_rows(std::move(y));
  }

  py::dict counts(const ActionCounts& c) const {
    py::dict d;
    for (const auto& [k, v] : c.items()) d[py::str(k)] = v;
    return d;
  }
  py::dict last_counts() const { return counts(last_); }
  py::dict total_counts() const { return counts(total_); }
  Index rows() const { return matrix_->plan().inputs; }
  Index cols() const { return matrix_->plan().outputs; }
  Index arrays() const { return matrix_->plan().arrays(); }

 private:
  Eigen::Map<const Matrix> check_inputs(const FloatArray& x) const {
    const auto columns = as_columns(x, "X");
    if (columns.rows() != inputs_)
      throw ShapeError("X has " + std::to_string(columns.rows()) + " features per row, but W has " +
                       std::to_string(inputs_) + " inputs: X must be (batch, " +
                       std::to_string(inputs_) + ")");
    if (!columns.allFinite()) throw ShapeError("X contains NaN or infinity");
    return columns;
  }
  // As `xbarsim mvm`: a fixed range when given, else the batch's own largest |x|.
  static double range_for(const Eigen::Map<const Matrix>& x, std::optional<double> given) {
    if (given) {
      if (!(*given > 0)) throw ConfigError("", "input_range", "must be > 0");
      return *given;
    }
    return std::max(1e-30, static_cast<double>(x.cwiseAbs().maxCoeff()));
  }

  int threads_;
  std::shared_ptr<const TileModels> models_;
  std::unique_ptr<AnalogMatrix> matrix_;
  Index inputs_ = 0;
  bool calibrated_ = false;
  ActionCounts last_, total_;
};

Dataset dataset_argument(const py::object& spec, Split split, Index limit,
                         const std::string& what) {
  if (py::isinstance<py::str>(spec)) return load_dataset(spec.cast<std::string>(), split, limit);
  if (py::isinstance<py::tuple>(spec) && py::len(spec) == 2) {
    const py::tuple t = spec.cast<py::tuple>();
    Dataset d = dataset_from_arrays(py::array::ensure(t[0]), py::array::ensure(t[1]), what);
    if (limit > 0 && limit < d.size()) {
      d.images = d.images.leftCols(limit).eval();
      d.labels.resize(static_cast<std::size_t>(limit));
    }
    return d;
  }
  if (py::isinstance<py::array>(spec)) {
    Dataset d = images_from_array(spec.cast<py::array>(), what);
    if (limit > 0 && limit < d.size()) d.images = d.images.leftCols(limit).eval();
    return d;
  }
  throw ConfigError("", what,
                    "expected a data set name or HDF5 path, an (images, labels) pair of arrays, "
                    "or (for calibration) an images array");
}

ComparisonOptions comparison_options(const std::string& digital, const std::string& digital_dram,
                                     double inferences_per_load) {
  if (digital_dram != "same" && digital_dram != "own")
    throw ConfigError("", "digital_dram", "must be 'same' or 'own', not '" + digital_dram + "'");
  ComparisonOptions c;
  c.digital_path = digital.empty() ? "" : resolve_shipped(digital, "arch", "architecture");
  c.digital_own_dram = digital_dram == "own";
  c.inferences_per_load = inferences_per_load;
  return c;
}

py::object evaluate_job(const Arch& arch, const std::string& model, const py::object& dataset,
                        const py::object& calibration, std::int64_t limit,
                        std::int64_t calibration_images, std::int64_t trials, std::int64_t batch,
                        std::uint64_t seed, int threads, const std::string& digital,
                        const std::string& digital_dram, double inferences_per_load) {
  if (trials < 1) throw ConfigError("", "trials", "must be >= 1");
  if (batch < 1) throw ConfigError("", "batch", "must be >= 1");
  if (limit < 0) throw ConfigError("", "limit", "must be >= 0 (0 = all)");
  if (calibration_images < 1) throw ConfigError("", "calibration_images", "must be >= 1");
  const Network net = load_network(model);
  const py::object data_spec = dataset.is_none() ? py::str("fashion-mnist") : dataset;
  const Dataset data = dataset_argument(data_spec, Split::kTest, limit, "dataset");
  // As the CLI: the training split calibrates a Fashion-MNIST run, else the data itself.
  py::object calibration_spec = calibration;
  if (calibration_spec.is_none())
    calibration_spec = py::isinstance<py::str>(data_spec)
                           ? py::str(default_calibration_spec(data_spec.cast<std::string>()))
                           : data_spec;
  const Dataset cal =
      dataset_argument(calibration_spec, Split::kTrain, calibration_images, "calibration");
  const bool on_scored =
      calibration_spec.is(data_spec) ||
      (py::isinstance<py::str>(calibration_spec) && py::isinstance<py::str>(data_spec) &&
       calibration_spec.cast<std::string>() == data_spec.cast<std::string>());
  EvalSettings s;
  s.batch = batch;
  s.trials = trials;
  s.seed = seed;
  s.threads = resolve_thread_count(threads);
  s.comparison = comparison_options(digital, digital_dram, inferences_per_load);
  Json j = json_document("python: xbarsim.evaluate", seed);
  {
    py::gil_scoped_release release;
    const EvalResult r = evaluate(net, arch.config, builtin_registry(), data, cal,
                                  input_warnings(net, data, on_scored), s);
    j.update(eval_json(r));
  }
  return to_python(j);
}

py::object estimate_energy_job(const Arch& arch, const std::string& model,
                               const std::string& workload, double batch,
                               const std::string& digital, const std::string& digital_dram,
                               double inferences_per_load) {
  if (model.empty() == workload.empty())
    throw ConfigError("", "model/workload", "give exactly one of them");
  if (!(batch >= 1)) throw ConfigError("", "batch", "must be >= 1");
  const Workload w = model.empty()
                         ? load_workload(resolve_shipped(workload, "workloads", "workload"))
                         : workload_from_network(load_network(model));
  const ComparisonOptions options = comparison_options(digital, digital_dram, inferences_per_load);
  Json j = json_document("python: xbarsim.estimate_energy", 0);
  {
    py::gil_scoped_release release;
    const Comparison c = compare(w, arch.config, builtin_registry(), batch, options);
    j.update(energy_estimate_json(c, arch.config.name, w, batch));
  }
  return to_python(j);
}

py::object sweep_job(const std::string& spec_path, const std::string& out_dir, int jobs, bool quick,
                     bool resume) {
  if (jobs < 1) throw ConfigError("", "jobs", "must be >= 1");
  const ExperimentSpec spec = load_experiment(spec_path, quick);
  SweepOptions o;
  o.out_dir = out_dir;
  o.jobs = jobs;
  o.resume = resume;
  o.command_line = "python: xbarsim.sweep('" + spec_path + "', '" + out_dir + "')";
  SweepOutcome out;
  {
    py::gil_scoped_release release;
    out = run_sweep(spec, o, builtin_registry());
  }
  if (!out.failures.empty()) {
    std::string list;
    for (const TaskFailure& f : out.failures) list += "\n  " + describe_failure(spec, f);
    throw Error(std::to_string(out.failures.size()) + " task(s) failed; the finished ones are in " +
                out_dir + "/tasks, reports in " + out_dir +
                "/failed/ (rerun with resume=True):" + list);
  }
  Json j = json_document(o.command_line, spec.seed);
  j["experiment"] = spec.name;
  j["tasks"] = out.total;
  j["computed"] = out.computed;
  j["resumed"] = out.skipped;
  j["complete"] = out.complete;
  j["warnings"] = out.warnings;
  j["results_h5"] = out_dir + "/results.h5";
  j["summary_csv"] = out_dir + "/summary.csv";
  return to_python(j);
}

// A whole network programmed for one trial, its layers callable one at a time: what
// xbarsim.torch.convert runs each Linear and Conv2d through. Calibrated exactly as `xbarsim
// eval` calibrates trial `trial`, so that the same seed gives the same noisy outputs.
class NetworkSession {
 public:
  NetworkSession(const Arch& arch, const std::string& model, const py::object& calibration,
                 std::int64_t calibration_images, std::uint64_t seed, std::uint64_t trial,
                 int threads)
      : net_(load_network(model)), threads_(resolve_thread_count(threads)) {
    const Dataset cal =
        dataset_argument(calibration.is_none() ? py::str("fashion-mnist:train") : calibration,
                         Split::kTrain, calibration_images, "calibration");
    py::gil_scoped_release release;
    check_layer_names(arch.config.layer_origins(), crossbar_layer_names(net_), net_.name);
    const NetworkTileModels models = make_network_tile_models(arch.config, builtin_registry());
    const Matrix inputs = normalise_inputs(net_, cal.images);
    analog_ = std::make_unique<AnalogNetwork>(
        net_, models, calibrate_ranges(net_, inputs, threads_), seed, trial, threads_);
    analog_->calibrate(inputs);
    product_ = analog_->product();
  }

  // The crossbar layers: name -> (index, type, folded bias), batch norm folded in as the
  // C++ network holds them.
  py::list layers() const {
    py::list out;
    for (std::size_t i = 0; i < net_.layers.size(); ++i) {
      const Layer& l = net_.layers[i];
      if (!l.uses_crossbar()) continue;
      py::dict d;
      d["index"] = i;
      d["name"] = l.name;
      d["type"] = to_string(l.type);
      d["rows"] = l.weight.cols();
      d["cols"] = l.weight.rows();
      d["bias"] = py::array_t<float>(l.bias.size(), l.bias.data());
      out.append(d);
    }
    return out;
  }
  py::list layer_names() const {
    py::list names;
    for (const Layer& l : net_.layers) names.append(l.name);
    return names;
  }

  // Layer `index` on its crossbar inputs (batch, features) -> (batch, outputs), no bias.
  py::array_t<float> product(int index, const FloatArray& x) {
    if (index < 0 || static_cast<std::size_t>(index) >= net_.layers.size() ||
        !net_.layers[static_cast<std::size_t>(index)].uses_crossbar())
      throw ShapeError("layer " + std::to_string(index) + " of model '" + net_.name +
                       "' does not run on crossbars");
    const Layer& l = net_.layers[static_cast<std::size_t>(index)];
    const auto columns = as_columns(x, "layer '" + l.name + "' inputs");
    if (columns.rows() != l.weight.cols())
      throw ShapeError("layer '" + l.name + "' takes " + std::to_string(l.weight.cols()) +
                       " inputs per vector, got " + std::to_string(columns.rows()));
    Matrix y;
    {
      py::gil_scoped_release release;
      y = product_(index, columns);
    }
    return to_rows(std::move(y));
  }

 private:
  Network net_;
  int threads_;
  std::unique_ptr<AnalogNetwork> analog_;
  CrossbarProduct product_;
};

}  // namespace
}  // namespace xbarsim::python

PYBIND11_MODULE(_xbarsim, m) {
  using namespace xbarsim;
  using namespace xbarsim::python;
  m.doc() = "xbarsim: analog processing-in-memory accelerators for DNNs (docs/python.md)";
  m.attr("__version__") = std::string(kVersion);
  m.attr("git_sha1") = std::string(kGitSha1);
  // The engine allocates and frees batch-sized buffers at every call. glibc hands blocks above
  // its mmap threshold back to the kernel on free, so each call would page-fault its memory in
  // again (a sixth of an mvm's time, measured; docs/performance.md#python): keep freed memory
  // for reuse, as the xbarsim binary does (src/app/main.cpp).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // Diagnostics go to stderr, as on the command line, never into a notebook's stdout stream;
  // warnings and errors only (spdlog's level can be changed from C++ for debugging).
  {
    auto logger = spdlog::get("xbarsim");
    if (!logger) logger = spdlog::stderr_color_mt("xbarsim");
    logger->set_pattern("xbarsim: %l: %v");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
  }
  m.def("data_dir", &data_dir,
        "The data folder in use: $XBARSIM_DATA_DIR, else the one installed with the module "
        "(docs/install.md)");

  // Every library error becomes an exception of the matching class, with the same message.
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  static py::exception<ConfigError> config_error(m, "ConfigError", error.ptr());
  static py::exception<ShapeError> shape_error(m, "ShapeError", error.ptr());
  static py::exception<IoError> io_error(m, "IoError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ConfigError& e) {
      config_error(e.what());
    } catch (const ShapeError& e) {
      shape_error(e.what());
    } catch (const IoError& e) {
      io_error(e.what());
    } catch (const Error& e) {
      error(e.what());
    }
  });

  py::class_<Arch>(m, "Arch")
      .def(py::init(&make_arch), py::arg("arch"), py::arg("overrides") = py::dict(),
           "A shipped architecture's name (reram, sram, ideal, ...) or a YAML path, with "
           "overrides as --set gives them: {'tile.adc.bits': 6}")
      .def_property_readonly("name", [](const Arch& a) { return a.config.name; })
      .def_property_readonly("path", [](const Arch& a) { return a.path; })
      .def_property_readonly(
          "config", [](const Arch& a) { return to_python(yaml_to_json(a.config.resolved)); })
      .def("__repr__", [](const Arch& a) { return "xbarsim.Arch('" + a.path + "')"; });

  py::class_<ProgrammedMatrix>(m, "AnalogMatrix")
      .def("calibrate", &ProgrammedMatrix::calibrate, py::arg("X"),
           py::arg("input_range") = py::none(),
           "Calibrates the ADC ranges on a batch X (batch, inputs), kept apart from scored data")
      .def("mvm", &ProgrammedMatrix::mvm, py::arg("X"), py::arg("input_range") = py::none(),
           "Y = X W^T through the crossbar: X (batch, inputs) -> Y (batch, outputs), float32")
      .def_property_readonly("last_counts", &ProgrammedMatrix::last_counts)
      .def_property_readonly("total_counts", &ProgrammedMatrix::total_counts)
      .def_property_readonly("rows", &ProgrammedMatrix::rows)
      .def_property_readonly("cols", &ProgrammedMatrix::cols)
      .def_property_readonly("arrays", &ProgrammedMatrix::arrays);

  m.def(
      "program",
      [](const Arch& arch, const FloatArray& W, std::uint64_t seed, int threads) {
        return std::make_unique<ProgrammedMatrix>(arch, W, seed, threads);
      },
      py::arg("arch"), py::arg("W"), py::arg("seed") = 1, py::arg("threads") = 0,
      "Programs W (outputs, inputs) on the tiles of arch; returns an AnalogMatrix");

  m.def("evaluate", &evaluate_job, py::arg("arch"), py::arg("model"),
        py::arg("dataset") = py::none(), py::arg("calibration") = py::none(), py::arg("limit") = 0,
        py::arg("calibration_images") = 256, py::arg("trials") = 1, py::arg("batch") = 500,
        py::arg("seed") = 1, py::arg("threads") = 0, py::arg("digital") = "",
        py::arg("digital_dram") = "same", py::arg("inferences_per_load") = 0.0,
        "Accuracy of a model file on arch against float32 and int8: the fields of "
        "`xbarsim eval --format json`");
  m.def("estimate_energy", &estimate_energy_job, py::arg("arch"), py::arg("model") = "",
        py::arg("workload") = "", py::arg("batch") = 1.0, py::arg("digital") = "",
        py::arg("digital_dram") = "same", py::arg("inferences_per_load") = 0.0,
        "Energy, latency and area against the digital baseline: the fields of "
        "`xbarsim energy --format json`");
  m.def("sweep", &sweep_job, py::arg("spec_path"), py::arg("out_dir"), py::arg("jobs") = 1,
        py::arg("quick") = false, py::arg("resume") = false,
        "Runs an experiment spec into out_dir (results.h5, summary.csv), as `xbarsim sweep`");

  py::class_<NetworkSession>(m, "NetworkSession")
      .def(py::init<const Arch&, const std::string&, const py::object&, std::int64_t, std::uint64_t,
                    std::uint64_t, int>(),
           py::arg("arch"), py::arg("model"), py::arg("calibration") = py::none(),
           py::arg("calibration_images") = 256, py::arg("seed") = 1, py::arg("trial") = 0,
           py::arg("threads") = 0)
      .def("layers", &NetworkSession::layers)
      .def("layer_names", &NetworkSession::layer_names)
      .def("product", &NetworkSession::product, py::arg("index"), py::arg("X"));
}
