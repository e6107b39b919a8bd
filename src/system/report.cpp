#include "xbarsim/system/report.hpp"

namespace xbarsim {

double SystemReport::energy_j() const {
  double e = 0;
  for (const ActionLine& a : actions) e += a.energy_j();
  return e;
}

double SystemReport::energy_j(const std::string& component) const {
  double e = 0;
  for (const ActionLine& a : actions)
    if (a.component == component) e += a.energy_j();
  return e;
}

double SystemReport::area_m2() const {
  double a = 0;
  for (const AreaLine& l : area) a += l.area_m2();
  return a;
}

double SystemReport::tops_per_w() const {
  const double e = energy_j();
  return e > 0 ? 2.0 * macs / e / 1e12 : 0.0;
}

double SystemReport::tops_per_mm2() const {
  const double a = area_m2() * 1e6;  // m^2 -> mm^2
  return a > 0 && latency_s > 0 ? 2.0 * macs / latency_s / 1e12 / a : 0.0;
}

}  // namespace xbarsim
