#pragma once
// What `xbarsim inspect` prints of a result file: its provenance and a per-point summary.
// Separate from the command so that the result-file fuzz harness (tests/fuzz) runs the very
// same reader on in-memory files.
#include <cstdint>
#include <ostream>
#include <string>

namespace xbarsim::app {

// Reads and checks the result file open as `file` (an HDF5 file id, hid_t) and prints its
// summary to `out`; `path` names it in the output and in errors (IoError).
void print_result_summary(std::int64_t file, const std::string& path, std::ostream& out);

}  // namespace xbarsim::app
