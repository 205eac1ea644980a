#include "http/body_pool.h"

#include <gtest/gtest.h>

using stacklens::http::BodyPool;

TEST(BodyPool, GivesStringsOfTheLengthAsked) {
  BodyPool pool;
  EXPECT_EQ(pool.take(0).size(), 0u);
  EXPECT_EQ(pool.take(100).size(), 100u);
  EXPECT_EQ(pool.take(200 * 1024).size(), 200u * 1024);
}

TEST(BodyPool, ReusesAKeptBodysMemory) {
  BodyPool pool;
  std::string body = pool.take(300 * 1024);
  const char* memory = body.data();
  pool.give(std::move(body));
  std::string again = pool.take(250 * 1024);
  EXPECT_EQ(again.size(), 250u * 1024);
  EXPECT_EQ(again.data(), memory);
  // Longer than the kept string: the same memory cannot hold it, but the length is right.
  pool.give(std::move(again));
  EXPECT_EQ(pool.take(2 * 1024 * 1024).size(), 2u * 1024 * 1024);
}

TEST(BodyPool, KeepsNeitherSmallNorHugeBodiesAndAtMostAFew) {
  BodyPool pool;
  std::string small(1000, 'x');
  pool.give(std::move(small));
  std::string huge(BodyPool::kLargest + 1, 'x');
  pool.give(std::move(huge));
  // The bodies the pool does not keep stay alive here, so that no fresh string below can be
  // given their memory and pass for a reused one.
  std::vector<std::string> given(BodyPool::kKept + 3, std::string(BodyPool::kSmallest, 'x'));
  std::vector<const char*> kept;
  for (auto& body : given) {
    kept.push_back(body.data());
    pool.give(std::move(body));
  }
  // Only kKept of the pooled-size bodies come back; then fresh strings.
  size_t reused = 0;
  std::vector<std::string> taken;
  for (size_t i = 0; i < BodyPool::kKept + 3; ++i) {
    taken.push_back(pool.take(BodyPool::kSmallest));
    for (const char* p : kept) reused += taken.back().data() == p ? 1 : 0;
  }
  EXPECT_EQ(reused, BodyPool::kKept);
}
