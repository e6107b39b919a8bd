#pragma once
// One crossbar array with nonlinear cells, I_cell(d) = G d + a2 d^2 + a3 d^3 for a cell
// voltage d, in the resistive network of docs/circuits.md#ir-drop. The column currents are no
// longer linear in the row voltages, so there is no transfer matrix: each drive pattern is
// solved. The iteration keeps the linear nodal matrix Y (cells at G) and moves the nonlinear
// part of the cell currents to the right-hand side,
//   Y x_{k+1} = b - S n(x_k),   n = a2 d^2 + a3 d^3,
// so the one sparse factorisation of Y serves every iteration and every vector of a batch
// (docs/circuits.md#iv-nonlinearity). It converges linearly, at the rate of the largest
// relative conductance change |2 a2 d + 3 a3 d^2| / G of the cells.
#include <Eigen/Core>
#include <Eigen/SparseCholesky>
#include <memory>
#include <string>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/types.hpp"

namespace xbarsim {

class NonlinearCrossbar {
 public:
  // g, a2, a3: rows x cols (S, A/V^2, A/V^3); `physical_rows` as for solve_crossbar.
  // `origin` names the architecture file in the errors.
  NonlinearCrossbar(const Matrix& g, const Matrix& a2, const Matrix& a3, Index physical_rows,
                    const WireConfig& wires, std::string origin);

  // Column currents (cols x B, A) for row voltages `volts` (rows x B, V). Adds the power
  // dissipated in the cells, summed over the B vectors (W), to *cell_power_w when given.
  // Throws ConfigError naming tile.wires.iv_max_iterations, with the residual reached, when
  // the iteration does not converge. *iterations, when given, receives the most iterations
  // any block of vectors needed. Const and free of shared state: threads may share one array.
  Eigen::MatrixXd currents(const Eigen::MatrixXd& volts, double* cell_power_w = nullptr,
                           int* iterations = nullptr) const;

 private:
  Eigen::MatrixXd solve_block(const Eigen::MatrixXd& volts, double* cell_power_w,
                              int& iterations) const;
  // Y^-1 rhs with the stored factors, all right-hand sides together (see the .cpp).
  Eigen::MatrixXd solve(const Eigen::MatrixXd& rhs) const;

  std::shared_ptr<Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>>> ldlt_;
  Eigen::ArrayXd g_, a2_, a3_;  // per cell, in row-node order i * cols + j
  Index rows_ = 0, cols_ = 0;
  double driver_siemens_ = 0, foot_ohm_ = 0;
  double tolerance_rel_ = 0;
  int max_iterations_ = 0;
  std::string origin_;
};

}  // namespace xbarsim
