// docs/config_reference.md is generated from the registry; it must not go stale. And the
// generated texts (the reference and `xbarsim describe`) show every declared parameter.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "xbarsim/config/reference_doc.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;

const char* const kRegenerate =
    "docs/config_reference.md is stale; regenerate it with\n"
    "  ./build/src/app/xbarsim list --markdown > docs/config_reference.md";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Line number (1-based) and both texts of the first line where a and b differ.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(sa, la));
    const bool gb = static_cast<bool>(std::getline(sb, lb));
    if (!ga && !gb) return "texts differ only in their final newline";
    if (!ga || !gb || la != lb)
      return "first difference at line " + std::to_string(line) +
             ":\n  file:      " + (ga ? la : "<end of file>") +
             "\n  generated: " + (gb ? lb : "<end of text>");
  }
}

TEST_CASE("docs/config_reference.md equals the reference generated from the registry") {
  const fs::path doc =
      fs::path(XBARSIM_TEST_SOURCE_DATA_DIR) / ".." / "docs" / "config_reference.md";
  REQUIRE_MESSAGE(fs::is_regular_file(doc), doc.string() << " is missing. " << kRegenerate);
  const std::string on_disk = read_file(doc);
  const std::string generated = config_reference_markdown(builtin_registry());
  if (on_disk != generated) FAIL_CHECK(kRegenerate << "\n" << first_difference(on_disk, generated));
}

TEST_CASE("the reference and `describe` show every model and every parameter") {
  const std::string reference = config_reference_markdown(builtin_registry());
  for (const ModelSpec* spec : builtin_registry().all()) {
    CAPTURE(spec->name);
    CHECK(reference.find("## `" + spec->name + "`") != std::string::npos);
    const std::string described = describe_model(*spec);
    CHECK(described.find(spec->name) != std::string::npos);
    CHECK(described.find(spec->summary) != std::string::npos);
    for (const ParamSpec& p : spec->params) {
      CAPTURE(p.key);
      CHECK(reference.find("| `" + p.key + "` |") != std::string::npos);
      CHECK(described.find("  " + p.key + "  ") != std::string::npos);
      CHECK(described.find(p.doc) != std::string::npos);
      if (!p.default_value) CHECK(described.find("(required)") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace xbarsim
