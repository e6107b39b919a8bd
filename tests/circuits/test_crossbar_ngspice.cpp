// The IR-drop solve (src/circuit/crossbar_circuit.cpp) against ngspice, Debian's SPICE, on
// the same arrays: 8 x 8, 32 x 32 and 64 x 64, random conductances and row voltages, several
// wire resistances, a column wire longer than the rows in use, single and differential
// columns. The netlist is written here from the circuit's definition (docs/circuits.md#ir-drop),
// not from the solver's node numbering. A linear network's operating point is one LU solve,
// so ngspice's currents are exact to its 15 printed digits: the two must agree to 1e-6
// relative. A missing ngspice fails the test (CI installs it).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "test_support.hpp"
#include "xbarsim/circuit/crossbar_circuit.hpp"
#include "xbarsim/circuit/nonlinear_crossbar.hpp"
#include "xbarsim/core/error.hpp"

using namespace xbarsim;

namespace {

constexpr double kSpiceReltol = 1e-10;  // ngspice's relative Newton tolerance, nonlinear runs
constexpr double kSpiceVntol = 1e-14;   // and its absolute voltage tolerance (V)

std::string node(char kind, Index i, Index j) {
  return std::string(1, kind) + "_" + std::to_string(i) + "_" + std::to_string(j);
}

// Drivers at column 0 of each row; each column ends, physical_rows - rows segments below
// its last cell, in its sense resistance and a 0 V source that measures the current.
// With a2 and a3 given, each cell is a behavioural current source I = G d + a2 d^2 + a3 d^3 of
// its voltage d = V(row) - V(column) instead of a resistor (docs/circuits.md#iv-nonlinearity).
std::string netlist(const Matrix& g, Index physical_rows, const WireConfig& w,
                    const Eigen::VectorXd& v, bool print_nodes, const Matrix* a2 = nullptr,
                    const Matrix* a3 = nullptr) {
  const Index rows = g.rows(), cols = g.cols();
  std::ostringstream n;
  n.precision(17);
  n << "* xbarsim crossbar " << rows << " x " << cols << "\n";
  for (Index i = 0; i < rows; ++i) {
    n << "V" << i << " in" << i << " 0 DC " << v(i) << "\n";
    n << "Rd" << i << " in" << i << " " << node('r', i, 0) << " " << w.driver_ohm << "\n";
    for (Index j = 0; j < cols; ++j) {
      if (g(i, j) > 0 && a2) {
        const std::string d = "V(" + node('r', i, j) + "," + node('c', i, j) + ")";
        n << "Bc" << i << "_" << j << " " << node('r', i, j) << " " << node('c', i, j)
          << " I=" << static_cast<double>(g(i, j)) << "*" << d << "+"
          << static_cast<double>((*a2)(i, j)) << "*" << d << "*" << d << "+"
          << static_cast<double>((*a3)(i, j)) << "*" << d << "*" << d << "*" << d << "\n";
      } else if (g(i, j) > 0) {
        n << "Rc" << i << "_" << j << " " << node('r', i, j) << " " << node('c', i, j) << " "
          << 1.0 / static_cast<double>(g(i, j)) << "\n";
      }
      if (j + 1 < cols)
        n << "Rr" << i << "_" << j << " " << node('r', i, j) << " " << node('r', i, j + 1) << " "
          << w.row_wire_ohm << "\n";
    }
  }
  for (Index j = 0; j < cols; ++j) {
    // The column wire: segments between the cells, then the bare ones below the last cell.
    std::string above = node('c', 0, j);
    for (Index i = 1; i < physical_rows; ++i) {
      const std::string below =
          i < rows ? node('c', i, j) : "x_" + std::to_string(i) + "_" + std::to_string(j);
      n << "Rk" << i << "_" << j << " " << above << " " << below << " " << w.col_wire_ohm << "\n";
      above = below;
    }
    n << "Rs" << j << " " << above << " s" << j << " " << w.sense_ohm << "\n";
    n << "Vs" << j << " s" << j << " 0 DC 0\n";
  }
  // Newton's stopping rule (a step below reltol |v| + vntol at every node, and the same for the
  // branch currents with abstol), far tighter than the defaults (1e-3, 1 uV, 1 pA).
  if (a2) n << ".options reltol=" << kSpiceReltol << " vntol=" << kSpiceVntol << " abstol=1e-18\n";
  n << ".control\nset numdgt=15\nop\n";
  for (Index j = 0; j < cols; ++j) n << "print i(vs" << j << ")\n";
  if (print_nodes)
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < cols; ++j)
        n << "print v(" << node('r', i, j) << ")\nprint v(" << node('c', i, j) << ")\n";
  n << ".endc\n.end\n";
  return n.str();
}

