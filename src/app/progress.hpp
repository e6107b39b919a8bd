#pragma once
// A progress bar with an ETA on a terminal (stderr), nothing otherwise.
#include <string>

#include "common.hpp"

namespace xbarsim::app {

class Progress {
 public:
  Progress(std::string label, double total);
  ~Progress();
  void update(double done, const std::string& detail = "");
  void finish();

 private:
  std::string label_;
  double total_;
  bool enabled_;
  bool finished_ = false;
  Stopwatch clock_;
};

}  // namespace xbarsim::app
