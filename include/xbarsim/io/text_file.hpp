#pragma once
// Whole-file text I/O with the project's error conventions.
#include <string>

namespace xbarsim {

// The file's bytes; IoError naming the file when it cannot be read.
std::string read_text_file(const std::string& path);

// Writes `text` to `path` atomically and durably: a temporary file in the same folder, fsync,
// rename over the target, fsync of the folder. A crash leaves the old file or the new one,
// never a torn one. Creates the folder when needed.
void write_file_durably(const std::string& path, const std::string& text);

}  // namespace xbarsim
