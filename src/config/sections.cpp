#include "xbarsim/config/sections.hpp"

#include <string>

namespace xbarsim {

void register_wires_section(Registry& registry);

void register_core_sections(Registry& registry) {
  register_wires_section(registry);
  registry.add_section(ModelSpec{
      kTileSection,
      ModelKind::kSection,
      "Array geometry of a tile (key path tile.*)",
      "docs/architecture.md#tiles",
      {
          int_param("rows", "1", 128, 1, 65536, "Word lines per array: inputs summed per column"),
          int_param("cols", "1", 128, 1, 65536,
                    "Bit lines per array: physical columns (a differential pair uses two)"),
          int_param("arrays", "1", 8, 1, 65536, "Crossbar arrays per tile"),
          int_param("adc_shared_columns", "1", 1, 1, 65536,
                    "Columns time-multiplexed onto one ADC; must divide tile.cols"),
          int_param("input_buffers", "1", 1, 1, 65536,
                    "Input buffers (registers) per tile, each of the input_buffer card's "
                    "capacity (ISAAC: one 2 KB register per IMA, 12 per tile); area and peak "
                    "power"),
          int_param("output_buffers", "1", 1, 1, 65536,
                    "Output buffers (registers) per tile, each of the output_buffer card's "
                    "capacity (ISAAC: 12)"),
          int_param("shift_adds", "1", 0, 0, 1 << 20,
                    "Shift-and-add units per tile; 0 = one per ADC (ISAAC: 4 per IMA, 48)"),
      }});
  registry.add_section(ModelSpec{
      kChipSection,
      ModelKind::kSection,
      "The chip around the tiles (key path chip.*); its components are priced per action",
      "docs/energy_model.md#chip",
      {
          int_param("tiles", "1", std::nullopt, 1, 1 << 24, "Tiles on the chip"),
          int_param("mesh_columns", "1", 0, 0, 1 << 24,
                    "Width of the tile mesh of the network-on-chip; 0 = ceil(sqrt(tiles))"),
          real_param("node_nm", "nm", 0.0, 0.0, 180.0,
                     "Technology node the circuit cards are scaled to (Stillmaker and Baas, "
                     "Integration 2017: 180, 130, 90, 65, 45, 32, 20, 16, 14, 10 or 7); 0 = each "
                     "card at its own node"),
          real_param("supply_voltage_v", "V", 0.0, 0.0, 2.0,
                     "Supply voltage at node_nm (required with node_nm)"),
          int_param("tiles_per_router", "1", 1, 1, 64,
                    "Tiles that share one network-on-chip router (ISAAC: 4); sets the router "
                    "count for area and peak power"),
          real_param("input_bit_activity_rel", "1", 0.5, 0.0, 1.0,
                     "Fraction of input digits that are non-zero, for the cell read energy of "
                     "shape-only estimates (simulated runs use the real inputs)"),
      }});
  registry.add_section(ModelSpec{
      kAttentionSection,
      ModelKind::kSection,
      "Where attention's products of two activations, Q K^T and A V, run (key path "
      "attention.*)",
      "docs/transformers.md#attention-on-rewritable-arrays",
      {
          choice_param("products", std::string("digital"), {"digital", "in_memory"},
                       "digital: on the chip's attention MAC unit (chip.attention_mac); "
                       "in_memory: on crossbar arrays of the architecture's tile, with K and V "
                       "written into the cells for every sample and head, every write counted"),
          choice_param("adc_range", std::string("per_layer"), {"per_layer", "per_matrix"},
                       "With tile.adc.range = calibrated, the ADC range of those rewritten "
                       "arrays: per_layer = one full scale per layer and product, set at "
                       "calibration as a fraction of the array's largest current; per_matrix = "
                       "each matrix calibrated on its own product (an auto-ranging readout, an "
                       "optimistic bound)"),
      }});
  registry.add_section(ModelSpec{
      kMappingSection,
      ModelKind::kSection,
      "How weights and inputs are encoded on the arrays (key path tile.mapping.*)",
      "docs/architecture.md#mapping",
      {
          int_param("weight_bits", "bit", 8, 2, 16,
                    "Signed weight precision including the sign bit (per-layer symmetric "
                    "quantisation)"),
          int_param("input_bits", "bit", 8, 1, 16,
                    "Input magnitude precision; signed inputs add a second (negative) phase"),
          int_param("bits_per_cell", "bit", 1, 1, 8,
                    "Weight bits stored per cell; needs 2^bits_per_cell <= the device's levels"),
          choice_param("signed_weights", std::string("differential"), {"differential", "offset"},
                       "differential: W+ and W- in a column pair, subtracted before the ADC; "
                       "offset: W + bias in one column, a reference column and a digital "
                       "correction remove the bias"),
          choice_param("weight_encoding", std::string("sliced"), {"sliced", "continuous"},
                       "sliced: quantise to weight_bits and split over bits_per_cell slices; "
                       "continuous: one cell per weight, programmed to an analog target"),
          choice_param("signed_inputs", std::string("two_phase"), {"two_phase", "bipolar"},
                       "two_phase: a signed input vector is driven as its positive and its "
                       "negative part, each converted and the second subtracted; bipolar: "
                       "row drivers of both polarities drive it at once, one signed read and "
                       "one conversion (needs a bipolar ADC readout)"),
      }});
}

namespace {
// NeuroSim's interconnect table (Peng et al., IEEE TCAS-I 66(11), 2019; its Param.cpp): at a
// 22 nm wire width, aspect ratio 2.0 and resistivity 5.41e-8 ohm m, i.e.
// 5.41e-8 / (22e-9 * 22e-9 * 2.0) = 55.9 ohm/um; one segment spans a 2F = 44 nm cell pitch.
constexpr double kWireResistivityOhmM = 5.41e-8;
constexpr double kWireWidthM = 22e-9, kWireAspect = 2.0, kCellPitchM = 2 * kWireWidthM;
constexpr double kSegmentOhm =
    kWireResistivityOhmM / (kWireWidthM * kWireWidthM * kWireAspect) * kCellPitchM;  // 2.46
}  // namespace

void register_wires_section(Registry& registry) {
  registry.add_section(ModelSpec{
      kWiresSection,
      ModelKind::kSection,
      "The array as a circuit: wire, driver and sense resistances and the IR-drop solve (key "
      "path tile.wires.*)",
      "docs/circuits.md#ir-drop",
      {
          choice_param("ir_drop", std::string("none"), {"none", "exact", "first_order"},
                       "none = ideal wires (column current = sum V G); exact = the nodal "
                       "solve of the resistive network, factorised once per programmed array; "
                       "first_order = the drops of the ideal currents along the wires, no "
                       "factorisation (error second order in R G n)"),
          real_param("row_wire_ohm", "ohm", kSegmentOhm, 0.0, 1e6,
                     "Resistance of one row-wire segment between adjacent cells; default "
                     "2.46 ohm: NeuroSim's 22 nm wire (5.41e-8 ohm m, 22 nm wide, aspect 2) "
                     "over a 2F cell pitch"),
          real_param("col_wire_ohm", "ohm", kSegmentOhm, 0.0, 1e6,
                     "Resistance of one column-wire segment; default as row_wire_ohm"),
          real_param("driver_ohm", "ohm", 10.0, 0.0, 1e9,
                     "Output resistance of a row driver; default 10 ohm, an assumption: a "
                     "driver sized to source a full row's milliamperes with a few % drop"),
          real_param("sense_ohm", "ohm", 10.0, 0.0, 1e9,
                     "Input resistance of a column's virtual-ground sense circuit (TIA or "
                     "integrator); default 10 ohm, an assumption"),
          real_param("iv_tolerance_rel", "1", 1e-8, 1e-15, 1e-2,
                     "With nonlinear cells (tile.device.iv_*) and ir_drop = exact: the "
                     "iteration has converged when no column current moves by more than this "
                     "fraction of the array's largest column current"),
          int_param("iv_max_iterations", "1", 200, 1, 100000,
                    "With nonlinear cells and ir_drop = exact: iterations before the solve is "
                    "an error that reports the residual reached"),
      }});
}

WireConfig wires_from(const ParamSet& p) {
  WireConfig w;
  const std::string& mode = p.choice("ir_drop");
  w.ir_drop = mode == "exact"         ? IrDrop::kExact
              : mode == "first_order" ? IrDrop::kFirstOrder
                                      : IrDrop::kNone;
  w.row_wire_ohm = p.real("row_wire_ohm");
  w.col_wire_ohm = p.real("col_wire_ohm");
  w.driver_ohm = p.real("driver_ohm");
  w.sense_ohm = p.real("sense_ohm");
  w.iv_tolerance_rel = p.real("iv_tolerance_rel");
  w.iv_max_iterations = static_cast<int>(p.integer("iv_max_iterations"));
  return w;
}

AttentionConfig attention_from(const ParamSet& p) {
  AttentionConfig a;
  a.products = p.choice("products") == "in_memory" ? AttentionProductsOn::kInMemory
                                                   : AttentionProductsOn::kDigital;
  a.adc_range = p.choice("adc_range") == "per_matrix" ? AttentionAdcRange::kPerMatrix
                                                      : AttentionAdcRange::kPerLayer;
  return a;
}

MappingConfig mapping_from(const ParamSet& p) {
  MappingConfig m;
  m.weight_bits = static_cast<int>(p.integer("weight_bits"));
  m.input_bits = static_cast<int>(p.integer("input_bits"));
  m.bits_per_cell = static_cast<int>(p.integer("bits_per_cell"));
  m.signed_weights = p.choice("signed_weights") == "offset" ? SignedWeights::kOffset
                                                            : SignedWeights::kDifferential;
  m.weight_encoding = p.choice("weight_encoding") == "continuous" ? WeightEncoding::kContinuous
                                                                  : WeightEncoding::kSliced;
  m.bipolar_inputs = p.choice("signed_inputs") == "bipolar";
  return m;
}

}  // namespace xbarsim
