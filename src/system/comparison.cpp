// The fair comparison of docs/digital_baseline.md#fairness.
#include "xbarsim/system/comparison.hpp"

#include <algorithm>
#include <cstdio>

#include "xbarsim/config/node_scaling.hpp"
#include "xbarsim/config/section_loader.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/system/analog_system.hpp"

namespace xbarsim {

namespace {

std::string joules(double j) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3g J", j);
  return buf;
}

std::string seconds(double s) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3g s", s);
  return buf;
}

}  // namespace

std::string default_digital_path() {
  return data_dir() + "/arch/digital/int8_ws.yaml";
}

DigitalBaseline fair_digital_baseline(const ArchConfig& arch, const ComparisonOptions& options,
                                      const Registry& registry) {
  if (!arch.system)
    throw ConfigError(arch.file, "chip",
                      "missing section: the comparison with a digital accelerator needs the "
                      "in-memory chip (docs/energy_model.md)");
  const std::string path =
      options.digital_path.empty() ? default_digital_path() : options.digital_path;
  DigitalBaseline d = load_digital(path, {}, registry);
  if (!options.digital_own_dram) {
    // The same memory on both sides: the digital accelerator prices the in-memory chip's
    // DRAM card, with its bandwidth.
    d.dram.config = arch.system->dram;
    d.dram.model = registry.make_cost(d.dram.config.model, d.dram.config.params);
    const double bit_s = d.dram.model->cost(kActionReadBit).latency_s;
    d.dram_bandwidth_bits_per_s = bit_s > 0 ? 1.0 / bit_s : 0.0;
    d.resolved["dram"] = component_tree(d.dram.config);
  }
  if (arch.system->node_m > 0) {
    // The same node on both sides: the digital cards move to the in-memory chip's node and
    // supply by the same rule.
    for (auto [key, comp] : {std::pair<const char*, DigitalComponent*>{"mac", &d.mac},
                             {"logic", &d.logic},
                             {"register_file", &d.register_file},
                             {"global_buffer", &d.global_buffer},
                             {"weight_buffer", &d.weight_buffer},
                             {"noc", &d.noc}}) {
      if (!comp->present()) continue;
      scale_to_node(comp->config, registry, arch.system->node_m, arch.system->supply_v);
      comp->model = registry.make_cost(comp->config.model, comp->config.params);
      d.resolved[key] = component_tree(comp->config);
    }
  }
  return d;
}

Comparison compare(const Workload& workload, const ArchConfig& arch, const Registry& registry,
                   double batch, const ComparisonOptions& options,
                   const std::vector<ActionCounts>* simulated) {
  if (!(options.inferences_per_load >= 0))
    throw ConfigError("command line", "--inferences-per-load", "expected a number >= 0");
  const DigitalBaseline digital = fair_digital_baseline(arch, options, registry);
  Comparison c;
  c.digital_path = digital.file;
  c.inferences_per_load = options.inferences_per_load;
  c.analog = estimate_analog(workload, arch, registry, batch, simulated);
  c.digital = estimate_digital(workload, digital, batch);

  const std::string& analog_dram = arch.system->dram.card_path;
  const std::string& digital_dram = digital.dram.config.card_path;
  c.assumptions.push_back("DRAM: in-memory " + analog_dram + ", digital " + digital_dram +
                          (options.digital_own_dram
                               ? " (--digital-dram own: the digital file's own card)"
                               : " (the same card on both sides)"));
  c.assumptions.push_back("weights, in-memory: " + c.analog.weights_where);
  c.assumptions.push_back("weights, digital: " + c.digital.weights_where);
  c.assumptions.push_back(
      "one-time weight load: in-memory " + joules(c.analog.setup_energy_j()) + " in " +
      seconds(c.analog.setup_time_s) + ", digital " + joules(c.digital.setup_energy_j()) + " in " +
      seconds(c.digital.setup_time_s) + "; " +
      (options.inferences_per_load > 0
           ? "shared over " + std::to_string(static_cast<long long>(options.inferences_per_load)) +
                 " inferences per load in the energy per inference"
           : "not in the energy per inference (--inferences-per-load N "
             "shares it over N inferences)"));
  c.assumptions.push_back(
      "partial sums: priced at the exact width the mapping needs, the width the engine "
      "computes");
  if (arch.system->node_m > 0) {
    char node[160];
    std::snprintf(node, sizeof(node),
                  "technology: every circuit card of both sides scaled to %g nm at %g V "
                  "(Stillmaker and Baas, Integration 2017); device cards keep their own",
                  arch.system->node_m * 1e9, arch.system->supply_v);
    c.assumptions.push_back(node);
    c.analog.technology_node_m = c.digital.technology_node_m = arch.system->node_m;
  } else {
    c.assumptions.push_back(
        "technology: each card at its own node (no chip.node_nm); the digital cards are "
        "Horowitz's 45 nm unless its file says otherwise");
  }
  const bool has_attention =
      std::any_of(workload.layers.begin(), workload.layers.end(),
                  [](const LayerWork& l) { return l.type == LayerType::kAttention; });
  if (has_attention)
    c.assumptions.push_back(
        arch.attention.products == AttentionProductsOn::kInMemory
            ? "attention's Q K^T and A V: in-memory on arrays of the tile with K and V written "
              "for every sample (attention.products: in_memory), digital on the PE array"
            : "attention's Q K^T and A V: on a digital MAC unit on both sides, at the same "
              "price per MAC (chip.attention_mac)");
  if (!arch.layers.empty())
    c.assumptions.push_back("per-layer tiles: " + arch.layers_summary() +
                            "; every other layer on the architecture's tile");
  for (const std::string& warning : arch.warnings) c.assumptions.push_back("warning: " + warning);
  c.assumptions.push_back(
      "DAC drives and sample-and-hold priced at this architecture's own read timing");
  return c;
}

}  // namespace xbarsim
