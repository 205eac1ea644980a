#include <gtest/gtest.h>

#include "core/json.h"
#include "ingest/span_parser.h"

using namespace stacklens;

namespace {
Result<Span> parse(const std::string& text) {
  auto doc = json::parse(text);
  if (!doc) return doc.error();
  return ingest::parse_wire_span(*doc, 7, Limits{});
}
}  // namespace

TEST(SpanParser, ReadsTheHostedClientsFormat) {
  auto s = parse(R"({"traceId":"t","spanId":"s","parentSpanId":null,"name":"chat","kind":"llm","status":"ok",
    "startTime":"2024-01-01T12:00:00+00:00","endTime":"2024-01-01T12:00:01.5+00:00","attributes":{"a":"b","n":2},
    "tags":["x","x","y"],"llmSpan":{"model":"gpt-4o","provider":"openai","inputTokens":3,"outputTokens":4,
    "totalTokens":null,"estimatedCostUsd":0.5,"temperature":0.7,"maxTokens":null,"promptContent":"p",
    "completionContent":null,"isStreaming":true,"finishReason":"stop"}})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->project_id, 7);
  EXPECT_EQ(s->latency_us(), 1'500'000);
  EXPECT_EQ(s->attributes[1].second, "2");
  EXPECT_EQ(s->tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(s->llm->total_tokens, 7);
  EXPECT_EQ(*s->llm->prompt, "p");
  EXPECT_FALSE(s->llm->completion);
}

TEST(SpanParser, KindDefaultsFromLlmData) {
  EXPECT_EQ(parse(R"({"traceId":"t","spanId":"s","name":"n","startTime":"2024-01-01T00:00:00Z"})")->kind, "internal");
  EXPECT_EQ(parse(R"({"traceId":"t","spanId":"s","name":"n","startTime":"2024-01-01T00:00:00Z",
    "llmSpan":{"model":"m","provider":"p","inputTokens":1,"outputTokens":1}})")->kind, "llm");
}

TEST(SpanParser, NanosecondTimes) {
  auto s = parse(R"({"traceId":"t","spanId":"s","name":"n","startTime":1704110400000000000,"endTime":"1704110400000001000"})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->start_us, 1704110400000000);
  EXPECT_EQ(s->end_us, 1704110400000001);
}

TEST(SpanParser, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"spanId":"s","name":"n","startTime":"2024-01-01T00:00:00Z"})", "traceId is required"},
      {R"({"traceId":"t","spanId":"s","name":"n","startTime":"2024-01-01T00:00:00Z","status":"bad"})", "status must be"},
      {R"({"traceId":"t","spanId":"s","name":"n","startTime":"2024-01-01T00:00:02Z","endTime":"2024-01-01T00:00:01Z"})",
       "endTime is before startTime"},
      {R"({"traceId":"t","spanId":"s","name":"n","startTime":"2024-01-01T00:00:00Z",
          "llmSpan":{"model":"m","provider":"p","inputTokens":-1,"outputTokens":1}})", "llmSpan.inputTokens must not be negative"},
      {R"({"traceId":"t","spanId":"s","name":"n","startTime":"2024-01-01T00:00:00Z","tags":[1]})", "tags[0] must be a string"},
  };
  for (const auto& [text, message] : cases) {
    auto s = parse(text);
    ASSERT_FALSE(s) << text;
    EXPECT_NE(s.error().message.find(message), std::string::npos) << s.error().message;
  }
}
