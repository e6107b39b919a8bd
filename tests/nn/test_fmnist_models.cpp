// The shipped Fashion-MNIST models end to end: on ideal crossbars they must classify exactly as
// the float network does; on a ReRAM tile, more programming noise must cost accuracy.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>

#include "engine/engine_fixtures.hpp"
#include "nn/nn_fixtures.hpp"
#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/io/dataset.hpp"
#include "xbarsim/nn/backends.hpp"

using namespace xbarsim;
using namespace xbarsim::nntest;

namespace {

constexpr int kThreads = 2;  // results do not depend on it (fixed work units)
constexpr Index kBatch = 250;

// Logits of the whole input set, in batches (keeps the im2col matrices small).
Matrix logits_of(const Network& net, const Matrix& inputs, const CrossbarProduct& product) {
  Matrix out(net.num_classes, inputs.cols());
  for (Index b0 = 0; b0 < inputs.cols(); b0 += kBatch) {
    const Index n = std::min(kBatch, inputs.cols() - b0);
    out.middleCols(b0, n) = forward(net, inputs.middleCols(b0, n), product);
  }
  return out;
}

Index correct(const Matrix& logits, const std::vector<int>& labels) {
  const std::vector<int> pred = argmax_columns(logits);
  Index n = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) n += pred[i] == labels[i];
  return n;
}

const Dataset& test_images(Index n) {
  static const Dataset d = load_dataset("fashion-mnist", Split::kTest, 2000);
  REQUIRE(d.size() >= n);
  return d;
}
const Dataset& calibration_images() {
  static const Dataset d = load_dataset("fashion-mnist", Split::kTrain, 256);
  return d;
}

// Float and ideal-analog top-1 accuracy on the first 2000 test images must be identical: the
// ideal tile computes W x to float rounding, so a prediction can only change where two logits
// tie within that rounding.
void check_ideal_equals_float(const std::string& model_file) {
  const std::string path = source_data("models/" + model_file);
  INFO("model " << path);
  REQUIRE(fs::exists(path));
  const Network net = load_network(path);
  const Dataset& test = test_images(2000);
  const Index n = 2000;
  const Matrix inputs = normalise_inputs(net, test.images.leftCols(n));
  const std::vector<int> labels(test.labels.begin(), test.labels.begin() + n);
  const Matrix calibration = normalise_inputs(net, calibration_images().images);
  const ActivationRanges ranges = calibrate_ranges(net, calibration, kThreads);

  const Matrix float_logits = logits_of(net, inputs, float_product(net, kThreads));
  const Registry& registry = builtin_registry();
  const auto ideal =
      make_tile_models(load_arch(source_data("arch/ideal.yaml"), {}, registry), registry);
  AnalogNetwork analog(net, ideal, ranges, /*seed=*/5, /*trial=*/0, kThreads);
  analog.calibrate(calibration);
  const Matrix analog_logits = logits_of(net, inputs, analog.product());

  const Index float_correct = correct(float_logits, labels);
  const Index analog_correct = correct(analog_logits, labels);
  double max_diff = 0;
  for (Index i = 0; i < float_logits.size(); ++i)
    max_diff = std::max(
        max_diff, std::abs(static_cast<double>(analog_logits.data()[i]) - float_logits.data()[i]) /
                      std::max(1.0, std::abs(double{float_logits.data()[i]})));
  const std::vector<int> fp = argmax_columns(float_logits), an = argmax_columns(analog_logits);
  Index changed = 0;
  for (std::size_t i = 0; i < fp.size(); ++i) changed += fp[i] != an[i];
  INFO("float correct " << float_correct << ", analog correct " << analog_correct
                        << ", predictions changed " << changed
                        << ", max |logit difference| / max(1, |logit|) " << max_diff);

  // The float pass itself is right: the file records PyTorch's accuracy on all 10,000 test
  // images; 2000 of them estimate it to within ~0.0065 (one binomial standard deviation).
  const double stored = read_root_double(path, "test_accuracy_float");
  CHECK(std::abs(static_cast<double>(float_correct) / n - stored) < 0.03);
  CHECK(analog_correct == float_correct);
  CHECK(max_diff < 1e-3);
}

}  // namespace

TEST_CASE("ideal crossbars classify like float32: fmnist_mlp.h5, 2000 test images") {
  check_ideal_equals_float("fmnist_mlp.h5");
}

