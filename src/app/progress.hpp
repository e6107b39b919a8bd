#pragma once
// A progress bar with an ETA on a terminal (stderr), nothing otherwise.
#include <string>

#include "common.hpp"

namespace xbarsim::app {

class Progress {
 public:
  Progress(std::string label, double total);
  ~Progress();
  // Shown only when stderr is a terminal and progress is logged (not under --quiet).
  bool enabled() const { return enabled_; }
  void update(double done, const std::string& detail = "");
  // Erases the bar, so that a message can be logged on a clean line; update() redraws it.
  void clear();
  void finish();

 private:
  std::string label_;
  double total_;
  bool enabled_;
  bool drawn_ = false;  // nothing to erase before the first update
  bool finished_ = false;
  Stopwatch clock_;
};

}  // namespace xbarsim::app
