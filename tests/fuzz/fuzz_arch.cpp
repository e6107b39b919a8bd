// Fuzz harness: an architecture YAML with its cards and its --set overrides (load_arch).
//
// Input layout, so that one input carries a whole configuration: sections separated by a line
// "%%". The first is the architecture file; the k-th after it is the card file "c<k>.yaml"
// next to it (what `card: c1.yaml` names). Lines of the architecture that start with "#set "
// are --set overrides (a YAML comment, so a seed stays a valid architecture file). Cards named
// otherwise resolve to the shipped data/cards.
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"

namespace {

constexpr std::size_t kMaxCards = 16;

std::vector<std::string> sections(std::string_view text) {
  std::vector<std::string> out;
  const std::string_view separator = "\n%%\n";
  while (out.size() <= kMaxCards) {
    const std::size_t at = text.find(separator);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + separator.size());
  }
  return out;
}

std::vector<std::string> set_lines(const std::string& arch) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < arch.size()) {
    std::size_t end = arch.find('\n', start);
    if (end == std::string::npos) end = arch.size();
    if (arch.compare(start, 5, "#set ") == 0)
      out.push_back(arch.substr(start + 5, end - start - 5));
    start = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xbarsim;
  const std::vector<std::string> parts = sections(fuzz::as_text(data, size));
  // A fresh folder per input: no card of an earlier input may be found.
  const std::filesystem::path dir = fuzz::scratch_dir() / "arch";
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  const std::string arch = fuzz::scratch_file("arch/fuzz.yaml", parts[0]);
  for (std::size_t k = 1; k < parts.size(); ++k)
    fuzz::scratch_file("arch/c" + std::to_string(k) + ".yaml", parts[k]);
  fuzz::expect_only_xbarsim_errors(
      [&] { load_arch(arch, parse_overrides(set_lines(parts[0])), builtin_registry()); });
  return 0;
}
