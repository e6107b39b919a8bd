#pragma once
// Reproducible randomness: one master seed, and an independent sub-stream for every purpose,
// tile, trial and read. Boost.Random is used because its algorithms are fixed in its headers,
// unlike std::'s distributions, so results do not change with the standard library.
#include <boost/random/mersenne_twister.hpp>
#include <cstdint>
#include <initializer_list>

namespace xbarsim {

// 64-bit Mersenne Twister: seeded directly with a 64-bit derived seed, so distinct stream
// paths do not collide the way 32-bit seeds would after ~2^16 streams (birthday bound), and
// its seeding is a short recurrence (no seed_seq pass), cheap enough for one stream per read.
using Rng = boost::random::mt19937_64;

// What a stream is used for; part of the derivation so that streams never overlap.
enum class StreamPurpose : std::uint64_t {
  kProgramming = 1,
  kFaults = 2,
  kReadNoise = 3,
  kAdcNoise = 4,
  kInputs = 5,
  kWeights = 6,
  kCalibration = 7,
  kSweepPoint = 8,
  kReadNoiseShared = 9,  // the part of the read noise shared by the cycles of one MVM
  kAdcStatic = 10,       // converter offsets, gains and transfer curves, once per chip
  kAttentionArray = 11,  // names one rewritten attention array: (layer, product, call, item)
};

// SplitMix64 finaliser (Steele, Lea, Flood, OOPSLA 2014): a bijective 64-bit mixer with good
// avalanche, used to hash a path of integers into a seed.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seed of the sub-stream named by (master, purpose, path...). Depends only on these values,
// never on thread or rank, which is what makes results identical for any thread count.
inline std::uint64_t derive_seed(std::uint64_t master, StreamPurpose purpose,
                                 std::initializer_list<std::uint64_t> path = {}) {
  std::uint64_t h = splitmix64(master ^ splitmix64(static_cast<std::uint64_t>(purpose)));
  for (std::uint64_t p : path) h = splitmix64(h ^ splitmix64(p + 0x632be59bd9b4e019ULL));
  return h;
}

inline Rng make_rng(std::uint64_t master, StreamPurpose purpose,
                    std::initializer_list<std::uint64_t> path = {}) {
  return Rng(derive_seed(master, purpose, path));
}

}  // namespace xbarsim
