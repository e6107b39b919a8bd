// Reproducible randomness (include/xbarsim/core/random.hpp): a sub-stream is a pure function
// of (master seed, purpose, path); different purposes or paths give different streams.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include "xbarsim/core/random.hpp"

namespace xbarsim {
namespace {

constexpr std::array<StreamPurpose, 10> kPurposes = {
    StreamPurpose::kProgramming, StreamPurpose::kFaults,     StreamPurpose::kReadNoise,
    StreamPurpose::kAdcNoise,    StreamPurpose::kInputs,     StreamPurpose::kWeights,
    StreamPurpose::kCalibration, StreamPurpose::kSweepPoint, StreamPurpose::kReadNoiseShared,
    StreamPurpose::kAdcStatic};

using Draw = Rng::result_type;

std::vector<Draw> draws(Rng rng, int n) {
  std::vector<Draw> out(static_cast<std::size_t>(n));
  for (auto& v : out) v = rng();
  return out;
}

// Two independent streams of (at least) 32-bit draws agree on a given draw with probability
// <= 2^-32; over 64 draws a single coincidence is already a ~1.5e-8 event.
int coincidences(const std::vector<Draw>& a, const std::vector<Draw>& b) {
  int same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return same;
}

TEST_CASE("splitmix64 matches the reference generator's published outputs") {
  // Vigna's splitmix64.c seeded with 0: next() adds the golden gamma, then mixes, so its first
  // two outputs are splitmix64(0) and splitmix64(gamma).
  CHECK(splitmix64(0) == 0xe220a8397b1dcdafULL);
  CHECK(splitmix64(0x9e3779b97f4a7c15ULL) == 0x6e789e6aa1b965f4ULL);
  static_assert(splitmix64(1) != splitmix64(2), "the mixer is usable at compile time");
}

TEST_CASE("derive_seed: same inputs give the same seed") {
  for (StreamPurpose p : kPurposes) {
    CHECK(derive_seed(42, p) == derive_seed(42, p));
    CHECK(derive_seed(42, p, {3, 1, 4}) == derive_seed(42, p, {3, 1, 4}));
  }
}

TEST_CASE("derive_seed: different masters, purposes and paths give different seeds") {
  std::set<std::uint64_t> seen;
  std::size_t made = 0;
  for (std::uint64_t master : {0ULL, 1ULL, 2ULL, 0xffffffffffffffffULL}) {
    for (StreamPurpose p : kPurposes) {
      const std::vector<std::uint64_t> seeds = {
          derive_seed(master, p),           derive_seed(master, p, {0}),
          derive_seed(master, p, {1}),      derive_seed(master, p, {0, 0}),
          derive_seed(master, p, {1, 2}),   derive_seed(master, p, {2, 1}),
          derive_seed(master, p, {1, 2, 0})};
      for (std::uint64_t s : seeds) seen.insert(s);
      made += seeds.size();
    }
  }
  // A 64-bit hash of 224 distinct inputs collides with probability ~1e-15.
  CHECK(seen.size() == made);

  SUBCASE("an empty path differs from a path of zeros, and order matters") {
    CHECK(derive_seed(7, StreamPurpose::kReadNoise) !=
          derive_seed(7, StreamPurpose::kReadNoise, {0}));
    CHECK(derive_seed(7, StreamPurpose::kReadNoise, {1, 2}) !=
          derive_seed(7, StreamPurpose::kReadNoise, {2, 1}));
  }
  SUBCASE("a thousand tiles of one purpose never share a seed") {
    std::set<std::uint64_t> tiles;
    for (std::uint64_t t = 0; t < 1000; ++t)
      tiles.insert(derive_seed(1, StreamPurpose::kProgramming, {0, t}));
    CHECK(tiles.size() == 1000);
  }
}

TEST_CASE("make_rng seeds the engine with the derived seed") {
  // random.hpp: the stream of (master, purpose, path) is the engine seeded with derive_seed.
  const std::uint64_t s = derive_seed(9, StreamPurpose::kFaults, {5, 6});
  CHECK(draws(make_rng(9, StreamPurpose::kFaults, {5, 6}), 32) == draws(Rng(s), 32));
}

TEST_CASE("make_rng: same inputs give the same stream") {
  for (StreamPurpose p : kPurposes) {
    CHECK(draws(make_rng(123, p), 100) == draws(make_rng(123, p), 100));
    CHECK(draws(make_rng(123, p, {4, 8}), 100) == draws(make_rng(123, p, {4, 8}), 100));
  }
}

TEST_CASE("make_rng: different purposes or paths give different streams") {
  const auto base = draws(make_rng(5, StreamPurpose::kProgramming, {1}), 64);
  CHECK(coincidences(base, draws(make_rng(5, StreamPurpose::kReadNoise, {1}), 64)) <= 1);
  CHECK(coincidences(base, draws(make_rng(5, StreamPurpose::kProgramming, {2}), 64)) <= 1);
  CHECK(coincidences(base, draws(make_rng(5, StreamPurpose::kProgramming, {1, 0}), 64)) <= 1);
  CHECK(coincidences(base, draws(make_rng(6, StreamPurpose::kProgramming, {1}), 64)) <= 1);
  // Paths that agree in the low 32 bits of every element must still differ: seeding with only
  // half of the hash (or of a path element) would make these streams collide.
  CHECK(coincidences(draws(make_rng(5, StreamPurpose::kInputs, {1}), 64),
                     draws(make_rng(5, StreamPurpose::kInputs, {1 + (1ULL << 32)}), 64)) <= 1);
  // Every purpose's stream from the same master is distinct from every other.
  for (std::size_t i = 0; i < kPurposes.size(); ++i)
    for (std::size_t j = i + 1; j < kPurposes.size(); ++j)
      CHECK(coincidences(draws(make_rng(5, kPurposes[i]), 64),
                         draws(make_rng(5, kPurposes[j]), 64)) <= 1);
}

}  // namespace
}  // namespace xbarsim
