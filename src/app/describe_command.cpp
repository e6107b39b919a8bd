// `xbarsim list` and `xbarsim describe`: the registry's declarations, for people and docs.
#include "describe_command.hpp"

#include <iostream>

#include "xbarsim/config/reference_doc.hpp"
#include "xbarsim/config/registry.hpp"

namespace xbarsim::app {

CLI::App* add_list_command(CLI::App& app, DescribeOptions& o) {
  CLI::App* cmd = app.add_subcommand("list", "List every registered model and config section");
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

int run_list(const DescribeOptions& o) {
  const Registry& registry = builtin_registry();
  if (o.markdown) {
    std::cout << config_reference_markdown(registry);
    return 0;
  }
  for (const ModelSpec* spec : registry.all()) {
    std::string kind = to_string(spec->kind);
    std::cout << kind << std::string(9 - kind.size(), ' ') << spec->name
              << std::string(spec->name.size() < 20 ? 20 - spec->name.size() : 1, ' ')
              << spec->summary << "\n";
  }
  return 0;
}

int run_describe(const DescribeOptions& o) {
  std::cout << describe_model(builtin_registry().spec(o.name));
  return 0;
}

}  // namespace xbarsim::app
