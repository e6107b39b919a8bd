#include "xbarsim/core/parallel_gemm.hpp"

#include "xbarsim/core/parallel.hpp"

namespace xbarsim {

Matrix parallel_product(const Matrix& w, const MatrixView& x, int threads, Index chunk) {
  Matrix y(w.rows(), x.cols());
  parallel_for((x.cols() + chunk - 1) / chunk, threads, [&](std::int64_t k) {
    const Index b0 = k * chunk, bc = std::min(chunk, x.cols() - b0);
    y.middleCols(b0, bc).noalias() = w * x.middleCols(b0, bc);
  });
  return y;
}

}  // namespace xbarsim
