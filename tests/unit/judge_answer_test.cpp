// The judge's answer read strictly (evals/judge_answer.h): only the JSON object, alone or in one
// ```json fence, with a score that fits the schema exactly; everything else is an error saying
// what was wrong. Also the template's variables (evals/judge.h).
#include "evals/judge_answer.h"

#include <gtest/gtest.h>

#include "evals/judge.h"

namespace stacklens::evals {
namespace {

JudgeSchema numeric(double lo, double hi) { return JudgeSchema{ScoreType::numeric, lo, hi, {}}; }
JudgeSchema categorical(std::vector<std::string> cats) { return JudgeSchema{ScoreType::categorical, 0, 1, std::move(cats)}; }
JudgeSchema boolean() { return JudgeSchema{ScoreType::boolean, 0, 1, {}}; }

// The error's message for an answer that must be refused.
std::string refusal(std::string_view answer, const JudgeSchema& schema) {
  auto r = parse_judge_answer(answer, schema);
  EXPECT_FALSE(r.ok()) << "accepted: " << answer;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, ErrorCode::unprocessable);
  EXPECT_EQ(r.error().message.rfind("the judge's answer does not fit the schema: ", 0), 0u) << r.error().message;
  return r.error().message;
}

TEST(JudgeAnswer, NumericWithinTheRange) {
  auto r = parse_judge_answer(R"({"score": 4, "reasoning": "mostly right"})", numeric(1, 5));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->type, ScoreType::numeric);
  EXPECT_DOUBLE_EQ(r->number, 4);
  EXPECT_EQ(r->reasoning, "mostly right");
  // The bounds themselves and fractions fit.
  EXPECT_DOUBLE_EQ(parse_judge_answer(R"({"score": 1, "reasoning": ""})", numeric(1, 5))->number, 1);
  EXPECT_DOUBLE_EQ(parse_judge_answer(R"({"score": 5.0, "reasoning": ""})", numeric(1, 5))->number, 5);
  EXPECT_DOUBLE_EQ(parse_judge_answer(R"({"reasoning": "x", "score": 0.25})", numeric(0, 1))->number, 0.25);
}

TEST(JudgeAnswer, NumericOutOfRangeOrNotANumber) {
  EXPECT_NE(refusal(R"({"score": 6, "reasoning": "great"})", numeric(1, 5)).find("score 6 is outside 1 to 5"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"score": 0.999, "reasoning": ""})", numeric(1, 5)).find("outside"), std::string::npos);
  EXPECT_NE(refusal(R"({"score": -1, "reasoning": ""})", numeric(0, 1)).find("outside"), std::string::npos);
  EXPECT_NE(refusal(R"({"score": "4", "reasoning": ""})", numeric(1, 5)).find("score must be a number, got \"4\""),
            std::string::npos);
  EXPECT_NE(refusal(R"({"score": true, "reasoning": ""})", numeric(0, 1)).find("must be a number"), std::string::npos);
  EXPECT_NE(refusal(R"({"score": null, "reasoning": ""})", numeric(0, 1)).find("must be a number"), std::string::npos);
  EXPECT_NE(refusal(R"({"score": [3], "reasoning": ""})", numeric(0, 5)).find("must be a number"), std::string::npos);
}

TEST(JudgeAnswer, CategoricalExactlyOneOfTheCategories) {
  auto r = parse_judge_answer(R"({"score": "faithful", "reasoning": "all supported"})",
                              categorical({"faithful", "hallucinated"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->type, ScoreType::categorical);
  EXPECT_EQ(r->category, "faithful");
  const auto cats = categorical({"faithful", "hallucinated"});
  EXPECT_NE(refusal(R"({"score": "Faithful", "reasoning": ""})", cats).find("'Faithful' is not one of the categories (faithful, hallucinated)"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"score": " faithful", "reasoning": ""})", cats).find("not one of the categories"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"score": 1, "reasoning": ""})", cats).find("score must be one of the categories"),
            std::string::npos);
}