struct SpiceResult {
  Eigen::VectorXd currents;                // per column, A
  std::map<std::string, double> voltages;  // node name -> V, when printed
};

// Column currents (and node voltages) from `ngspice -b`, parsed from its "name = value" lines.
SpiceResult run_ngspice(const std::string& text, Index cols) {
  test::TempDir dir;
  const std::string path = dir.write("array.cir", text);
  // stderr apart: ngspice's notes there would otherwise interleave with the printed values.
  const std::string errors = dir.file("stderr.txt");
  const std::string cmd = "ngspice -b " + path + " 2>" + errors;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe.get())) out += buf;
  SpiceResult r;
  Eigen::VectorXd i = Eigen::VectorXd::Constant(cols, std::nan(""));
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    unsigned j = 0;
    double value = 0;
    char name[64];
    if (std::sscanf(line.c_str(), "i(vs%u) = %lf", &j, &value) == 2 && j < cols)
      i(j) = value;
    else if (std::sscanf(line.c_str(), "v(%63[a-z0-9_]) = %lf", name, &value) == 2)
      r.voltages[name] = value;
  }
  std::ifstream err_in(errors);
  const std::string err_text((std::istreambuf_iterator<char>(err_in)), {});
  INFO("ngspice output: " << out.substr(0, 2000) << "\nstderr: " << err_text.substr(0, 2000));
  REQUIRE(i.allFinite());  // also fails when ngspice is missing
  r.currents = i;
  return r;
}

// The wires of every comparison: the column segment 1.5 times the row segment (unequal, so a
// swapped row and column in the solver would show), a 50 ohm driver and a 20 ohm sense input.
WireConfig test_wires(double wire_ohm) {
  WireConfig w;
  w.ir_drop = IrDrop::kExact;
  w.row_wire_ohm = wire_ohm;
  w.col_wire_ohm = 1.5 * wire_ohm;
  w.driver_ohm = 50.0;
  w.sense_ohm = 20.0;
  return w;
}

void compare(Index rows, Index cols, Index physical_rows, double wire_ohm, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> conductance(1e-6, 100e-6), volts(0.0, 0.3);
  Matrix g(rows, cols);
  for (Index k = 0; k < g.size(); ++k) g(k) = static_cast<float>(conductance(rng));
  g(0, 0) = 0.0f;  // a cell at 0 S is an open circuit
  Eigen::VectorXd v(rows);
  for (Index k = 0; k < rows; ++k) v(k) = volts(rng);
  WireConfig w = test_wires(wire_ohm);
  const CrossbarTransfer t = solve_crossbar(g, physical_rows, w);
  const Eigen::VectorXd mine = t.transfer * v;
  const bool nodes = rows * cols <= 64;
  const SpiceResult result = run_ngspice(netlist(g, physical_rows, w, v, nodes), cols);
  const Eigen::VectorXd& spice = result.currents;
  CAPTURE(rows);
  CAPTURE(cols);
  CAPTURE(wire_ohm);
  const double err = ((mine - spice).array() / spice.array().abs()).abs().maxCoeff();
  CAPTURE(err);
  CHECK(err < 1e-6);
  // Differential pairs: columns (2k, 2k+1) as (G+, G-), compared on their difference, relative
  // to the pair's larger current so that a near-cancellation is not amplified.
  for (Index k = 0; k + 1 < cols; k += 2) {
    const double scale = std::max(std::abs(spice(k)), std::abs(spice(k + 1)));
    CHECK(std::abs((mine(k) - mine(k + 1)) - (spice(k) - spice(k + 1))) < 2e-6 * scale);
  }
  if (nodes) {
    // The cell power from ngspice's node voltages, sum G (V_r - V_c)^2, against V^T Q V.
    double power = 0;
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < cols; ++j) {
        const double across =
            result.voltages.at(node('r', i, j)) - result.voltages.at(node('c', i, j));
        power += static_cast<double>(g(i, j)) * across * across;
      }
    CHECK(std::abs(v.dot(t.cell_power * v) - power) < 1e-6 * power);
  }
  // Without wire resistance the currents would be sum V G exactly; with it they are smaller.
  const Eigen::VectorXd ideal = g.cast<double>().transpose() * v;
  CHECK((mine.array() < ideal.array()).all());
}

}  // namespace

