#pragma once
#include "xbarsim/core/types.hpp"

namespace xbarsim {

// w * x with the batch split into fixed column chunks over `threads` threads. Each output
// column is computed by exactly one single-threaded GEMM, so the result does not depend on
// the thread count.
Matrix parallel_product(const Matrix& w, const MatrixView& x, int threads, Index chunk = 64);

}  // namespace xbarsim