TEST(JudgeAnswer, BooleanOnlyTrueOrFalse) {
  auto yes = parse_judge_answer(R"({"score": true, "reasoning": "insults"})", boolean());
  ASSERT_TRUE(yes.ok());
  EXPECT_EQ(yes->type, ScoreType::boolean);
  EXPECT_DOUBLE_EQ(yes->number, 1);
  auto no = parse_judge_answer(R"({"score": false, "reasoning": "polite"})", boolean());
  ASSERT_TRUE(no.ok());
  EXPECT_DOUBLE_EQ(no->number, 0);
  for (std::string_view bad : {R"({"score": "true", "reasoning": ""})", R"({"score": 1, "reasoning": ""})",
                               R"({"score": "yes", "reasoning": ""})"})
    EXPECT_NE(refusal(bad, boolean()).find("score must be true or false"), std::string::npos) << bad;
}

TEST(JudgeAnswer, AFencedObjectIsTheAnswer) {
  for (std::string_view fenced : {"```json\n{\"score\": 3, \"reasoning\": \"ok\"}\n```",
                                  "```\n{\"score\": 3, \"reasoning\": \"ok\"}\n```",
                                  "  \n```JSON\n  {\"score\": 3, \"reasoning\": \"ok\"}```\n\n",
                                  "\n{\"score\": 3, \"reasoning\": \"ok\"}\n"}) {
    auto r = parse_judge_answer(fenced, numeric(1, 5));
    ASSERT_TRUE(r.ok()) << fenced << ": " << r.error().message;
    EXPECT_DOUBLE_EQ(r->number, 3);
    EXPECT_EQ(r->reasoning, "ok");
  }
}

TEST(JudgeAnswer, NothingAroundTheObject) {
  const auto schema = numeric(1, 5);
  EXPECT_NE(refusal("Sure! {\"score\": 3, \"reasoning\": \"ok\"}", schema).find("only a JSON object, it starts with 'Sure!"),
            std::string::npos);
  EXPECT_NE(refusal("{\"score\": 3, \"reasoning\": \"ok\"} Hope this helps", schema).find("not one JSON object"),
            std::string::npos);
  EXPECT_NE(refusal("{\"score\": 3, \"reasoning\": \"ok\"}{\"score\": 4, \"reasoning\": \"\"}", schema)
                .find("not one JSON object"),
            std::string::npos);
  EXPECT_NE(refusal("Here it is:\n```json\n{\"score\": 3, \"reasoning\": \"ok\"}\n```", schema).find("only a JSON object"),
            std::string::npos);
  EXPECT_NE(refusal("```json\n{\"score\": 3, \"reasoning\": \"ok\"}\n```\nDone.", schema).find("text after the ``` block"),
            std::string::npos);
  EXPECT_NE(refusal("```python\n{\"score\": 3, \"reasoning\": \"ok\"}\n```", schema).find("a ```python block, not JSON"),
            std::string::npos);
  EXPECT_NE(refusal("```json\n{\"score\": 3, \"reasoning\": \"ok\"}", schema).find("never closes"), std::string::npos);
  EXPECT_NE(refusal("```json\n{\"score\": 3, \"reasoning\": \"a\"}\n```\n```json\n{}\n```", schema)
                .find("more than one ``` block"),
            std::string::npos);
}

TEST(JudgeAnswer, NotJsonEmptyOrTheWrongShape) {
  const auto schema = numeric(1, 5);
  EXPECT_NE(refusal("", schema).find("the answer is empty"), std::string::npos);
  EXPECT_NE(refusal("  \n ", schema).find("the answer is empty"), std::string::npos);
  EXPECT_NE(refusal("4", schema).find("only a JSON object"), std::string::npos);
  EXPECT_NE(refusal("[{\"score\": 4, \"reasoning\": \"\"}]", schema).find("only a JSON object"), std::string::npos);
  EXPECT_NE(refusal("{\"score\": 4, \"reasoning\": \"x\",}", schema).find("not one JSON object"), std::string::npos);
  EXPECT_NE(refusal("{score: 4}", schema).find("not one JSON object"), std::string::npos);
  EXPECT_NE(refusal(R"({"reasoning": "no score"})", schema).find("score is missing"), std::string::npos);
  EXPECT_NE(refusal(R"({"score": 3})", schema).find("reasoning is missing"), std::string::npos);
  EXPECT_NE(refusal(R"({"score": 3, "reasoning": 7})", schema).find("reasoning must be a string"), std::string::npos);
  EXPECT_NE(refusal(R"({"score": 3, "reasoning": "x", "confidence": 0.9})", schema)
                .find("unexpected field 'confidence'"),
            std::string::npos);
}

