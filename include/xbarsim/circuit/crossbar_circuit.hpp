#pragma once
// One crossbar array as a resistive circuit (docs/circuits.md#ir-drop): a conductance between
// the row and column node of every cell, a wire resistance per segment along each row and
// each column, a driver resistance in series with each row's source (at column 0) and a
// virtual-ground sense resistance at the foot of each column (below the last row). For linear
// cells the column currents are linear in the row voltages, I = T V, and the power dissipated
// in the cells is a quadratic form V^T Q V: both follow from one sparse Cholesky
// factorisation of the nodal matrix and one multi-right-hand-side solve per programmed array.
#include <Eigen/Core>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/types.hpp"

namespace xbarsim {

struct CrossbarTransfer {
  Eigen::MatrixXd transfer;    // cols x rows, A/V: column current per unit row voltage
  Eigen::MatrixXd cell_power;  // rows x rows, W/V^2: cell power = V^T Q V
};

// `g` (rows x cols, S) holds the cells of the rows and columns in use; the array has
// `physical_rows` >= rows word lines, so each column wire runs physical_rows - rows further
// segments, without cells, to its sense circuit. Throws ConfigError for a resistance <= 0.
CrossbarTransfer solve_crossbar(const Matrix& g, Index physical_rows, const WireConfig& wires);

}  // namespace xbarsim
