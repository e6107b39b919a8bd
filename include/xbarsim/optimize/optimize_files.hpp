#pragma once
// The optimizer's output folder (docs/optimizer.md#outputs): one durable file per evaluated
// (setting, trial) in DIR/evaluations, which --resume reads back, and the final results.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xbarsim/optimize/optimize.hpp"

namespace xbarsim {

// Claims DIR for the optimizer (a manifest .xbarsim-optimize; a non-empty folder without it
// is refused), checks the final files can be written, creates DIR/evaluations, and without
// `resume` removes the evaluation files an earlier run left.
void prepare_optimize_folder(const std::string& dir, bool resume);

// The text of one evaluation: its key and per image 0 or 1, checksummed.
std::string format_evaluation(const std::string& key, const std::vector<std::uint8_t>& correct);
// The per-image correctness of a text format_evaluation wrote for `key`; nullopt when the text
// is torn, damaged or of another key.
std::optional<std::vector<std::uint8_t>> parse_evaluation(const std::string& text,
                                                          const std::string& key);

// DIR/evaluations/<hash of key>.txt
std::string evaluation_file(const std::string& dir, const std::string& key);

// results.h5, candidates.csv and allocation.csv, each written whole or not at all.
void write_optimize_results(const OptimizeSetup& setup, const OptimizeResult& result,
                            const std::string& dir);

}  // namespace xbarsim
