// ResultFile's typed datasets and unit_of_key, the unit rule of every result file
// (docs/result_format.md#units), read back with the plain HDF5 C API.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "result_file_reader.hpp"
#include "test_support.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/io/result_file.hpp"

namespace xbarsim {

TEST_CASE("unit_of_key: the unit follows the key's suffix, after a side and a by_ group") {
  // Energies in joules, wherever the key names them.
  CHECK(unit_of_key("cell_read_energy_j") == "J");
  CHECK(unit_of_key("energy_j_analog") == "J");
  CHECK(unit_of_key("energy_per_inference_j_digital") == "J");
  CHECK(unit_of_key("energy_j_by_category_digital") == "J");
  CHECK(unit_of_key("energy_j_by_component_analog") == "J");
  CHECK(unit_of_key("energy_per_action_j") == "J");
  // The other SI suffixes of config and result keys.
  CHECK(unit_of_key("latency_s_digital") == "s");
  CHECK(unit_of_key("tile.device.t_inference_s") == "s");
  CHECK(unit_of_key("area_m2_analog") == "m^2");
  CHECK(unit_of_key("peak_power_w_analog") == "W");
  CHECK(unit_of_key("adc_full_scale_a") == "A");
  CHECK(unit_of_key("dac_full_scale_v") == "V");
  CHECK(unit_of_key("clock_hz") == "Hz");
  CHECK(unit_of_key("tile.device.prog_sigma_offset_siemens") == "S");
  CHECK(unit_of_key("tile.wires.row_wire_ohm") == "Ohm");
  // Counts and fractions.
  for (const char* key : {"adc_conversions", "cell_macs", "images", "count", "accuracy",
                          "accuracy_ci95", "tile.adc.bits", "tile.device.read_noise_rel", "analog",
                          "_j", "", "energy_breakdown_analog", "bits"})
    CHECK_MESSAGE(unit_of_key(key) == "1", key);
}

TEST_CASE("result file: 2-D, int64 and string datasets read back as written") {
  test::TempDir dir;
  const std::string path = dir.file("typed.h5");
  {
    ResultFile out(path);
    out.matrix("/results/m", {1, 2, 3, 4, 5, 6}, 2, 3, "J");
    out.int_dataset("/axes/bits", {4, -8, 1LL << 40}, "1");
    out.string_dataset("/axes/arch", {"reram", "", "12"});
    out.string_dataset("/axes/none", {});
    CHECK_THROWS_AS(out.matrix("/results/bad", {1, 2, 3}, 2, 2, "1"), Error);
    out.commit();
  }
  const test::H5Reader f(path);
  CHECK(f.dims("/results/m") == std::vector<hsize_t>{2, 3});
  CHECK(f.doubles("/results/m") == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(f.attr_text("/results/m", "unit") == "J");
  CHECK(f.type_class("/axes/bits") == H5T_INTEGER);
  CHECK(f.type_size("/axes/bits") == 8);
  CHECK(f.ints("/axes/bits") == std::vector<long long>{4, -8, 1LL << 40});
  CHECK(f.type_class("/axes/arch") == H5T_STRING);
  CHECK(f.strings("/axes/arch") == std::vector<std::string>{"reram", "", "12"});
  CHECK(f.dims("/axes/none") == std::vector<hsize_t>{0});
  CHECK_FALSE(f.exists("/results/bad"));
}

}  // namespace xbarsim
