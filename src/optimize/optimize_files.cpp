// The optimizer's evaluation files and output folder (include/xbarsim/optimize/optimize_files.hpp).
#include "xbarsim/optimize/optimize_files.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "xbarsim/core/error.hpp"
#include "xbarsim/io/result_file.hpp"
#include "xbarsim/io/text_file.hpp"

namespace xbarsim {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = ".xbarsim-optimize";
constexpr const char* kManifestMarker = "# xbarsim optimize output folder";
constexpr const char* kHeader = "# xbarsim optimize: one evaluation";
constexpr const char* kChecksum = "checksum: fnv1a64:";

// FNV-1a, 64 bits: names files by their key and detects torn or garbled ones (accidental
// damage, not tampering).
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

std::string first_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  char c;
  while (line.size() < 256 && in.get(c) && c != '\n') line += c;
  return line;
}

}  // namespace

void prepare_optimize_folder(const std::string& dir, bool resume) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw IoError(dir, "exists and is not a folder; choose another output folder (-o)");
  const std::string manifest = (fs::path(dir) / kManifest).string();
  if (fs::is_directory(st) && first_line(manifest) != kManifestMarker) {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().filename() != std::string(kManifest) + ".tmp")
        throw IoError(dir,
                      "is not empty and is not an xbarsim optimize folder (it has no " +
                          std::string(kManifest) +
                          " manifest); refusing to write into it. Choose another output folder "
                          "(-o) or empty this one");
  }
  for (const char* name : {"results.h5", "candidates.csv", "allocation.csv"})
    check_output_target((fs::path(dir) / name).string(), false);
  write_file_durably(manifest, std::string(kManifestMarker) +
                                   "\n# Written by xbarsim optimize; it may replace and remove "
                                   "the files it wrote here.\n");
  const fs::path evaluations = fs::path(dir) / "evaluations";
  fs::create_directories(evaluations, ec);
  if (ec) throw IoError(evaluations.string(), "cannot create the folder: " + ec.message());
  for (fs::directory_iterator it(evaluations, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool temporary = name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
    // Only files this program writes: <16 hex>.txt, and their temporaries.
    if (!fs::is_regular_file(it->symlink_status(ec)) || (resume && !temporary)) continue;
    if (name.size() >= 20 && name.compare(16, 4, ".txt") == 0) fs::remove(it->path(), ec);
  }
}

std::string evaluation_file(const std::string& dir, const std::string& key) {
  return (fs::path(dir) / "evaluations" / (fnv1a64_hex(key) + ".txt")).string();
}

std::string format_evaluation(const std::string& key, const std::vector<std::uint8_t>& correct) {
  std::string body = std::string(kHeader) + "\nkey: " + key +
                     "\nimages: " + std::to_string(correct.size()) + "\ncorrect: ";
  for (const std::uint8_t c : correct) body += c ? '1' : '0';
  body += "\n";
  return body + kChecksum + fnv1a64_hex(body) + "\n";
}

std::optional<std::vector<std::uint8_t>> parse_evaluation(const std::string& text,
                                                          const std::string& key) {
  if (text.empty() || text.back() != '\n') return std::nullopt;
  const std::size_t last = text.rfind('\n', text.size() - 2);
  if (last == std::string::npos) return std::nullopt;
  const std::string body = text.substr(0, last + 1);
  if (text.substr(last + 1) != kChecksum + fnv1a64_hex(body) + "\n") return std::nullopt;
  const std::string head = std::string(kHeader) + "\nkey: " + key + "\nimages: ";
  if (body.rfind(head, 0) != 0) return std::nullopt;
  const std::size_t nl = body.find('\n', head.size());
  const std::string correct_tag = "correct: ";
  if (nl == std::string::npos || body.compare(nl + 1, correct_tag.size(), correct_tag) != 0)
    return std::nullopt;
  const std::string bits = body.substr(nl + 1 + correct_tag.size());
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < bits.size(); ++i) {
    if (bits[i] != '0' && bits[i] != '1') return std::nullopt;
    out.push_back(bits[i] == '1' ? 1 : 0);
  }
  if (std::to_string(out.size()) != body.substr(head.size(), nl - head.size())) return std::nullopt;
  return out;
}

}  // namespace xbarsim
