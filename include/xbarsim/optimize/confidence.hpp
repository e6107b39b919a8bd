#pragma once
// The accuracy bound of `xbarsim optimize` (docs/optimizer.md#statistics): a one-sided lower
// confidence bound on the analog accuracy minus the float accuracy, from per-image paired
// differences on the same images.
#include <cstdint>
#include <vector>

namespace xbarsim {

// Quantile of the standard normal distribution: x with Phi(x) = p, for p in (0, 1).
double normal_quantile(double p);

// Quantile of Student's t distribution with `dof` degrees of freedom (dof >= 1), by the
// Cornish-Fisher expansion in 1/dof (Abramowitz & Stegun 26.7.5).
double student_t_quantile(double p, double dof);

// Analog against float on the same n images, analog averaged over T trials.
struct AccuracyBound {
  std::int64_t images = 0;  // n
  std::int64_t trials = 0;  // T
  double confidence = 0;    // 1 - alpha
  double accuracy_float = 0;
  double accuracy_analog = 0;           // mean over images and trials
  std::vector<double> accuracy_trials;  // per trial
  double drop_mean = 0;                 // accuracy_float - accuracy_analog
  double drop_std = 0;                  // sample std of the per-image differences d_i
  // Upper confidence bound on the drop: drop_mean + t_{conf, n-1} s_d / sqrt(n).
  double drop_upper = 0;
  // accuracy_float - drop_upper: the analog accuracy that holds at the confidence.
  double accuracy_lower() const { return accuracy_float - drop_upper; }
  bool meets(double max_drop) const { return drop_upper <= max_drop; }
};

// float_correct[i] is 1 when the float network classifies image i right; analog_correct[t][i]
// the same for trial t. Throws Error when the sizes differ or there are fewer than 2 images.
AccuracyBound paired_accuracy_bound(const std::vector<std::uint8_t>& float_correct,
                                    const std::vector<std::vector<std::uint8_t>>& analog_correct,
                                    double confidence);

}  // namespace xbarsim
