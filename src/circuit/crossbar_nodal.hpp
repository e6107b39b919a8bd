#pragma once
// The nodal matrix of one crossbar array (docs/circuits.md#ir-drop), shared by the linear
// transfer solve and the nonlinear-cell iteration. Unknowns: the row node of cell (i, j) is
// i * cols + j, its column node rows * cols + i * cols + j.
#include <Eigen/SparseCore>

#include "xbarsim/config/arch_config.hpp"
#include "xbarsim/core/types.hpp"

namespace xbarsim::circuit_detail {

struct CrossbarNodal {
  Eigen::SparseMatrix<double> matrix;  // symmetric positive definite, S
  double driver_siemens = 0;  // a row's source is a Norton current V / R_drv into node (i, 0)
  double foot_ohm = 0;        // bare column segments below the last cell + sense input
  Index rows = 0, cols = 0;
  Index row_node(Index i, Index j) const { return i * cols + j; }
  Index col_node(Index i, Index j) const { return rows * cols + i * cols + j; }
  Index nodes() const { return 2 * rows * cols; }
};

// Stamps every cell of `g` (S; a cell at 0 S stamps nothing), the wire segments, the drivers
// and the sense inputs. Checks the resistances first (ConfigError naming tile.wires.<key>).
CrossbarNodal crossbar_nodal(const Matrix& g, Index physical_rows, const WireConfig& wires);

}  // namespace xbarsim::circuit_detail
