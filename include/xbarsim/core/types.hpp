#pragma once
#include <Eigen/Core>
#include <cstdint>

namespace xbarsim {

// The analog path runs in single precision: it is what the float reference uses, and the
// simulated noise (>= 1e-4 relative) dwarfs float rounding (6e-8 relative).
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;
using MatrixD = Eigen::MatrixXd;
using Index = Eigen::Index;
// A read-only view of a column-major float matrix or of a block or map of one: what a function
// takes when it must not force its caller to copy (numpy arrays from Python, batch slices).
using MatrixView = Eigen::Ref<const Matrix>;

}  // namespace xbarsim
