// The sweep runner on one process (include/xbarsim/experiment/sweep.hpp) and the bookkeeping
// it shares with the MPI driver (sweep_state.hpp).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <thread>

#include "sweep_state.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/parallel.hpp"
#include "xbarsim/experiment/sweep_results.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim {

namespace fs = std::filesystem;

std::string describe_failure(const ExperimentSpec& spec, const TaskFailure& f) {
  return "point " + std::to_string(f.id.point) + " (" + point_label(spec.points.at(f.id.point)) +
         "), trial " + std::to_string(f.id.trial) + ": " + f.message;
}

namespace detail {

SweepState::SweepState(const ExperimentSpec& spec, const SweepOptions& options,
                       const Registry& registry)
    : spec_(spec),
      options_(options),
      registry_(registry),
      archs_(validate_experiment(spec, registry)),
      tasks_(sweep_tasks(spec)) {
  outcome_.total = tasks_.size();
}

TaskResult SweepState::compute(std::size_t k, TaskContext& context) const {
  const TaskId id = tasks_.at(k);
  return run_task(spec_, id, archs_.at(id.point), registry_, context);
}

void SweepState::prepare_output() {
  const std::string& dir = options_.out_dir;
  claim_sweep_folder(dir, spec_.name);
  // The final files are checked now, not after the work.
  check_output_target((fs::path(dir) / "results.h5").string(), false);
  check_output_target((fs::path(dir) / "summary.csv").string(), false);
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "tasks", ec);
  if (ec) throw IoError(dir + "/tasks", "cannot create the folder: " + ec.message());
  // Earlier failure reports: only those this program wrote, and the folder if that empties it.
  const fs::path failed = fs::path(dir) / "failed";
  if (fs::is_directory(fs::symlink_status(failed, ec))) {
    for (const TaskId& id : tasks_) {
      const std::string report = failure_file(dir, id);
      if (is_own_failure_file(report)) fs::remove(report, ec);
    }
    if (fs::is_empty(failed, ec)) fs::remove(failed, ec);
  }
  remove_stale_temporaries();
  for (std::size_t k = 0; k < tasks_.size(); ++k) {
    const std::string path = task_file(dir, tasks_[k]);
    const fs::file_status st = fs::symlink_status(path, ec);
    if (fs::exists(st) && !fs::is_regular_file(st))
      throw IoError(path,
                    "is not a regular file (a folder, a link or a device where a task result "
                    "belongs); move it away and rerun");
    if (!options_.resume) {
      fs::remove(path, ec);
    } else if (fs::exists(st)) {
      TaskResult r;
      try {
        r = read_task_file(dir, tasks_[k]);
      } catch (const Error& e) {
        // Torn by a kill, or garbled: never a result. Recomputed, and said so.
        warn(std::string(e.what()) + "; recomputing the task");
        todo_.push_back(k);
        continue;
      }
      if (r.key != task_key(spec_, tasks_[k]))
        throw ConfigError(spec_.file, "sweep",
                          "--resume: " + path + " was computed with a different spec (" + r.key +
                              "); use another output folder or drop --resume");
      ++outcome_.skipped;
      continue;
    }
    todo_.push_back(k);
  }
  done_ = outcome_.skipped;
}

void SweepState::warn(const std::string& message) {
  outcome_.warnings.push_back(message);
  if (options_.on_warning) options_.on_warning(message);
}

void SweepState::remove_stale_temporaries() {
  // Temporaries a killed run left behind, by the names this program gives them: a task file's
  // (write_file_durably), summary.csv's, and results.h5's, whose name carries the writer's
  // pid. A results temporary of a process still alive is left alone.
  const fs::path dir(options_.out_dir);
  std::error_code ec;
  for (const TaskId& id : tasks_) fs::remove(task_file(options_.out_dir, id) + ".tmp", ec);
  fs::remove(dir / "summary.csv.tmp", ec);
  const std::string prefix = "results.h5.tmp.";
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size() ||
        name.size() > prefix.size() + 9)
      continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t owner = static_cast<pid_t>(std::stol(pid));
    // Our own pid here is a reused one: this process has not begun its results file yet.
    if (owner != ::getpid() && (::kill(owner, 0) == 0 || errno == EPERM)) continue;
    if (fs::is_regular_file(it->symlink_status(ec))) fs::remove(it->path(), ec);
  }
}

