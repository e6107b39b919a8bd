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

// The same network to first order in the wire resistances: every cell current is its ideal
// G V, which sets the voltage drops along its row and column wires; the cells then see the
// row voltage less both drops. O(R C (R + C)) per array, no factorisation; its error against
// solve_crossbar is second order in R_wire G n (docs/circuits.md#ir-drop-first-order).
CrossbarTransfer first_order_crossbar(const Matrix& g, Index physical_rows,
                                      const WireConfig& wires);

// Throws ConfigError naming tile.wires.<key> for a resistance that is not > 0.
void check_wire_resistances(const WireConfig& wires);
// Q = sum_cells G d^T d, `across` (rows*cols x rows) holding each cell's voltage per unit
// drive of each row, row i*cols + j for cell (i, j).
Eigen::MatrixXd cell_power_form(const Eigen::MatrixXd& across, const Matrix& g);

}  // namespace xbarsim