TEST(JudgeAnswer, EveryCutOrChangedByteIsReadWithoutHarm) {
  const std::string whole = "```json\n{\"score\": 3.5, \"reasoning\": \"ok \\u00e9\"}\n```";
  const auto schema = numeric(1, 5);
  ASSERT_TRUE(parse_judge_answer(whole, schema).ok());
  for (size_t n = 0; n < whole.size(); ++n) {
    auto r = parse_judge_answer(whole.substr(0, n), schema);
    ASSERT_FALSE(r.ok()) << "a cut answer was accepted: " << whole.substr(0, n);
    EXPECT_EQ(r.error().code, ErrorCode::unprocessable);
  }
  for (size_t i = 0; i < whole.size(); ++i)
    for (unsigned char c : {'\0', '"', '{', '}', '`', '\n', 'x', '9', '\xff'}) {
      std::string changed = whole;
      changed[i] = static_cast<char>(c);
      auto r = parse_judge_answer(changed, schema);
      if (r.ok()) {
        EXPECT_GE(r->number, 1);
        EXPECT_LE(r->number, 5);
      } else {
        EXPECT_EQ(r.error().code, ErrorCode::unprocessable);
      }
    }
}

TEST(JudgeAnswer, SchemaInWords) {
  EXPECT_EQ(describe_schema(numeric(1, 5)), "a number from 1 to 5");
  EXPECT_EQ(describe_schema(categorical({"a", "b \"c\""})), R"(exactly one of these strings: "a", "b \"c\"")");
  EXPECT_EQ(describe_schema(boolean()), "true or false (a JSON boolean)");
}

TEST(JudgeTemplate, VariablesFilledAndUnknownOnesRefused) {
  JudgeInputs in{"question", "answer", "truth", "docs", {{"user.tier", "gold"}}};
  EXPECT_EQ(fill_template("Q: {{input}} A: {{ output }} E: {{expected}} C: {{context}} T: {{attributes.user.tier}} "
                          "M: {{attributes.missing}}",
                          in),
            "Q: question A: answer E: truth C: docs T: gold M: ");
  EXPECT_TRUE(check_template("{{input}} {{attributes.x}} plain { braces }").ok());
  auto unknown = check_template("{{input}} {{answer}}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::bad_request);
  EXPECT_NE(unknown.error().message.find("unknown variable {{answer}}"), std::string::npos) << unknown.error().message;
  EXPECT_FALSE(check_template("{{attributes.}}").ok());
  auto open = check_template("{{input");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("never closed"), std::string::npos);
}

TEST(JudgeTemplate, TheRequestAsksForTheSchemaAndCarriesTheFilledTemplate) {
  Evaluator e;
  e.name = "relevance";
  e.template_text = "Rate {{output}}";
  e.output = numeric(1, 5);
  e.model = "judge-model";
  const auto req = judge_request(e, JudgeInputs{"", "this", "", "", {}});
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0].role, "system");
  EXPECT_NE(req.messages[0].content.find("only a JSON object"), std::string::npos);
  EXPECT_NE(req.messages[0].content.find("a number from 1 to 5"), std::string::npos);
  EXPECT_EQ(req.messages[1].role, "user");
  EXPECT_EQ(req.messages[1].content, "Rate this");
  EXPECT_EQ(req.model, "judge-model");
  EXPECT_EQ(req.operation, "evaluation.judge");
}

}  // namespace
}  // namespace stacklens::evals
