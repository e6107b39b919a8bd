#include "circuits/memory/sram_buffer.hpp"

#include <cmath>
#include <cstdint>

#include "circuits/action_table.hpp"
#include "circuits/param_checks.hpp"

namespace xbarsim {

namespace {
// Horowitz, ISSCC 2014 (45 nm): a 64-bit read of an 8 KB SRAM costs 10 pJ, 0.15625 pJ per bit.
constexpr std::int64_t kHorowitzReferenceBits = 8 * 1024 * 8;
constexpr double kHorowitzReadPerBitJ = 10e-12 / 64.0;
// DNN+NeuroSim V1.4 (Param.cpp): SRAM cell 10 F x 28 F above 14 nm; at F = 45 nm.
constexpr double kNeurosimSramBitAreaM2 = 10.0 * 28.0 * 45e-9 * 45e-9;
constexpr std::int64_t kMaxBits = std::int64_t{1} << 50;
}  // namespace

ModelSpec sram_buffer_spec() {
  return ModelSpec{
      "memory.sram",
      ModelKind::kCost,
      "on-chip SRAM/eDRAM buffer: energy per bit x sqrt(capacity / reference capacity), "
      "area per bit x capacity",
      "docs/costs.md#memory-sram",
      {
          int_param("capacity_bits", "bit", std::nullopt, 1, kMaxBits,
                    "capacity of this buffer, bits; required: the architecture gives it"),
          int_param("word_bits", "bit", 64, 1, 4096,
                    "bits delivered by one access (the access width); default 64, the access "
                    "of Horowitz's SRAM figures"),
          int_param("reference_capacity_bits", "bit", kHorowitzReferenceBits, 1, kMaxBits,
                    "capacity at which the per-bit energies are given; default 8 KB, the "
                    "smallest SRAM of Horowitz, ISSCC 2014"),
          real_param("read_energy_per_bit_j", "J", kHorowitzReadPerBitJ, 0.0, 1e-9,
                     "read energy per bit at the reference capacity; default 10 pJ / 64 bit "
                     "(Horowitz, ISSCC 2014, 8 KB SRAM, 45 nm)"),
          real_param("write_energy_per_bit_j", "J", kHorowitzReadPerBitJ, 0.0, 1e-9,
                     "write energy per bit at the reference capacity; default: assumed equal "
                     "to the read energy (Horowitz gives reads only)"),
          real_param("area_per_bit_m2", "m2", kNeurosimSramBitAreaM2, 0.0, 1e-9,
                     "area per bit, cell only; default (assumption): DNN+NeuroSim V1.4's SRAM "
                     "cell, 10 F x 28 F at F = 45 nm"),
          real_param("access_time_s", "s", 1e-9, 0.0, 1e-3,
                     "time of one word access; the latency of one bit is access_time_s / "
                     "word_bits; default (assumption): one 1 GHz cycle"),
          circuits::technology_node_param(45e-9, "default: Horowitz's 45 nm"),
      }};
}

std::unique_ptr<CostModel> make_sram_buffer(const ParamSet& p) {
  static const ModelSpec spec = sram_buffer_spec();
  using circuits::checked_integer;
  using circuits::checked_real;
  const auto capacity = static_cast<double>(checked_integer(p, spec, "capacity_bits"));
  const auto word = static_cast<double>(checked_integer(p, spec, "word_bits"));
  const auto reference = static_cast<double>(checked_integer(p, spec, "reference_capacity_bits"));
  // Energy per access grows with the wire length to the addressed row and column, which is
  // proportional to the side of the array, i.e. to sqrt(capacity) (docs/costs.md).
  const double scale = std::sqrt(capacity / reference);
  const double latency = checked_real(p, spec, "access_time_s") / word;
  circuits::ActionTableCost::Table table = {
      {"read_bit", {checked_real(p, spec, "read_energy_per_bit_j") * scale, latency}},
      {"write_bit", {checked_real(p, spec, "write_energy_per_bit_j") * scale, latency}},
  };
  // Full activity: one word read per access time.
  const double peak_w = table[0].second.energy_j / latency;
  return std::make_unique<circuits::ActionTableCost>(
      spec.name, p.origin(), std::move(table), capacity * checked_real(p, spec, "area_per_bit_m2"),
      checked_real(p, spec, "technology_node_m"), peak_w);
}

}  // namespace xbarsim
