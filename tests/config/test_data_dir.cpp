// Where the shipped data is found at run time (src/config/data_dir.cpp, docs/install.md): the
// lookup order on folders made for the purpose, the error naming every place looked, and this
// test binary's own lookup in the build tree.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.hpp"
#include "xbarsim/config/data_dir.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;
using detail::DataDirSearch;
using detail::search_data_dir;

#define CHECK_CONTAINS(text, part)                                 \
  CHECK_MESSAGE(std::string(text).find(part) != std::string::npos, \
                "expected \"" << (part) << "\" in: " << (text))

// An install prefix: prefix/bin/program, prefix/share/xbarsim/arch/ and a source-like data
// folder elsewhere that a marker can name.
struct Layout {
  test::TempDir dir;
  fs::path bin = dir.path() / "prefix" / "bin";
  fs::path installed = dir.path() / "prefix" / "share" / "xbarsim";
  fs::path source = dir.path() / "src" / "data";
  fs::path env = dir.path() / "env_data";
  Layout() {
    for (const fs::path& p : {bin, installed / "arch", source / "arch", env / "arch"})
      fs::create_directories(p);
  }
  fs::path program = bin / "program";
  DataDirSearch search() const { return {std::nullopt, program.string(), "../share/xbarsim"}; }
};

fs::path marker(const Layout& l) {
  return l.program.string() + kDataDirMarkerSuffix;
}

TEST_CASE("data lookup: installed layout relative to the binary, when nothing else is set") {
  Layout l;
  const auto r = search_data_dir(l.search());
  REQUIRE(r.dir);
  CHECK(fs::path(*r.dir) == l.installed);
}

TEST_CASE("data lookup: a marker beside the binary comes before the installed layout") {
  Layout l;
  test::TempDir other;
  std::ofstream(marker(l)) << l.source.string() << "\n";
  auto r = search_data_dir(l.search());
  REQUIRE(r.dir);
  CHECK(fs::path(*r.dir) == l.source);
  // A relative path in the marker is relative to the marker's folder.
  std::ofstream(marker(l)) << "../../src/data";
  r = search_data_dir(l.search());
  REQUIRE(r.dir);
  CHECK(fs::path(*r.dir) == l.source);
  // A marker naming no folder (a moved source tree) falls through to the installed layout.
  std::ofstream(marker(l)) << (other.path() / "gone").string();
  r = search_data_dir(l.search());
  REQUIRE(r.dir);
  CHECK(fs::path(*r.dir) == l.installed);
}

TEST_CASE("data lookup: $XBARSIM_DATA_DIR overrides everything, and must name a folder") {
  Layout l;
  std::ofstream(marker(l)) << l.source.string();
  DataDirSearch s = l.search();
  s.env = l.env.string();
  auto r = search_data_dir(s);
  REQUIRE(r.dir);
  CHECK(*r.dir == l.env.string());
  // No fallback when the override is wrong: the user asked for that folder.
  s.env = (l.dir.path() / "nowhere").string();
  r = search_data_dir(s);
  CHECK_FALSE(r.dir);
  CHECK(r.env_invalid);
  const std::string message = detail::data_dir_error(r);
  CHECK_CONTAINS(message, "$XBARSIM_DATA_DIR = " + *s.env + ": not a folder");
  CHECK_CONTAINS(message, "arch/, cards/, workloads/, models/ and validation/");
}

TEST_CASE("data lookup: nothing found names every place looked, in order") {
  Layout l;
  fs::remove_all(l.installed);
  std::ofstream(marker(l)) << "";
  const auto r = search_data_dir(l.search());
  CHECK_FALSE(r.dir);
  REQUIRE(r.looked.size() == 3);
  CHECK(r.looked[0] == "$XBARSIM_DATA_DIR: not set");
  CHECK_CONTAINS(r.looked[1], marker(l).string());
  CHECK_CONTAINS(r.looked[1], "empty or unreadable");
  CHECK_CONTAINS(r.looked[2], l.installed.string());
  CHECK_CONTAINS(r.looked[2], "installed layout, ../share/xbarsim from " + l.bin.string());
  const std::string message = detail::data_dir_error(r);
  CHECK_CONTAINS(message, "not found; looked in:");
  CHECK_CONTAINS(message, "set XBARSIM_DATA_DIR");

  fs::remove(marker(l));
  const auto absent = search_data_dir(l.search());
  CHECK_CONTAINS(absent.looked[1], "(build tree marker): absent");
}

TEST_CASE("data lookup: a binary that cannot be located is said so") {
  const auto r = search_data_dir({std::nullopt, "", "../share/xbarsim"});
  CHECK_FALSE(r.dir);
  REQUIRE(r.looked.size() == 2);
  CHECK_CONTAINS(r.looked[1], "cannot be located");
}

TEST_CASE("data lookup of this test binary: located by the loader, the marker names data/") {
  // The test executable links the library statically, so it is the binary holding it.
  const fs::path binary = detail::library_binary();
  REQUIRE_FALSE(binary.empty());
  CHECK(fs::equivalent(binary, "/proc/self/exe"));
  CHECK(fs::exists(binary.string() + kDataDirMarkerSuffix));
  // Without XBARSIM_DATA_DIR (CTest sets none) the marker leads to the source tree's data/.
  if (std::getenv("XBARSIM_DATA_DIR") == nullptr)
    CHECK(fs::equivalent(data_dir(), XBARSIM_TEST_SOURCE_DATA_DIR));
  // Not set by any source of this binary: the default, from the install's bin folder.
  CHECK_FALSE(detail::relative_data_dir().empty());
}

}  // namespace
}  // namespace xbarsim
