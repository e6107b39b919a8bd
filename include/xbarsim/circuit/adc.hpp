#pragma once
// Column readout: converts a block of column currents to digital values.
#include <string>

#include "xbarsim/core/random.hpp"
#include "xbarsim/core/types.hpp"

namespace xbarsim {

// How the ADC's input range is set.
enum class AdcRangeMode {
  kFixed,       // full-scale: the largest current the array can produce
  kCalibrated,  // from the currents seen on a calibration batch
  kAbsolute,    // given on the card: in amperes, or in cells at their maximum current
};
// Over what the calibrated range is shared.
enum class AdcCalibration { kPerArray, kPerColumn };

// Static errors of the converters of one array, drawn once per fabricated chip
// (docs/circuits.md#adc-static-errors): per row of a block (one column or column pair, each
// with its own sense and conversion path) an input-referred offset and a gain, and the code
// transition levels of its static transfer curve (INL/DNL). All in LSB; empty = ideal.
struct AdcStaticErrors {
  Vector offset_lsb;  // rows
  Vector gain;        // rows; 1 = ideal
  Matrix thresholds;  // rows x transitions: the input (LSB) at which each next code begins
};

class Adc {
 public:
  virtual ~Adc() = default;
  virtual std::string name() const = 0;
  // Resolution; 0 means ideal (no quantisation, no clipping, no noise).
  virtual int bits() const = 0;
  virtual AdcRangeMode range_mode() const = 0;
  virtual AdcCalibration calibration() const = 0;
  // Quantile of |current| over the calibration batch that becomes the full-scale value
  // (1 = the maximum). Lower values trade clipping for resolution.
  virtual double calibration_quantile() const = 0;
  // With range kAbsolute: the full scale (A), given one cell's maximum current G_max V_read.
  virtual double absolute_full_scale_a(double /*cell_max_current_a*/) const { return 0.0; }
  // Input-referred Gaussian noise, in LSB (rms). 0 = none.
  virtual double input_noise_lsb() const = 0;

  // Converts `currents` (A) in place to the reconstructed current of the chosen code.
  // Row r of the block uses full scale `full_scale_a[r]`. Bipolar: codes cover
  // [-F, F] symmetrically (mid-tread, 2^(bits-1)-1 steps each side); unipolar: [0, F] with
  // 2^bits - 1 steps. Inputs beyond the range clip. `noise` may be null when
  // input_noise_lsb() == 0.
  // `errors`, when given, are the static errors of this block's converters (rows as the
  // block); draw them with draw_static_errors.
  virtual void convert(Eigen::Ref<Matrix> currents, const Vector& full_scale_a, bool bipolar,
                       Rng* noise, const AdcStaticErrors* errors = nullptr) const = 0;
  // Whether this converter has static errors to draw, and the draw for `rows` converters.
  virtual bool has_static_errors() const { return false; }
  virtual AdcStaticErrors draw_static_errors(Index /*rows*/, bool /*bipolar*/, Rng& /*rng*/) const {
    return {};
  }

  // Costs (docs/circuits.md): energy of one conversion at this resolution (from a table or a
  // figure-of-merit model), the time one converter takes per conversion, one converter's area.
  virtual double energy_per_conversion_j() const = 0;
  virtual double conversion_time_s() const = 0;
  virtual double area_m2() const = 0;
};

}  // namespace xbarsim
