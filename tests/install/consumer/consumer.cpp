// A program outside xbarsim that uses it as a library: from the data folder data_dir() finds,
// loads the shipped `ideal` architecture, programs a small matrix on its crossbars, runs one MVM
// and checks it against W x. Built against the installed package and as a subdirectory by
// tests/install/run_install_test.sh.
//
//   xbarsim_consumer EXPECTED_DATA_DIR
//
// Exit 0 when data_dir() is EXPECTED_DATA_DIR and the product is right, 1 otherwise.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/config/registry.hpp"
#include "xbarsim/engine/analog_matrix.hpp"
#include "xbarsim/engine/tile_models.hpp"
#include "xbarsim/version.hpp"

namespace fs = std::filesystem;
using namespace xbarsim;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: xbarsim_consumer EXPECTED_DATA_DIR\n";
    return 1;
  }
  try {
    const std::string data = data_dir();
    if (fs::weakly_canonical(data) != fs::weakly_canonical(argv[1])) {
      std::cerr << "xbarsim_consumer: data_dir() is " << data << ", expected " << argv[1] << "\n";
      return 1;
    }
    const Registry& registry = builtin_registry();
    const ArchConfig arch = load_arch(data + "/arch/ideal.yaml", {}, registry);
    const auto models = make_tile_models(arch, registry);

    // More inputs than an array has rows (128 in ideal.yaml): three row blocks, so the digital
    // accumulation across arrays runs too. Signed weights and inputs of varied magnitudes.
    const Index out = 12, in = 300, batch = 4;
    Matrix w(out, in), x(in, batch);
    for (Index i = 0; i < out; ++i)
      for (Index j = 0; j < in; ++j)
        w(i, j) = static_cast<float>(std::sin(0.7 * static_cast<double>(i * in + j) + 0.3));
    for (Index j = 0; j < in; ++j)
      for (Index b = 0; b < batch; ++b)
        x(j, b) = static_cast<float>(std::cos(1.3 * static_cast<double>(j * batch + b)));

    AnalogMatrix analog(w, models, StreamKey{1, 0, 0}, "consumer matrix", 1);
    const Matrix y = analog.multiply(x, static_cast<double>(x.cwiseAbs().maxCoeff()));
    const MatrixD ref = w.cast<double>() * x.cast<double>();
    // The ideal architecture has no noise and no quantisation, so only float rounding remains:
    // each output sums `in` float products with a few rescalings, |error| <= c * in * eps *
    // sum |w||x| (Higham, Accuracy and Stability, Sec. 3.1), c = 8 as in
    // tests/engine/test_ideal_crossbar.cpp.
    const MatrixD bound = (w.cwiseAbs().cast<double>() * x.cwiseAbs().cast<double>()) *
                          (8.0 * static_cast<double>(in + 4) * std::ldexp(1.0, -24));
    const MatrixD error = (y.cast<double>() - ref).cwiseAbs();
    if (y.rows() != out || y.cols() != batch || !(error.array() <= bound.array()).all()) {
      std::cerr << "xbarsim_consumer: the ideal crossbar's product is off W x: largest error "
                << error.maxCoeff() << ", bound " << bound.minCoeff() << " to " << bound.maxCoeff()
                << "\n";
      return 1;
    }
    std::cout << "xbarsim " << kVersion << " (" << kGitSha1 << "), data " << data << ": " << out
              << " x " << in << " on " << analog.plan().arrays()
              << " arrays, y = W x within float rounding (largest error " << error.maxCoeff()
              << ")\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "xbarsim_consumer: " << e.what() << "\n";
    return 1;
  }
}
