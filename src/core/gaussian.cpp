// GCC 12 reports false -Wuninitialized / -Wmaybe-uninitialized inside its own AVX-512
// intrinsic headers when Eigen's vectorised log/sin/cos are inlined (GCC bug 105593, fixed
// in GCC 13). Silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "xbarsim/core/gaussian.hpp"

#include <numbers>

namespace xbarsim {

namespace {
constexpr Index kBlock = 256;  // pairs per vectorised pass
}

void fill_standard_normal(float* out, Index n, Rng& rng) {
  alignas(64) float radial[kBlock];
  alignas(64) float angle[kBlock];
  alignas(64) float tail[2 * kBlock];
  constexpr float kTwoPi = 2.0f * std::numbers::pi_v<float>;
  constexpr float k2pow32 = 0x1p-32f;
  constexpr float k2pow24 = 0x1p-24f;
  for (Index done = 0; done < n; done += 2 * kBlock) {
    const Index want = std::min<Index>(2 * kBlock, n - done);
    const Index pairs = (want + 1) / 2;
    for (Index i = 0; i < pairs; ++i) {
      const std::uint64_t r = rng();
      // u1 in (0, 1]: never 0, so the logarithm is finite; u2 in [0, 1).
      radial[i] = (static_cast<float>(r >> 32) + 0.5f) * k2pow32;
      angle[i] = static_cast<float>(r & 0xFFFFFFu) * k2pow24 * kTwoPi;
    }
    Eigen::Map<Eigen::ArrayXf> u(radial, pairs), theta(angle, pairs);
    u = (-2.0f * u.log()).sqrt();
    float* dst = want == 2 * pairs ? out + done : tail;
    Eigen::Map<Eigen::ArrayXf>(dst, pairs) = u * theta.cos();
    Eigen::Map<Eigen::ArrayXf>(dst + pairs, pairs) = u * theta.sin();
    if (dst == tail) std::copy(tail, tail + want, out + done);
  }
}

}  // namespace xbarsim
