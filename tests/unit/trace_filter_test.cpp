#include <gtest/gtest.h>

#include "api/trace_filter_params.h"

namespace stacklens::api {
namespace {

TEST(AttributeComparison, ReadsKeyOperatorAndNumber) {
  struct Case {
    std::string raw, key, op;
    double number;
  };
  for (const auto& c : std::vector<Case>{{"retries>2", "retries", ">", 2},
                                         {"retries>=2.5", "retries", ">=", 2.5},
                                         {"latency.ms<-1e3", "latency.ms", "<", -1000},
                                         {"n<=0", "n", "<=", 0}}) {
    auto got = attribute_comparison(c.raw);
    ASSERT_TRUE(got) << c.raw;
    EXPECT_EQ(got->key, c.key) << c.raw;
    EXPECT_EQ(got->op, c.op) << c.raw;
    EXPECT_EQ(got->number, c.number) << c.raw;
  }
}

// Anything else is the key=value form (or refused there): equality, a key holding < or > before
// its =, no number after the operator, no key.
TEST(AttributeComparison, LeavesEverythingElseToKeyEqualsValue) {
  for (std::string raw : {"retries=2", "a>b=c", "a>=x", "a>", "a<2x", ">2", "a>inf", "a>nan", "novalue", ""})
    EXPECT_FALSE(attribute_comparison(raw)) << raw;
}

}  // namespace
}  // namespace stacklens::api
