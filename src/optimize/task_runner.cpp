// The optimizer's tasks on threads of one process (include/xbarsim/optimize/task_runner.hpp).
#include "xbarsim/optimize/task_runner.hpp"

#include <atomic>
#include <mutex>

#include "xbarsim/core/parallel.hpp"

namespace xbarsim {

namespace {

class LocalRunner : public TaskRunner {
 public:
  explicit LocalRunner(int jobs) : jobs_(std::max(1, jobs)) {}
  std::vector<std::string> run(
      std::vector<std::string> known, const std::function<std::string(std::size_t, int)>& run,
      const std::function<void(std::size_t, const std::string&)>& save) override {
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < known.size(); ++i)
      if (known[i].empty()) todo.push_back(i);
    const Waves waves = plan_waves(todo.size(), jobs_);
    std::atomic<std::size_t> next{0};
    std::mutex save_mutex;
    auto loop = [&] {
      for (std::size_t k; (k = next++) < todo.size();) {
        const std::size_t i = todo[k];
        std::string text = run(i, waves.share);
        std::lock_guard<std::mutex> lock(save_mutex);
        save(i, text);
        known[i] = std::move(text);
      }
    };
    WorkerThreads threads;
    threads.start(waves.workers - 1, loop);
    threads.run_here(loop);
    threads.join();
    return known;
  }
  bool owner() const override { return true; }
  void collective(const std::function<void()>& step) override { step(); }

 private:
  int jobs_;
};

}  // namespace

Waves plan_waves(std::size_t tasks, int jobs) {
  if (jobs <= 1 || tasks >= 2 * static_cast<std::size_t>(jobs)) return {std::max(1, jobs), 1};
  return {1, jobs};
}

std::unique_ptr<TaskRunner> local_task_runner(int jobs) {
  return std::make_unique<LocalRunner>(jobs);
}

}  // namespace xbarsim
