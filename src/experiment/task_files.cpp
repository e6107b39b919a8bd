// Sweep tasks, their keys and their durable files (docs/experiments.md).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/experiment/task_result.hpp"
#include "xbarsim/io/text_file.hpp"

namespace xbarsim {

namespace fs = std::filesystem;

std::vector<TaskId> sweep_tasks(const ExperimentSpec& spec) {
  const std::size_t trials = spec.wants("accuracy") ? static_cast<std::size_t>(spec.trials) : 1;
  std::vector<TaskId> tasks;
  tasks.reserve(spec.points.size() * trials);
  for (std::size_t p = 0; p < spec.points.size(); ++p)
    for (std::size_t t = 0; t < trials; ++t) tasks.push_back({p, t});
  return tasks;
}

std::string task_key(const ExperimentSpec& spec, TaskId id) {
  std::string k = point_label(spec.points.at(id.point));
  for (const Override& o : spec.overrides) k += " set:" + o.path + "=" + o.value;
  k += " arch=" + spec.arch + " model=" + spec.model + " workload=" + spec.workload +
       " dataset=" + spec.dataset + " limit=" + std::to_string(spec.limit) +
       " calibration_images=" + std::to_string(spec.calibration_images) +
       " seed=" + std::to_string(spec.seed);
  for (const std::string& m : spec.metrics) k += " metric=" + m;
  return k + " trial=" + std::to_string(id.trial);
}

namespace {

std::string task_name(TaskId id) {
  char name[64];
  std::snprintf(name, sizeof(name), "point_%05zu_trial_%04zu.yaml", id.point, id.trial);
  return name;
}

std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof(b), "%.17g", v);
  return b;
}

std::string quoted(const std::string& s) {
  YAML::Emitter e;
  e << YAML::DoubleQuoted << s;
  return e.c_str();
}

void emit_pairs(std::ostream& o, const char* key,
                const std::vector<std::pair<std::string, double>>& items) {
  o << key << ":\n";
  for (const auto& [k, v] : items) o << "  - [" << quoted(k) << ", " << num(v) << "]\n";
}

void emit_actions(std::ostream& o, const char* key, const std::vector<ActionTotal>& items) {
  o << key << ":\n";
  for (const ActionTotal& a : items)
    o << "  - [" << quoted(a.component) << ", " << quoted(a.action) << ", " << num(a.count) << ", "
      << num(a.energy_j) << "]\n";
}

std::vector<std::pair<std::string, double>> read_pairs(const YAML::Node& n) {
  std::vector<std::pair<std::string, double>> out;
  if (n && n.IsSequence())
    for (const auto& e : n) out.emplace_back(e[0].as<std::string>(), e[1].as<double>());
  return out;
}

// FNV-1a, 64 bits: detects torn and garbled task files (accidental damage, not tampering).
std::string fnv1a64_hex(const std::string& text) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char b[24];
  std::snprintf(b, sizeof(b), "%016llx", static_cast<unsigned long long>(h));
  return b;
}

constexpr const char* kChecksumKey = "checksum: fnv1a64:";

// The text before the last line, once that line is a checksum matching it; else an IoError
// saying what is wrong, so that the caller can recompute the task.
std::string verified_body(const std::string& text, const std::string& source) {
  if (text.empty() || text.back() != '\n')
    throw IoError(source, "task result is torn: it does not end with a complete line");
  const std::size_t start = text.rfind('\n', text.size() - 2);
  const std::size_t line = start == std::string::npos ? 0 : start + 1;
  const std::string last = text.substr(line, text.size() - 1 - line);
  const std::string key = kChecksumKey;
  if (last.rfind(key, 0) != 0)
    throw IoError(source, "task result is torn or damaged: its last line should be '" + key +
                              "<16 hex digits>', found '" + last.substr(0, 60) + "'");
  const std::string body = text.substr(0, line);
  const std::string want = last.substr(key.size()), got = fnv1a64_hex(body);
  if (want != got)
    throw IoError(source, "task result is damaged: checksum " + got + " of its contents, " + want +
                              " recorded");
  return body;
}

