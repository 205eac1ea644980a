#include "storage/sqlite/key_filter.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

using stacklens::sqlite::KeyFilter;

TEST(KeyFilter, EveryAddedPairIsMaybePresent) {
  KeyFilter f(1 << 16);
  std::mt19937_64 rng(7);
  std::vector<std::pair<int64_t, int64_t>> added;
  for (int i = 0; i < 20000; ++i) {
    added.emplace_back(static_cast<int64_t>(rng() % 20), static_cast<int64_t>(rng()));
    f.add(added.back().first, added.back().second);
  }
  for (const auto& [project, key] : added) EXPECT_TRUE(f.may_contain(project, key));
}

TEST(KeyFilter, AbsentPairsAreMostlyRuledOut) {
  KeyFilter f(1 << 20);  // 8 Mbit for 100,000 pairs: ~84 bits each
  std::mt19937_64 rng(11);
  for (int i = 0; i < 100000; ++i) f.add(1, static_cast<int64_t>(rng()));
  int maybe = 0;
  for (int i = 0; i < 100000; ++i) maybe += f.may_contain(1, static_cast<int64_t>(rng())) ? 1 : 0;
  EXPECT_LT(maybe, 100) << "false positives out of 100,000 absent keys";
  // The same key in another project is a different pair.
  f.add(1, 42);
  EXPECT_TRUE(f.may_contain(1, 42));
  EXPECT_FALSE(f.may_contain(2, 42));
}

TEST(KeyFilter, ClearForgetsEverything) {
  KeyFilter f(4096);
  f.add(3, 99);
  ASSERT_TRUE(f.may_contain(3, 99));
  f.clear();
  EXPECT_FALSE(f.may_contain(3, 99));
}

TEST(KeyFilter, AFullFilterSaysMaybeRatherThanNo) {
  KeyFilter f(64);  // one block
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10000; ++i) f.add(1, static_cast<int64_t>(rng()));
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(f.may_contain(1, static_cast<int64_t>(rng())));
}
