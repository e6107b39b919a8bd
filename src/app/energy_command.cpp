// `xbarsim energy`: energy, latency and area of a network on the in-memory architecture
// against a digital accelerator running the same network, from layer shapes alone.
#include "energy_command.hpp"

#include <iostream>

#include "common.hpp"
#include "report_format.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/json.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/report_json.hpp"
#include "xbarsim/system/workload.hpp"

namespace xbarsim::app {

CLI::App* add_energy_command(CLI::App& app, EnergyOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "energy",
      "Energy, latency and area of a network on ARCH against a digital accelerator "
      "running the same network");
  cmd->add_option("arch", o.arch,
                  "Architecture YAML file or shipped name (reram, sram, isaac, ...)")
      ->required();
  auto* model = cmd->add_option("--model", o.model, "Model file: its layer shapes are used");
  auto* workload = cmd->add_option(
      "--workload", o.workload,
      "Workload YAML (layer shapes), a path or a shipped name (resnet18, resnet50, vgg16, ...)");
  model->excludes(workload);
  add_comparison_options(cmd, o.comparison);
  cmd->add_option("--batch", o.batch, "Inferences per batch")->check(number_in(1, 1e12));
  cmd->add_option("--set", o.sets, "Override a config key of ARCH: path=value (repeatable)");
  cmd->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  return cmd;
}

int run_energy(const EnergyOptions& o, const std::string& command_line) {
  if (o.model.empty() == o.workload.empty())
    throw ConfigError("command line", "--model/--workload", "give exactly one of them");
  const Registry& registry = builtin_registry();
  const std::string arch_path = resolve_arch_path(o.arch);
  const ArchConfig arch = load_arch(arch_path, parse_overrides(o.sets), registry);
  const Workload workload = o.model.empty() ? load_workload(resolve_workload_path(o.workload))
                                            : workload_from_network(load_network(o.model));
  Stopwatch clock;
  const Comparison cmp = compare(workload, arch, registry, o.batch, o.comparison.options());
  const double seconds = clock.seconds();
  const SystemReport& analog = cmp.analog;
  const SystemReport& base = cmp.digital;
  const std::string& digital_path = cmp.digital_path;

  if (o.format == "json") {
    Json j = json_document(command_line, 0);
    j.update(energy_estimate_json(cmp, arch.name, workload, o.batch));
    j["estimate_seconds"] = seconds;
    std::cout << dump_json(j) << "\n";
    return 0;
  }
  std::cout << "xbarsim energy: " << workload.name << " (" << fmt_num(workload.macs_per_sample(), 4)
            << " MACs per inference), batch " << o.batch << "\n"
            << "in-memory: " << arch.name << " (" << arch_path << ")\n"
            << "digital:   " << digital_path << "\n";
  for (const std::string& a : cmp.assumptions) std::cout << "assumes:   " << a << "\n";
  std::cout << "\n";
  print_comparison(std::cout, analog, &base, cmp.inferences_per_load);
  return 0;
}

}  // namespace xbarsim::app