std::vector<ActionTotal> read_actions(const YAML::Node& n) {
  std::vector<ActionTotal> out;
  if (n && n.IsSequence())
    for (const auto& e : n)
      out.push_back(
          {e[0].as<std::string>(), e[1].as<std::string>(), e[2].as<double>(), e[3].as<double>()});
  return out;
}

}  // namespace

namespace {

constexpr const char* kFailureMarker = "# xbarsim sweep: failure report";
constexpr const char* kManifestMarker = "# xbarsim sweep output folder";

// The first line of a regular file (at most a few hundred bytes read); empty otherwise.
std::string first_line(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec))) return {};
  std::ifstream in(path, std::ios::binary);
  std::string line;
  char c;
  while (line.size() < 256 && in.get(c) && c != '\n') line += c;
  return line;
}

}  // namespace

bool is_own_failure_file(const std::string& path) {
  return first_line(path) == kFailureMarker;
}

std::string sweep_manifest_file(const std::string& out_dir) {
  return (fs::path(out_dir) / ".xbarsim-sweep").string();
}

void claim_sweep_folder(const std::string& out_dir, const std::string& experiment_name) {
  std::error_code ec;
  const fs::file_status st = fs::status(out_dir, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw IoError(out_dir, "exists and is not a folder; choose another output folder (-o)");
  const std::string manifest = sweep_manifest_file(out_dir);
  if (fs::is_directory(st)) {
    if (first_line(manifest) == kManifestMarker) return;  // one of ours
    // Empty but for the manifest's own temporary: a run killed while claiming the folder.
    bool empty = true;
    for (fs::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().filename() != fs::path(manifest).filename().string() + ".tmp" ||
          !fs::is_regular_file(it->symlink_status(ec)))
        empty = false;
    if (ec) throw IoError(out_dir, "cannot list the folder: " + ec.message());
    if (!empty)
      throw IoError(out_dir,
                    "is not empty and is not an xbarsim sweep folder (it has no .xbarsim-sweep "
                    "manifest); refusing to write into it. Choose another output folder (-o) or "
                    "empty this one");
  }
  write_file_durably(manifest, std::string(kManifestMarker) +
                                   "\n# Written by xbarsim sweep; it may replace and remove the "
                                   "files it wrote here.\nexperiment: " +
                                   quoted(experiment_name) + "\n");
}

std::string task_file(const std::string& out_dir, TaskId id) {
  return (fs::path(out_dir) / "tasks" / task_name(id)).string();
}

std::string failure_file(const std::string& out_dir, TaskId id) {
  return (fs::path(out_dir) / "failed" / task_name(id)).string();
}

std::string format_task(const TaskResult& r) {
  std::ostringstream o;
  o << "point: " << r.id.point << "\ntrial: " << r.id.trial << "\nkey: " << quoted(r.key) << "\n";
  if (r.has_accuracy) o << "accuracy: " << num(r.accuracy) << "\n";
  // The images scored or priced: the batch of the results file's energies and counts, known
  // to an accuracy-only task too.
  if (r.has_accuracy || r.has_energy) o << "images: " << num(r.images) << "\n";
  if (r.has_energy) {
    o << "energy_j_analog: " << num(r.energy_j_analog) << "\n"
      << "energy_j_digital: " << num(r.energy_j_digital) << "\n"
      << "latency_s_analog: " << num(r.latency_s_analog) << "\n"
      << "latency_s_digital: " << num(r.latency_s_digital) << "\n"
      << "area_m2_analog: " << num(r.area_m2_analog) << "\n"
      << "area_m2_digital: " << num(r.area_m2_digital) << "\n"
      << "setup_energy_j_analog: " << num(r.setup_energy_j_analog) << "\n"
      << "setup_energy_j_digital: " << num(r.setup_energy_j_digital) << "\n"
      << "peak_power_w_analog: " << num(r.peak_power_w_analog) << "\n"
      << "peak_power_w_digital: " << num(r.peak_power_w_digital) << "\n";
    emit_pairs(o, "energy_breakdown_analog", r.energy_breakdown_analog);
    emit_pairs(o, "energy_breakdown_digital", r.energy_breakdown_digital);
    emit_actions(o, "actions_analog", r.actions_analog);
    emit_actions(o, "actions_digital", r.actions_digital);
  }
  emit_pairs(o, "counts", r.counts);
  // Last, so that a torn copy can never parse as complete; the checksum after it catches a
  // file garbled or cut anywhere.
  o << "complete: true\n";
  const std::string body = o.str();
  return body + kChecksumKey + fnv1a64_hex(body) + "\n";
}

TaskResult parse_task(const std::string& text, const std::string& source) {
  TaskResult r;
  try {
    const YAML::Node n = YAML::Load(verified_body(text, source));
    if (!n.IsMap() || !n["complete"] || !n["complete"].as<bool>())
      throw IoError(source, "task result is incomplete");
    r.id = {n["point"].as<std::size_t>(), n["trial"].as<std::size_t>()};
    r.key = n["key"].as<std::string>();
    r.has_accuracy = static_cast<bool>(n["accuracy"]);
    if (r.has_accuracy) r.accuracy = n["accuracy"].as<double>();
    // A task file written before accuracy-only tasks recorded their images has none: 0.
    if (n["images"]) r.images = n["images"].as<double>();
    r.has_energy = static_cast<bool>(n["energy_j_analog"]);
    if (r.has_energy) {
      if (!n["images"]) throw IoError(source, "task result has energy but no images");
      r.energy_j_analog = n["energy_j_analog"].as<double>();
      r.energy_j_digital = n["energy_j_digital"].as<double>();
      r.latency_s_analog = n["latency_s_analog"].as<double>();
      r.latency_s_digital = n["latency_s_digital"].as<double>();
      r.area_m2_analog = n["area_m2_analog"].as<double>();
      r.area_m2_digital = n["area_m2_digital"].as<double>();
      r.setup_energy_j_analog = n["setup_energy_j_analog"].as<double>();
      r.setup_energy_j_digital = n["setup_energy_j_digital"].as<double>();
      r.peak_power_w_analog = n["peak_power_w_analog"].as<double>();
      r.peak_power_w_digital = n["peak_power_w_digital"].as<double>();
      r.energy_breakdown_analog = read_pairs(n["energy_breakdown_analog"]);
      r.energy_breakdown_digital = read_pairs(n["energy_breakdown_digital"]);
      r.actions_analog = read_actions(n["actions_analog"]);
      r.actions_digital = read_actions(n["actions_digital"]);
    }
    r.counts = read_pairs(n["counts"]);
  } catch (const YAML::Exception& e) {
    throw IoError(source, std::string("malformed task result: ") + e.what());
  }
  return r;
}

void write_task_file(const std::string& out_dir, TaskId id, const std::string& text) {
  write_file_durably(task_file(out_dir, id), text);
}

TaskResult read_task_file(const std::string& out_dir, TaskId id) {
  const std::string path = task_file(out_dir, id);
  TaskResult r = parse_task(read_text_file(path), path);
  if (r.id.point != id.point || r.id.trial != id.trial)
    throw IoError(path, "holds another task (point " + std::to_string(r.id.point) + ", trial " +
                            std::to_string(r.id.trial) + ")");
  return r;
}

void write_failure_file(const std::string& out_dir, const TaskFailure& failure,
                        const std::string& label, const std::string& resolved_config_yaml) {
  std::ostringstream o;
  o << kFailureMarker << "\npoint: " << failure.id.point << "\ntrial: " << failure.id.trial
    << "\naxes: " << quoted(label) << "\nerror: " << quoted(failure.message)
    << "\n# The point's resolved configuration:\nresolved_config:\n";
  std::istringstream lines(resolved_config_yaml);
  for (std::string line; std::getline(lines, line);) o << "  " << line << "\n";
  write_file_durably(failure_file(out_dir, failure.id), o.str());
}

}  // namespace xbarsim
