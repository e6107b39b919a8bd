#include "xbarsim/circuit/nonlinear_crossbar.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "crossbar_nodal.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim {

namespace {
// Vectors solved together: bounds the node-voltage block (2 rows cols x this) in memory.
constexpr Index kVectorsPerSolve = 64;
}  // namespace

NonlinearCrossbar::NonlinearCrossbar(const Matrix& g, const Matrix& a2, const Matrix& a3,
                                     Index physical_rows, const WireConfig& wires,
                                     std::string origin)
    : rows_(g.rows()),
      cols_(g.cols()),
      tolerance_rel_(wires.iv_tolerance_rel),
      max_iterations_(wires.iv_max_iterations),
      origin_(std::move(origin)) {
  if (a2.rows() != rows_ || a2.cols() != cols_ || a3.rows() != rows_ || a3.cols() != cols_)
    throw Error("NonlinearCrossbar: coefficient matrices do not match the array");
  const circuit_detail::CrossbarNodal c = circuit_detail::crossbar_nodal(g, physical_rows, wires);
  driver_siemens_ = c.driver_siemens;
  foot_ohm_ = c.foot_ohm;
  ldlt_ = std::make_shared<Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>>>(c.matrix);
  if (ldlt_->info() != Eigen::Success)
    throw Error("NonlinearCrossbar: the nodal matrix could not be factorised");
  const Index rc = rows_ * cols_;
  g_.resize(rc);
  a2_.resize(rc);
  a3_.resize(rc);
  for (Index i = 0; i < rows_; ++i)
    for (Index j = 0; j < cols_; ++j) {
      // A cell at 0 S is an open circuit: no linear stamp, and no nonlinear current either.
      const bool open = !(g(i, j) > 0);
      g_(i * cols_ + j) = open ? 0.0 : g(i, j);
      a2_(i * cols_ + j) = open ? 0.0 : a2(i, j);
      a3_(i * cols_ + j) = open ? 0.0 : a3(i, j);
    }
}

Eigen::MatrixXd NonlinearCrossbar::solve(const Eigen::MatrixXd& rhs) const {
  // P^T L D L^T P x = rhs with the factors of the SimplicialLDLT, but with the right-hand sides
  // stored row-major: each entry of L then updates one contiguous row of all vectors at once,
  // instead of L being traversed once per vector (2.8 times faster for 64 vectors on a
  // 128 x 128 array; docs/performance.md).
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::SparseMatrix<double>& l = ldlt_->matrixL().nestedExpression();
  const Eigen::VectorXd& diagonal = ldlt_->vectorD();
  const int* start = l.outerIndexPtr();
  const int* row = l.innerIndexPtr();
  const double* value = l.valuePtr();
  const Index n = l.cols();
  RowMajor y = ldlt_->permutationP() * rhs;
  for (Index k = 0; k < n; ++k)  // L z = P rhs (L has a unit diagonal, stored or not)
    for (int p = start[k]; p < start[k + 1]; ++p)
      if (row[p] > k) y.row(row[p]).noalias() -= value[p] * y.row(k);
  for (Index k = 0; k < n; ++k) y.row(k) /= diagonal(k);
  for (Index k = n - 1; k >= 0; --k)  // L^T w = D^-1 z
    for (int p = start[k]; p < start[k + 1]; ++p)
      if (row[p] > k) y.row(k).noalias() -= value[p] * y.row(row[p]);
  return ldlt_->permutationPinv() * Eigen::MatrixXd(y);
}

Eigen::MatrixXd NonlinearCrossbar::currents(const Eigen::MatrixXd& volts, double* cell_power_w,
                                            int* iterations) const {
  if (volts.rows() != rows_)
    throw Error("NonlinearCrossbar: drive has " + std::to_string(volts.rows()) +
                " rows, the array " + std::to_string(rows_));
  Eigen::MatrixXd out(cols_, volts.cols());
  int most = 0;
  for (Index b0 = 0; b0 < volts.cols(); b0 += kVectorsPerSolve) {
    const Index n = std::min(kVectorsPerSolve, volts.cols() - b0);
    out.middleCols(b0, n) = solve_block(volts.middleCols(b0, n), cell_power_w, most);
  }
  if (iterations) *iterations = most;
  return out;
}

Eigen::MatrixXd NonlinearCrossbar::solve_block(const Eigen::MatrixXd& volts, double* cell_power_w,
                                               int& iterations) const {
  const Index rc = rows_ * cols_, batch = volts.cols();
  Eigen::MatrixXd drive = Eigen::MatrixXd::Zero(2 * rc, batch);
  for (Index i = 0; i < rows_; ++i) drive.row(i * cols_) = driver_siemens_ * volts.row(i);
  // The sense node of column j is the column node of its last cell.
  auto column_currents = [&](const Eigen::MatrixXd& x) {
    return Eigen::MatrixXd(x.middleRows(rc + (rows_ - 1) * cols_, cols_) / foot_ohm_);
  };
  auto nonlinear_part = [&](const Eigen::ArrayXXd& d) {
    return Eigen::ArrayXXd(d.square().colwise() * a2_ + d.cube().colwise() * a3_);
  };
  Eigen::MatrixXd x = solve(drive);  // the linear network: the first iterate
  Eigen::MatrixXd current = column_currents(x);
  Eigen::ArrayXXd d = x.topRows(rc) - x.bottomRows(rc);
  Eigen::ArrayXXd n = nonlinear_part(d);
  Eigen::MatrixXd rhs(2 * rc, batch);
  double change = 0, scale = 0, residual = 0;
  int k = 1;
  for (; k <= max_iterations_; ++k) {
    rhs.topRows(rc) = drive.topRows(rc) - n.matrix();
    rhs.bottomRows(rc) = n.matrix();
    x = solve(rhs);
    const Eigen::MatrixXd next = column_currents(x);
    d = x.topRows(rc) - x.bottomRows(rc);
    Eigen::ArrayXXd n_next = nonlinear_part(d);
    // x solves Y x = b - S n_old exactly, so its Kirchhoff residual is S (n_next - n_old):
    // the largest cell-current error left at any node.
    const double step_residual = (n_next - n).abs().maxCoeff();
    const double step_change = (next - current).cwiseAbs().maxCoeff();
    if (!std::isfinite(step_change) || !std::isfinite(step_residual)) break;
    residual = step_residual;
    change = step_change;
    scale = next.cwiseAbs().maxCoeff();
    current = next;
    n = std::move(n_next);
    if (change <= tolerance_rel_ * scale) {
      iterations = std::max(iterations, k);
      if (cell_power_w) *cell_power_w += (d * (d.colwise() * g_ + n)).sum();  // sum d I_cell(d)
      return current;
    }
  }
  std::ostringstream msg;
  msg.precision(3);
  if (k <= max_iterations_)
    msg << "the IR-drop solve with nonlinear cells did not converge: it diverged at iteration " << k
        << " (the currents overflowed; the last finite step moved them by " << change
        << " A, Kirchhoff residual " << residual << " A)";
  else
    msg << "the IR-drop solve with nonlinear cells did not converge in " << max_iterations_
        << " iterations: the column currents still move by " << change << " A (" << change / scale
        << " of the largest, tile.wires.iv_tolerance_rel is " << tolerance_rel_
        << "), Kirchhoff residual " << residual << " A";
  msg << "; the cells' nonlinearity (tile.device.iv_quadratic_rel, iv_cubic_rel) is too strong "
         "for the fixed-matrix iteration in this network, or more iterations are needed";
  throw ConfigError(origin_, "tile.wires.iv_max_iterations", msg.str());
}

}  // namespace xbarsim
