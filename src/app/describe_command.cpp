// `xbarsim list` and `xbarsim describe`: the registry's declarations, for people and docs.
#include "describe_command.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <utility>
#include <vector>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/reference_doc.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/core/strings.hpp"
#include "xbarsim/system/validation.hpp"

namespace xbarsim::app {

CLI::App* add_list_command(CLI::App& app, DescribeOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "list",
      "List every registered model and config section, and the shipped architectures, "
      "workloads, cards and validation designs");
  cmd->add_flag("--markdown", o.markdown,
                "Print the full configuration reference (docs/config_reference.md)");
  return cmd;
}

CLI::App* add_describe_command(CLI::App& app, DescribeOptions& o) {
  CLI::App* cmd = app.add_subcommand("describe",
                                     "Show a model's parameters: type, unit, "
                                     "default, range and meaning");
  cmd->add_option("name", o.name, "Model or section name, as printed by `xbarsim list`")
      ->required();
  return cmd;
}

namespace {

namespace fs = std::filesystem;

// A file's one-line summary: its description or title, cut to fit a terminal line; for a
// workload, whose source is a long citation, its shape.
std::string summary_of(const fs::path& file) {
  try {
    const YAML::Node root = YAML::LoadFile(file.string());
    if (!root.IsMap()) return "";
    if (root["input"] && root["input"].IsSequence() && root["layers"] &&
        root["layers"].IsSequence()) {
      std::string input;
      for (const YAML::Node& d : root["input"]) append_item(input, d.Scalar(), " x ");
      return "input " + input + ", " + std::to_string(root["layers"].size()) + " layers";
    }
    for (const char* key : {"description", "title"})
      if (root[key] && root[key].IsScalar()) {
        std::string text = root[key].Scalar();
        std::replace(text.begin(), text.end(), '\n', ' ');
        return text.size() > 90 ? text.substr(0, 87) + "..." : text;
      }
  } catch (const YAML::Exception&) {
    // A malformed file is still listed; loading it names the problem.
  }
  return "";
}

// NAME.yaml files under `folder` (recursively with `recursive`), as relative paths, sorted.
std::vector<std::string> yaml_files(const fs::path& folder, bool recursive) {
  std::vector<std::string> out;
  std::error_code ec;
  const auto add = [&](const fs::directory_entry& e) {
    if (e.path().extension() == ".yaml" && e.is_regular_file(ec))
      out.push_back(e.path().lexically_relative(folder).string());
  };
  if (recursive) {
    for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
      add(*it);
  } else {
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) add(*it);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void print_row(const std::string& name, const std::string& summary, std::size_t width) {
  std::cout << "  " << name;
  if (!summary.empty())
    std::cout << std::string(name.size() < width ? width - name.size() : 1, ' ') << summary;
  std::cout << "\n";
}

// One section of shipped files: each entry as it is given on the command line, and its summary.
void print_files(const std::string& title, const std::string& usage, const fs::path& folder,
                 const std::vector<std::pair<std::string, fs::path>>& entries) {
  std::cout << "\n" << title << " in " << folder.string() << " (" << usage << ")\n";
  std::size_t width = 0;
  for (const auto& [name, file] : entries) width = std::max(width, name.size() + 2);
  for (const auto& [name, file] : entries) print_row(name, summary_of(file), width);
}

std::vector<std::pair<std::string, fs::path>> by_name(const fs::path& folder, bool strip_yaml,
                                                      bool recursive) {
  std::vector<std::pair<std::string, fs::path>> out;
  for (const std::string& f : yaml_files(folder, recursive))
    out.emplace_back(strip_yaml ? f.substr(0, f.size() - 5) : f, folder / f);
  return out;
}

}  // namespace

int run_list(const DescribeOptions& o) {
  const Registry& registry = builtin_registry();
  if (o.markdown) {
    std::cout << config_reference_markdown(registry);
    return 0;
  }
  std::cout << "models (xbarsim describe NAME shows the parameters)\n";
  for (const ModelSpec* spec : registry.all()) {
    const std::string kind = to_string(spec->kind);
    std::cout << "  " << kind << std::string(kind.size() < 9 ? 9 - kind.size() : 1, ' ')
              << spec->name << std::string(spec->name.size() < 20 ? 20 - spec->name.size() : 1, ' ')
              << spec->summary << "\n";
  }
  const fs::path data = data_dir();
  print_files("architectures", "ARCH of mvm, eval and energy", data / "arch",
              by_name(data / "arch", true, false));
  print_files("digital baselines", "--digital FILE", data / "arch" / "digital",
              by_name(data / "arch" / "digital", false, false));
  print_files("workloads", "energy --workload NAME", data / "workloads",
              by_name(data / "workloads", true, false));
  print_files("cards", "card: PATH in an architecture file", data / "cards",
              by_name(data / "cards", false, true));
  std::vector<std::pair<std::string, fs::path>> designs;
  for (const std::string& name : validation_design_names())
    designs.emplace_back(name, fs::path(validation_dir()) / name / "design.yaml");
  print_files("validation designs", "xbarsim validate NAME", validation_dir(), designs);
  return 0;
}

int run_describe(const DescribeOptions& o) {
  std::cout << describe_model(builtin_registry().spec(o.name));
  return 0;
}

}  // namespace xbarsim::app
