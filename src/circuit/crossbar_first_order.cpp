#include <algorithm>
#include <string>

#include "xbarsim/circuit/crossbar_circuit.hpp"
#include "xbarsim/core/error.hpp"

namespace xbarsim {

// With ideal cell currents g_ij V_i (docs/circuits.md#ir-drop-first-order):
//   row node (i, j) sits below V_i by V_i a_ij, a_ij = R_drv S_i + R_row sum_{m=1..j} U_im,
//     S_i = sum_j g_ij and U_im = sum_{j' >= m} g_ij' (the current through segment m);
//   column node (i, j) sits above ground by sum_k g_kj V_k [R_foot + R_col (R - 1 - max(i, k))]
//     (segment m below row m carries the current of rows <= m).
// A cell's voltage per unit drive of row k is then d_ij(k) = [i = k](1 - a_ij) - g_kj c_ikj,
// and I_j = sum_i g_ij d_ij V, P = V^T (sum g d^T d) V, both linear/quadratic in V.
CrossbarTransfer first_order_crossbar(const Matrix& g, Index physical_rows,
                                      const WireConfig& wires) {
  const Index rows = g.rows(), cols = g.cols();
  check_wire_resistances(wires);
  if (physical_rows < rows)
    throw Error("first_order_crossbar: more rows in use than the array has");
  const double r_foot =
      static_cast<double>(physical_rows - rows) * wires.col_wire_ohm + wires.sense_ohm;
  Eigen::MatrixXd across = Eigen::MatrixXd::Zero(rows * cols, rows);
  for (Index i = 0; i < rows; ++i) {
    double downstream = 0;  // U_ij, built from the far end of the row
    Eigen::VectorXd suffix(cols);
    for (Index j = cols - 1; j >= 0; --j) suffix(j) = downstream += g(i, j);
    double drop = wires.driver_ohm * downstream;  // a_i0: the driver carries the whole row
    for (Index j = 0; j < cols; ++j) {
      if (j > 0) drop += wires.row_wire_ohm * suffix(j);
      across(i * cols + j, i) += 1.0 - drop;
    }
  }
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i)
      for (Index k = 0; k < rows; ++k) {
        const double below = static_cast<double>(rows - 1 - std::max(i, k));
        across(i * cols + j, k) -= g(k, j) * (r_foot + wires.col_wire_ohm * below);
      }
  CrossbarTransfer t;
  t.transfer = Eigen::MatrixXd::Zero(cols, rows);
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) t.transfer.row(j) += g(i, j) * across.row(i * cols + j);
  t.cell_power = cell_power_form(across, g);
  return t;
}

}  // namespace xbarsim
