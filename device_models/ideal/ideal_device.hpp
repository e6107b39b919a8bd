#pragma once
// A cell that stores exactly the conductance it is asked to: the reference against which every
// non-ideal device is measured.
#include <memory>

#include "device_models/resistive_cell.hpp"
#include "xbarsim/config/param.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/device/device_model.hpp"

namespace xbarsim {

class IdealDevice final : public devices::ResistiveCell {
 public:
  static constexpr const char* kName = "ideal";
  static ModelSpec spec();

  // Throws ConfigError (naming params.origin()) on contradictory values.
  explicit IdealDevice(const ParamSet& params);

  std::string name() const override { return kName; }
  double g_min_siemens() const override { return g_min_; }
  double g_max_siemens() const override { return g_max_; }
  int levels() const override { return 0; }
  void program(Matrix& conductance, ProgrammingStreams streams) const override;
  void read_noise_std(const Matrix& conductance, Matrix& sigma_siemens) const override;

  // An ideal cell dissipates V^2 G t like any resistor; programming is free by definition.

 private:
  double g_min_;
  double g_max_;
};

}  // namespace xbarsim
