#pragma once
// Fast standard-normal deviates for the hot path (read and ADC noise, drawn for every
// conversion). Box-Muller (Box and Muller, Ann. Math. Stat. 29, 1958) on the bits of a
// Boost.Random mt19937_64 engine, vectorised with Eigen: about 2.5x faster than
// boost::random::normal_distribution here (docs/performance.md). The transform is exact;
// 32-bit radial uniforms truncate the tails at |z| = sqrt(2 ln 2^33) = 6.8 sigma, which
// happens with probability 1e-11 per draw. Programming noise, drawn once per cell, keeps
// Boost's own normal_distribution.
#include "xbarsim/core/random.hpp"
#include "xbarsim/core/types.hpp"

namespace xbarsim {

// Fills out[0, n) with independent N(0, 1) deviates, consuming ceil(n / 2) engine outputs
// in order (so a given stream always yields the same deviates).
void fill_standard_normal(float* out, Index n, Rng& rng);

}  // namespace xbarsim