std::optional<std::size_t> SweepState::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (next_ >= todo_.size()) return std::nullopt;
  if (options_.stop_after >= 0 && next_ >= static_cast<std::size_t>(options_.stop_after))
    return std::nullopt;
  return todo_[next_++];
}

void SweepState::finished(std::size_t k, const std::string& text) {
  // The same task is never handed out twice, so files of different tasks never collide.
  try {
    write_task_file(options_.out_dir, tasks_.at(k), text);
  } catch (const std::exception& e) {
    failed(k, std::string("cannot save the result: ") + e.what());
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++outcome_.computed;
  ++done_;
  if (options_.on_task) options_.on_task(done_, outcome_.total, tasks_[k]);
}

void SweepState::failed(std::size_t k, const std::string& message) {
  const TaskFailure failure{tasks_.at(k), message};
  std::lock_guard<std::mutex> lock(mutex_);
  outcome_.failures.push_back(failure);
  try {
    write_failure_file(options_.out_dir, failure, point_label(spec_.points.at(failure.id.point)),
                       YAML::Dump(archs_.at(failure.id.point).resolved));
  } catch (const std::exception&) {
    // The failure is still reported and the run still fails; the report file is a courtesy.
  }
  if (options_.on_failure) options_.on_failure(failure);
}

SweepOutcome SweepState::finish() {
  std::sort(outcome_.failures.begin(), outcome_.failures.end(),
            [](const TaskFailure& a, const TaskFailure& b) {
              return a.id.point != b.id.point ? a.id.point < b.id.point : a.id.trial < b.id.trial;
            });
  std::vector<TaskResult> results;
  results.reserve(tasks_.size());
  for (const TaskId& id : tasks_) {
    if (!fs::exists(task_file(options_.out_dir, id))) return outcome_;  // stopped or failed
    results.push_back(read_task_file(options_.out_dir, id));
  }
  write_sweep_results(spec_, archs_, results, options_.out_dir, options_.command_line, registry_);
  outcome_.complete = true;
  return outcome_;
}

void SweepState::run_tasks(TaskContext& context) {
  task_loop(
      *this, context, [this] { return take(); },
      [this](std::size_t k, const std::string& text) { finished(k, text); },
      [this](std::size_t k, const std::string& message) { failed(k, message); });
}

void task_loop(const SweepState& state, TaskContext& context,
               const std::function<std::optional<std::size_t>()>& take,
               const std::function<void(std::size_t, const std::string&)>& deliver,
               const std::function<void(std::size_t, const std::string&)>& fail) {
  while (const std::optional<std::size_t> k = take()) {
    const TaskId id = state.tasks().at(*k);
    spdlog::debug("sweep: point {} trial {} started", id.point, id.trial);
    std::string text, error;
    try {
      text = format_task(state.compute(*k, context));
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }
    if (error.empty()) {
      deliver(*k, text);
    } else {
      fail(*k, error);
    }
  }
}

}  // namespace detail

SweepOutcome run_sweep(const ExperimentSpec& spec, const SweepOptions& options,
                       const Registry& registry) {
  detail::SweepState state(spec, options, registry);
  state.prepare_output();
  TaskContext context(spec);
  auto loop = [&] { state.run_tasks(context); };
  WorkerThreads threads;
  threads.start(std::max(1, options.jobs) - 1, loop);
  threads.run_here(loop);
  threads.join();
  return state.finish();
}

}  // namespace xbarsim
