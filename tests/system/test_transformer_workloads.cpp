// Transformer workloads (docs/transformers.md): the shipped BERT-base, ViT-B/16 and GPT-2 files
// have the MAC and weight counts that follow from the papers' dimensions, attention's products
// of activations and the KV cache are counted as defined, and both sides of a comparison price
// them alike. Expected values are closed forms written here from the papers, never the
// program's output.
#include <doctest/doctest.h>

#include <string>

#include "system/system_fixtures.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/system/analog_system.hpp"
#include "xbarsim/system/comparison.hpp"
#include "xbarsim/system/workload.hpp"

using namespace xbarsim;

namespace {

std::string shipped(const std::string& rel) {
  return std::string(XBARSIM_TEST_SOURCE_DATA_DIR) + "/" + rel;
}

// BERT-base and GPT-2 small (Devlin et al. 2019; Radford et al. 2019): 12 blocks of width 768,
// 12 heads, feed-forward 3072. ViT-Base (Dosovitskiy et al. 2021, Table 1): the same.
constexpr double kD = 768, kFfn = 3072, kBlocks = 12;

// Weight MACs of one block on T tokens: Q, K, V and output projections, two MLP layers.
double block_macs(double tokens) {
  return tokens * (4 * kD * kD + 2 * kD * kFfn);
}
// Q K^T and A V for T queries against T + cached keys.
double attention_macs(double tokens, double cached) {
  return 2 * tokens * (tokens + cached) * kD;
}

double total(const SystemReport& r, const std::string& component, const std::string& action,
             const std::string& layer_prefix = "") {
  double c = 0;
  for (const ActionLine& a : r.actions)
    if (a.component == component && a.action == action && a.layer.rfind(layer_prefix, 0) == 0)
      c += a.count;
  return c;
}

const LayerWork& layer(const Workload& w, const std::string& name) {
  for (const LayerWork& l : w.layers)
    if (l.name == name) return l;
  FAIL("no layer " << name);
  return w.layers.front();
}

}  // namespace

TEST_CASE("BERT-base at 128 tokens: weight and activation MACs from the paper's dimensions") {
  const Workload w = load_workload(shipped("workloads/bert_base.yaml"));
  const double t = 128;
  // Blocks, then the pooler (768 x 768 on the [CLS] token) and the 2-way classifier.
  CHECK(w.macs_per_sample() == kBlocks * block_macs(t) + kD * kD + kD * 2);
  // 85 M encoder weights (BERT-base's 110 M include 24 M of embeddings, outside the workload).
  CHECK(w.weights() == kBlocks * (4 * kD * kD + 2 * kD * kFfn) + kD * kD + kD * 2);
  double act = 0;
  for (const LayerWork& l : w.layers) act += l.activation_macs_per_sample();
  CHECK(act == kBlocks * attention_macs(t, 0));
  const LayerWork& core = layer(w, "encoder.0.attn.core");
  CHECK(core.heads == 12);
  CHECK_FALSE(core.causal);
  CHECK(core.kv_cache_reads_per_sample() == 0.0);
  // Scale and softmax of every score: 12 heads x 128 x 128 scores, 1 + 7 operations each.
  CHECK(core.digital_ops_per_sample() == 12.0 * t * t * 8);
}

TEST_CASE("ViT-B/16: 197 tokens after the 16x16 patch embedding and the class token") {
  const Workload w = load_workload(shipped("workloads/vit_b16.yaml"));
  const double patches = 14 * 14, t = patches + 1;
  CHECK(layer(w, "tokens").out_shape.str() == "[196, 768]");
  CHECK(layer(w, "cls_token").out_shape.str() == "[197, 768]");
  const double patch_embed = patches * (3 * 16 * 16) * kD;
  CHECK(w.macs_per_sample() == patch_embed + kBlocks * block_macs(t) + kD * 1000);
  // ViT-Base has 86 M parameters (Table 1): 85.8 M of them are these weights.
  CHECK(w.weights() / 1e6 == doctest::Approx(85.8).epsilon(0.01));
}

TEST_CASE("GPT-2 decode: one token against a 512-token KV cache, read from and written to DRAM") {
  const Workload prefill = load_workload(shipped("workloads/gpt2_prefill.yaml"));
  const Workload decode = load_workload(shipped("workloads/gpt2_decode.yaml"));
  const double lm_head = kD * 50257;
  CHECK(prefill.macs_per_sample() == kBlocks * block_macs(512) + lm_head);
  CHECK(decode.macs_per_sample() == kBlocks * block_macs(1) + lm_head);
  double act = 0, reads = 0, writes = 0;
  for (const LayerWork& l : decode.layers) {
    act += l.activation_macs_per_sample();
    reads += l.kv_cache_reads_per_sample();
    writes += l.kv_cache_writes_per_sample();
  }
  CHECK(act == kBlocks * attention_macs(1, 512));
  CHECK(reads == kBlocks * 2 * 512 * kD);  // every cached key and value, every layer
  CHECK(writes == kBlocks * 2 * 1 * kD);   // the new token's key and value
  double prefill_writes = 0;
  for (const LayerWork& l : prefill.layers) prefill_writes += l.kv_cache_writes_per_sample();
  CHECK(prefill_writes == kBlocks * 2 * 512 * kD);

  // Both sides: the attention MACs at the same MAC, the KV cache through the same DRAM.
  const Registry& reg = builtin_registry();
  const ArchConfig arch =
      load_arch(test::arch_path("reram"), parse_overrides({"chip.tiles=4096"}), reg);
  const Comparison c = compare(decode, arch, reg, 1.0, {});
  for (const char* block : {"h.0.", "h.11."}) {
    CAPTURE(block);
    const std::string core = std::string(block) + "attn.core";
    CHECK(total(c.analog, "attention_mac", "mac", core) == attention_macs(1, 512));
    CHECK(total(c.digital, "mac", "mac", core) == attention_macs(1, 512));
    // At the precision the attention's inputs travel (8-bit activations, plus a sign bit on the
    // in-memory side where they can be negative; the digital side's int8 carries its sign).
    const double analog_bits = total(c.analog, "dram", "read_bit", core) / (2 * 512 * kD);
    const double digital_bits = total(c.digital, "dram", "read_bit", core) / (2 * 512 * kD);
    CHECK(analog_bits >= 8.0);
    CHECK(analog_bits <= 9.0);
    CHECK(digital_bits == 8.0);
  }
  auto energy_each = [](const SystemReport& r, const std::string& component) {
    for (const ActionLine& a : r.actions)
      if (a.component == component && a.layer.find("attn.core") != std::string::npos)
        return a.energy_per_action_j;
    return 0.0;
  };
  const double mac_analog = energy_each(c.analog, "attention_mac");
  const double mac_digital = energy_each(c.digital, "mac");
  REQUIRE(mac_analog > 0);
  // The in-memory chip's attention unit is the digital baseline's MAC card, at the same node.
  CHECK(mac_analog == doctest::Approx(mac_digital).epsilon(1e-12));
}