TEST_CASE("IR drop: the nodal solve matches ngspice on 8 x 8, 32 x 32 and 64 x 64 arrays") {
  compare(8, 8, 8, 2.46, 1);
  compare(8, 8, 8, 10.0, 2);
  compare(32, 32, 32, 0.5, 3);
  compare(32, 32, 32, 2.46, 4);
  compare(64, 64, 64, 2.46, 5);
  compare(64, 64, 64, 10.0, 6);
  compare(20, 16, 64, 2.46, 7);  // 20 rows in use of 64: 44 bare column segments
}

TEST_CASE("IR drop: the cell power V^T Q V is the sum of G (V_row - V_col)^2 of the solve") {
  // Q must be symmetric (a quadratic form of a reciprocal network), and as the wires vanish the
  // cell power must approach sum_i V_i^2 sum_j G_ij from below (the wires take the rest).
  Matrix g(2, 3);
  g << 10e-6f, 20e-6f, 30e-6f, 40e-6f, 0.0f, 60e-6f;
  WireConfig w{IrDrop::kExact, 5.0, 7.0, 30.0, 11.0};
  const CrossbarTransfer t = solve_crossbar(g, 2, w);
  CHECK((t.cell_power - t.cell_power.transpose()).cwiseAbs().maxCoeff() <
        1e-12 * t.cell_power.cwiseAbs().maxCoeff());
  WireConfig tiny{IrDrop::kExact, 1e-3, 1e-3, 1e-3, 1e-3};
  const CrossbarTransfer near_ideal = solve_crossbar(g, 2, tiny);
  Eigen::Vector2d v(0.2, 0.1);
  const double ideal = v(0) * v(0) * (10e-6 + 20e-6 + 30e-6) + v(1) * v(1) * (40e-6 + 60e-6);
  const double solved = v.dot(near_ideal.cell_power * v);
  CHECK(solved <= ideal);
  CHECK(solved > ideal * (1 - 1e-6));
}

TEST_CASE("IR drop: a resistance of zero or below is an error naming the key") {
  Matrix g = Matrix::Constant(2, 2, 1e-5f);
  WireConfig w{IrDrop::kExact, 1.0, 1.0, 1.0, 0.0};
  CHECK_THROWS_WITH_AS(solve_crossbar(g, 2, w), doctest::Contains("tile.wires.sense_ohm"),
                       ConfigError);
}

TEST_CASE("IR drop, first order: converges to the exact solve as the wires vanish") {
  // The first-order currents neglect terms of order (R_wire G n)^2: halving every resistance
  // must cut the error against the exact solve by about 4 (between 3 and 5 here), and the
  // ratio tends to 4 once R_wire G n is small. A 64 x 64 array of 1-100 uS cells.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> conductance(1e-6, 100e-6);
  Matrix g(64, 64);
  for (Index k = 0; k < g.size(); ++k) g(k) = static_cast<float>(conductance(rng));
  auto error_at = [&](double scale) {
    WireConfig w{IrDrop::kExact, 2.46 * scale, 2.46 * scale, 10.0 * scale, 10.0 * scale};
    const CrossbarTransfer exact = solve_crossbar(g, 64, w);
    const CrossbarTransfer first = first_order_crossbar(g, 64, w);
    const Eigen::VectorXd v = Eigen::VectorXd::Constant(64, 0.3);
    const Eigen::VectorXd ideal = g.cast<double>().transpose() * v;
    const Eigen::VectorXd e = exact.transfer * v, f = first.transfer * v;
    const double exact_drop = ((ideal - e).array() / ideal.array()).maxCoeff();
    const double err = ((f - e).array() / ideal.array()).abs().maxCoeff();
    const double power_err = std::abs(v.dot(first.cell_power * v) - v.dot(exact.cell_power * v)) /
                             v.dot(exact.cell_power * v);
    MESSAGE("wire scale " << scale << ": exact drop " << exact_drop << ", first-order error " << err
                          << ", cell-power error " << power_err);
    return err;
  };
  error_at(1.0);  // the default wires, for the record (docs/circuits.md)
  const double e1 = error_at(0.2), e2 = error_at(0.1), e4 = error_at(0.05);
  CHECK(e1 / e2 > 3.0);
  CHECK(e1 / e2 < 5.0);
  CHECK(e2 / e4 > 3.0);
  CHECK(e2 / e4 < 5.0);
}

