#pragma once
// Experiments (docs/experiments.md): specs, tasks, the sweep runner and its results.
#include "xbarsim/experiment/experiment_spec.hpp"
#include "xbarsim/experiment/run_task.hpp"
#include "xbarsim/experiment/sweep.hpp"
#include "xbarsim/experiment/sweep_results.hpp"
#include "xbarsim/experiment/task_result.hpp"
