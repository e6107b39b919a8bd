// `xbarsim energy`: energy, latency and area of a network on the in-memory architecture
// against a digital accelerator running the same network, from layer shapes alone.
#include "energy_command.hpp"

#include <iostream>

#include "common.hpp"
#include "report_format.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/yaml_util.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/system/comparison.hpp"
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

int run_energy(const EnergyOptions& o) {
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
    YAML::Node j(YAML::NodeType::Map);
    j["arch"] = arch.name;
    j["digital"] = digital_path;
    j["workload"] = workload.name;
    j["batch"] = o.batch;
    j["macs"] = analog.macs;
    j["energy_j_analog"] = analog.energy_j();
    j["energy_j_digital"] = base.energy_j();
    j["latency_s_analog"] = analog.latency_s;
    j["latency_s_digital"] = base.latency_s;
    j["area_m2_analog"] = analog.area_m2();
    j["area_m2_digital"] = base.area_m2();
    j["throughput_per_s_analog"] = analog.throughput_per_s;
    j["throughput_per_s_digital"] = base.throughput_per_s;
    j["tops_per_w_analog"] = analog.tops_per_w();
    j["tops_per_w_digital"] = base.tops_per_w();
    j["inferences_per_load"] = cmp.inferences_per_load;
    j["energy_per_inference_j_analog"] = analog.energy_per_inference_j(cmp.inferences_per_load);
    j["energy_per_inference_j_digital"] = base.energy_per_inference_j(cmp.inferences_per_load);
    for (const std::string& a : cmp.assumptions) j["assumptions"].push_back(a);
    j["breakdown"]["analog"] = report_tree(analog);
    j["breakdown"]["digital"] = report_tree(base);
    j["estimate_seconds"] = seconds;
    std::cout << yaml_to_json(j) << "\n";
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
