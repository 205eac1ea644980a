// Which spans an evaluation rule takes (evals/rule_runner.h): its filter and its sampling.
#include <gtest/gtest.h>

#include "evals/rule_runner.h"

namespace stacklens::evals {
namespace {

Span llm_span() {
  Span s;
  s.trace_id = "t1";
  s.span_id = "s1";
  s.name = "chat";
  s.kind = "llm";
  s.llm = LlmData{};
  s.llm->model = "gpt-4o";
  s.tags = {"prod", "eu"};
  s.attributes = {{"user.tier", "gold"}, {"region", "eu"}};
  return s;
}

TEST(RuleMatch, EveryFieldGivenMustMatch) {
  const Span span = llm_span();
  EXPECT_TRUE(rule_matches(RuleFilter{}, span));
  EXPECT_TRUE(rule_matches(RuleFilter{"chat", "gpt-4o", {"eu", "prod"}, {{"user.tier", "gold"}}}, span));
  EXPECT_FALSE(rule_matches(RuleFilter{"other", {}, {}, {}}, span));
  EXPECT_FALSE(rule_matches(RuleFilter{{}, "gpt-4o-mini", {}, {}}, span));
  EXPECT_FALSE(rule_matches(RuleFilter{{}, {}, {"prod", "us"}, {}}, span));
  EXPECT_FALSE(rule_matches(RuleFilter{{}, {}, {}, {{"user.tier", "silver"}}}, span));
  EXPECT_FALSE(rule_matches(RuleFilter{{}, {}, {}, {{"plan", "gold"}}}, span));
}

TEST(RuleMatch, OnlyLlmSpansAndNeverTheServersOwnCalls) {
  Span tool = llm_span();
  tool.kind = "tool";
  tool.llm.reset();
  EXPECT_FALSE(rule_matches(RuleFilter{}, tool));
  Span judge = llm_span();
  judge.attributes.emplace_back("stacklens.connection", "judge");
  EXPECT_FALSE(rule_matches(RuleFilter{}, judge));
}

TEST(RuleSampling, AllNoneAndAboutTheRateStableForASpan) {
  EXPECT_TRUE(sampled(1, 7, "t", "s"));
  EXPECT_FALSE(sampled(0, 7, "t", "s"));
  int kept = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string span = "span-" + std::to_string(i);
    const bool once = sampled(0.1, 7, "trace", span);
    EXPECT_EQ(once, sampled(0.1, 7, "trace", span));
    kept += once;
  }
  EXPECT_GT(kept, 1700);
  EXPECT_LT(kept, 2300);
}

}  // namespace
}  // namespace stacklens::evals
