#include "xbarsim/circuit/crossbar_circuit.hpp"

#include <Eigen/SparseCholesky>
#include <string>
#include <vector>

#include "crossbar_nodal.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim {

void check_wire_resistances(const WireConfig& wires) {
  for (const auto& [key, ohm] : {std::pair{"row_wire_ohm", wires.row_wire_ohm},
                                 {"col_wire_ohm", wires.col_wire_ohm},
                                 {"driver_ohm", wires.driver_ohm},
                                 {"sense_ohm", wires.sense_ohm}})
    if (!(ohm > 0))
      throw ConfigError("architecture", std::string("tile.wires.") + key,
                        "expected a resistance > 0 ohm for the IR-drop solve");
}

Eigen::MatrixXd cell_power_form(const Eigen::MatrixXd& across, const Matrix& g) {
  Eigen::VectorXd weight(g.size());
  for (Index i = 0; i < g.rows(); ++i)
    for (Index j = 0; j < g.cols(); ++j) weight(i * g.cols() + j) = g(i, j);
  Eigen::MatrixXd q;
  q.noalias() = across.transpose() * (weight.asDiagonal() * across);
  return q;
}

namespace circuit_detail {

CrossbarNodal crossbar_nodal(const Matrix& g, Index physical_rows, const WireConfig& wires) {
  check_wire_resistances(wires);
  CrossbarNodal c;
  c.rows = g.rows();
  c.cols = g.cols();
  const Index rows = c.rows, cols = c.cols;
  if (physical_rows < rows) throw Error("solve_crossbar: more rows in use than the array has");
  std::vector<Eigen::Triplet<double>> y;
  y.reserve(static_cast<std::size_t>(10 * rows * cols));
  // Stamps a conductance between nodes a and b (b < 0: to a fixed potential).
  auto stamp = [&y](Index a, Index b, double conductance) {
    y.emplace_back(a, a, conductance);
    if (b < 0) return;
    y.emplace_back(b, b, conductance);
    y.emplace_back(a, b, -conductance);
    y.emplace_back(b, a, -conductance);
  };
  const double g_row = 1.0 / wires.row_wire_ohm, g_col = 1.0 / wires.col_wire_ohm;
  c.driver_siemens = 1.0 / wires.driver_ohm;
  // The column wire below the last row in use, then the sense input, to virtual ground.
  c.foot_ohm = static_cast<double>(physical_rows - rows) * wires.col_wire_ohm + wires.sense_ohm;
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) {
      // A cell at exactly 0 S stamps nothing (a zero entry would only add fill-in).
      if (g(i, j) > 0) stamp(c.row_node(i, j), c.col_node(i, j), g(i, j));
      if (j + 1 < cols) stamp(c.row_node(i, j), c.row_node(i, j + 1), g_row);
      if (i + 1 < rows) stamp(c.col_node(i, j), c.col_node(i + 1, j), g_col);
    }
  for (Index i = 0; i < rows; ++i) stamp(c.row_node(i, 0), -1, c.driver_siemens);
  for (Index j = 0; j < cols; ++j) stamp(c.col_node(rows - 1, j), -1, 1.0 / c.foot_ohm);
  c.matrix.resize(c.nodes(), c.nodes());
  c.matrix.setFromTriplets(y.begin(), y.end());
  return c;
}

}  // namespace circuit_detail

CrossbarTransfer solve_crossbar(const Matrix& g, Index physical_rows, const WireConfig& wires) {
  const circuit_detail::CrossbarNodal c = circuit_detail::crossbar_nodal(g, physical_rows, wires);
  const Index rows = c.rows, cols = c.cols;
  // Every node reaches a fixed potential through positive conductances, so the nodal matrix
  // is symmetric positive definite: LDL^T with a fill-reducing ordering.
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(c.matrix);
  if (ldlt.info() != Eigen::Success)
    throw Error("solve_crossbar: the nodal matrix of a " + std::to_string(rows) + " x " +
                std::to_string(cols) + " array could not be factorised");
  // Unit voltage on row k: a current V / R_drv injected at its first row node (Norton).
  Eigen::MatrixXd drive = Eigen::MatrixXd::Zero(c.nodes(), rows);
  for (Index k = 0; k < rows; ++k) drive(c.row_node(k, 0), k) = c.driver_siemens;
  const Eigen::MatrixXd volts = ldlt.solve(drive);  // n x rows: node voltages per unit drive
  CrossbarTransfer t;
  t.transfer.resize(cols, rows);
  for (Index j = 0; j < cols; ++j)
    t.transfer.row(j) = volts.row(c.col_node(rows - 1, j)) / c.foot_ohm;
  // Q = sum_cells G d^T d, d the cell's voltage (row node - column node) per unit drive.
  const Index rc = rows * cols;
  const Eigen::MatrixXd across = volts.topRows(rc) - volts.bottomRows(rc);
  t.cell_power = cell_power_form(across, g);
  return t;
}

}  // namespace xbarsim