namespace {

// Nonlinear cells: the fixed-matrix iteration (src/circuit/nonlinear_crossbar.cpp) against
// ngspice's Newton solve of the same behavioural network. Both stop on a step criterion, and
// both converge far faster than their last step (ngspice quadratically; ours linearly at a
// rate well below 1/2 here), so each result is within its own last step of the exact solution:
// |I - I_spice| <= (reltol |I| + vntol / R_foot) for ngspice (a column current is its sense
// node's voltage over R_foot) plus tolerance_rel max|I| for ours.
void compare_nonlinear(Index rows, Index cols, double wire_ohm, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> conductance(1e-6, 100e-6), volts(0.0, 0.3);
  std::uniform_real_distribution<double> quadratic(-0.05, 0.1), cubic(0.0, 0.2);
  const double v_ref = 0.3;
  Matrix g(rows, cols), a2(rows, cols), a3(rows, cols);
  for (Index k = 0; k < g.size(); ++k) {
    g(k) = static_cast<float>(conductance(rng));
    a2(k) = static_cast<float>(quadratic(rng) * g(k) / v_ref);
    a3(k) = static_cast<float>(cubic(rng) * g(k) / (v_ref * v_ref));
  }
  Eigen::VectorXd v(rows);
  for (Index k = 0; k < rows; ++k) v(k) = volts(rng);
  WireConfig w = test_wires(wire_ohm);
  w.iv_tolerance_rel = 1e-13;
  const NonlinearCrossbar array(g, a2, a3, rows, w, "test");
  double power = 0;
  int iterations = 0;
  const Eigen::VectorXd mine = array.currents(v, &power, &iterations).col(0);
  const bool nodes = rows * cols <= 64;
  const SpiceResult result = run_ngspice(netlist(g, rows, w, v, nodes, &a2, &a3), cols);
  const Eigen::VectorXd& spice = result.currents;
  CAPTURE(rows);
  CAPTURE(wire_ohm);
  CAPTURE(iterations);
  MESSAGE(rows << " x " << cols << ", " << wire_ohm << " ohm: " << iterations
               << " iterations, largest relative difference to ngspice "
               << ((mine - spice).array() / spice.array().abs()).abs().maxCoeff());
  const double foot_ohm = w.sense_ohm;
  const double ours = w.iv_tolerance_rel * spice.cwiseAbs().maxCoeff();
  for (Index j = 0; j < cols; ++j) {
    const double bound = kSpiceReltol * std::abs(spice(j)) + kSpiceVntol / foot_ohm + ours;
    CAPTURE(j);
    CHECK(std::abs(mine(j) - spice(j)) <= bound);
  }
  // Differential pairs (2k, 2k+1): the difference within the sum of both columns' bounds.
  for (Index k = 0; k + 1 < cols; k += 2) {
    const double bound = kSpiceReltol * (std::abs(spice(k)) + std::abs(spice(k + 1))) +
                         2 * (kSpiceVntol / foot_ohm + ours);
    CHECK(std::abs((mine(k) - mine(k + 1)) - (spice(k) - spice(k + 1))) <= bound);
  }
  if (nodes) {
    // The cell power, sum d I(d) from ngspice's node voltages, against the solver's.
    double spice_power = 0;
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < cols; ++j) {
        const double d = result.voltages.at(node('r', i, j)) - result.voltages.at(node('c', i, j));
        spice_power += d * (g(i, j) * d + a2(i, j) * d * d + a3(i, j) * d * d * d);
      }
    CHECK(std::abs(power - spice_power) < 1e-8 * spice_power);
  }
}

}  // namespace

TEST_CASE("IR drop, nonlinear cells: the iterated solve matches ngspice's behavioural network") {
  compare_nonlinear(8, 8, 2.46, 21);
  compare_nonlinear(8, 8, 100.0, 22);  // wires that set much of each cell's voltage
  compare_nonlinear(32, 32, 2.46, 23);
  compare_nonlinear(32, 32, 10.0, 24);
  compare_nonlinear(64, 64, 2.46, 25);
}