TEST_CASE("ideal crossbars classify like float32: fmnist_cnn.h5, 2000 test images") {
  check_ideal_equals_float("fmnist_cnn.h5");
}

TEST_CASE("more ReRAM programming noise lowers the mean accuracy (Welch t-test)") {
  // ReRAM tile: 16 levels in 0-40 uS, 2 bits per cell, 8-bit weights and inputs, bit-serial
  // 1-bit DAC, 8-bit ADC calibrated per array. Programming error sigma = offset only (no
  // slope, no read noise), 0.5 uS vs 4 uS: 1/80 vs 1/10 of the range. At 4 uS the accuracy
  // falls by several percent (roughly 0.89 -> 0.80 on these images), far more than the
  // trial-to-trial spread (~1-3 %), so t is typically 6-10 and t > 3 is robust; with the
  // noise ignored both arms would be identical (t = 0).
  //
  // 500 images rather than 1000: 12 programmed networks x (500 + 256 calibration) images take
  // 5-11 s on a shared 2-core machine (1000 images: up to ~20 s). The same 500 images are
  // used in every trial, so the image sample adds no variance between the arms; the per-trial
  // accuracy resolution (0.2 %) and spread stay far below the ~9 % gap.
  constexpr Index kImages = 500;
  constexpr int kTrials = 6;
  const std::string path = source_data("models/fmnist_mlp.h5");
  REQUIRE(fs::exists(path));
  const Network net = load_network(path);
  const Dataset& test = test_images(kImages);
  const Matrix inputs = normalise_inputs(net, test.images.leftCols(kImages));
  const std::vector<int> labels(test.labels.begin(), test.labels.begin() + kImages);
  const Matrix calibration = normalise_inputs(net, calibration_images().images);
  const ActivationRanges ranges = calibrate_ranges(net, calibration, kThreads);

  auto accuracies = [&](double sigma_siemens, std::uint64_t seed) {
    test::TileSpec t;
    t.device = "reram.multilevel";
    t.device_params = {{"g_min_siemens", 0.0},
                       {"g_max_siemens", 40e-6},
                       {"levels", std::int64_t{16}},
                       {"prog_sigma_slope_rel", 0.0},
                       {"prog_sigma_offset_siemens", sigma_siemens},
                       {"read_noise_rel", 0.0}};
    t.dac = "dac.linear";
    t.dac_params = {{"bits", std::int64_t{1}}};
    t.adc = "adc.quantizing";
    t.adc_params = {{"bits", std::int64_t{8}},
                    {"range", std::string("calibrated")},
                    {"calibration", std::string("per_array")}};
    t.mapping.weight_bits = 8;
    t.mapping.input_bits = 8;
    t.mapping.bits_per_cell = 2;
    t.mapping.weight_encoding = WeightEncoding::kSliced;
    t.mapping.signed_weights = SignedWeights::kDifferential;
    t.rows = 128;
    t.cols = 128;
    const auto models = test::make_models(t);
    std::vector<double> acc;
    for (int trial = 0; trial < kTrials; ++trial) {
      AnalogNetwork analog(net, models, ranges, seed, static_cast<std::uint64_t>(trial), kThreads);
      analog.calibrate(calibration);
      acc.push_back(static_cast<double>(correct(logits_of(net, inputs, analog.product()), labels)) /
                    kImages);
    }
    return acc;
  };
  // Independent seeds for the two arms, as Welch's test assumes independent samples.
  const std::vector<double> low = accuracies(0.5e-6, 101);
  const std::vector<double> high = accuracies(4e-6, 202);

  auto mean = [](const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  };
  auto variance = [&](const std::vector<double>& v) {
    const double m = mean(v);
    double s = 0;
    for (double a : v) s += (a - m) * (a - m);
    return s / (static_cast<double>(v.size()) - 1);
  };
  const double m_low = mean(low), m_high = mean(high);
  const double se = std::sqrt(variance(low) / kTrials + variance(high) / kTrials);
  const double t = se > 0 ? (m_low - m_high) / se : (m_low > m_high ? HUGE_VAL : 0.0);
  INFO("mean accuracy at 0.5 uS " << m_low << ", at 4 uS " << m_high << ", Welch t " << t);
  CHECK(t > 3.0);
  // The low-noise tile is still a working classifier (the float MLP scores ~0.9 here).
  const double float_acc =
      static_cast<double>(correct(logits_of(net, inputs, float_product(net, kThreads)), labels)) /
      kImages;
  CHECK(m_low > float_acc - 0.05);
}
