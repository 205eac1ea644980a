#include <gtest/gtest.h>

#include "fuzz_inputs.h"

#include "core/json.h"
#include "ingest/span_parser.h"

using namespace stacklens;

namespace {
Result<Span> parse(const std::string& text) { return ingest::parse_wire_span(text, 7, Limits{}); }
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

namespace {
constexpr const char* kMinimal = R"("traceId":"t","spanId":"s","name":"n","startTime":"2024-01-01T00:00:00Z")";

std::string span_with(const std::string& more) { return std::string("{") + kMinimal + "," + more + "}"; }

std::string error_of(const std::string& text) {
  auto s = parse(text);
  return s ? "(accepted)" : s.error().message;
}
}  // namespace

// A repeated key counts once, with its last value; an attribute keeps its first place.
TEST(SpanParser, RepeatedKeysTakeTheLastValue) {
  auto s = parse(span_with(R"("name":"second","attributes":{"a":"1","b":"2","a":"3"},"tags":[1],"tags":["t"],
    "llmSpan":{"model":1,"provider":"p"},"llmSpan":{"model":"m","provider":"p","promptContent":"x","promptContent":null})"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->name, "second");
  EXPECT_EQ(s->attributes, (Attributes{{"a", "3"}, {"b", "2"}}));
  EXPECT_EQ(s->tags, (std::vector<std::string>{"t"}));
  EXPECT_EQ(s->llm->model, "m");
  EXPECT_FALSE(s->llm->prompt);
  // A valid value followed by a bad one is bad; null is as if the key were absent.
  EXPECT_EQ(error_of(span_with(R"("status":"ok","status":3)")), "status must be a string");
  EXPECT_EQ(error_of(span_with(R"("llmSpan":{"model":"m","provider":"p"},"llmSpan":7)")),
            "llmSpan must be an object or null");
  auto absent = parse(span_with(R"("parentSpanId":"p","parentSpanId":null,"attributes":{"a":"1"},"attributes":null)"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->parent_span_id);
  EXPECT_TRUE(absent->attributes.empty());
}

// Attribute values that are not strings are kept as compact JSON, nested ones included.
TEST(SpanParser, AttributeValuesOfAnyType) {
  auto s = parse(span_with(
      R"("attributes":{"i":-3,"u":18446744073709551615,"d":0.5,"b":true,"z":null,"o":{"k":[1,"x\"y",{"a":1,"a":2}]},"e":[],"s":"tab\tnew\nline"})"));
  ASSERT_TRUE(s) << s.error().message;
  const Attributes expected = {{"i", "-3"},  {"u", "18446744073709551615"},
                               {"d", "0.5"}, {"b", "true"},
                               {"z", "null"}, {"o", R"({"k":[1,"x\"y",{"a":2}]})"},
                               {"e", "[]"},  {"s", "tab\tnew\nline"}};
  EXPECT_EQ(s->attributes, expected);
}

// When a span has several faults, the first in the fixed field order is reported, whatever the
// order of the keys; a bad value inside llmSpan comes before kind, attributes and tags.
TEST(SpanParser, FaultsAreReportedInFieldOrder) {
  EXPECT_EQ(error_of(R"({"tags":[1],"name":2,"spanId":"s","startTime":"2024-01-01T00:00:00Z"})"), "traceId is required");
  EXPECT_EQ(error_of(span_with(R"("tags":[1],"kind":3,"llmSpan":{"provider":"p","inputTokens":"x"})")),
            "llmSpan.model is required");
  EXPECT_EQ(error_of(span_with(R"("tags":[1],"kind":3,"llmSpan":{"model":"m","provider":"p","inputTokens":"x"})")),
            "llmSpan.inputTokens must be an integer");
  EXPECT_EQ(error_of(span_with(R"("tags":["a",{"x":1},2],"kind":"llm")")), "tags[1] must be a string");
  EXPECT_EQ(error_of(span_with(R"("tags":{"a":1})")), "tags must be an array of strings");
  EXPECT_EQ(error_of(span_with(R"("attributes":["a"])")), "attributes must be an object");
  EXPECT_EQ(error_of(span_with(R"("endTime":[1])")), "endTime must be an ISO-8601 string or nanoseconds");
  EXPECT_EQ(error_of(span_with(R"("llmSpan":{"model":"m","provider":"p","maxTokens":18446744073709551615})")),
            "llmSpan.maxTokens is too large");
  EXPECT_EQ(error_of(span_with(R"("llmSpan":{"model":"m","provider":"p","temperature":1e999})")),
            "llmSpan.temperature must be a number");
  EXPECT_EQ(error_of(span_with(R"("llmSpan":{"model":"m","provider":"p","isStreaming":"yes"})")),
            "llmSpan.isStreaming must be a boolean");
  EXPECT_EQ(error_of(R"({"traceId":"t","spanId":"s","name":"n","startTime":null})"), "startTime is required");
  EXPECT_EQ(error_of("[1]"), "span must be a JSON object");
  EXPECT_EQ(error_of(R"({"traceId":"t")"), "malformed JSON: incomplete JSON");
  EXPECT_NE(error_of(span_with(R"("x":1} extra)")).find("malformed JSON"), std::string::npos);
}

// Unknown keys are skipped whatever they hold; strings with escapes arrive whole.
TEST(SpanParser, SkipsUnknownKeysAndReadsEscapes) {
  auto s = parse(span_with(R"("future":{"deep":[{"traceId":"no"}]},"llmSpan":{"model":"m\u00e9\n","provider":"p","extra":[1,{"a":2}]})"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->trace_id, "t");
  EXPECT_EQ(s->llm->model, "m\xc3\xa9\n");
}

// A batch: one result per item, bad items rejected on their own; the body's shape and size are
// checked as a whole.
TEST(SpanParser, BatchesReadEachSpanOnItsOwn) {
  const Limits limits;
  const std::string good = std::string("{") + kMinimal + "}";
  auto batch = ingest::parse_wire_batch(R"({"other":[1],"spans":[)" + good + R"(,3,{"traceId":"t"},)" + good + "]}", 7, limits);
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->size(), 4u);
  EXPECT_TRUE((*batch)[0] && (*batch)[3]);
  EXPECT_EQ((*batch)[1].error().message, "span must be a JSON object");
  EXPECT_EQ((*batch)[2].error().message, "spanId is required");
  auto bare = ingest::parse_wire_batch("[" + good + "]", 7, limits);
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->size(), 1u);
  for (const char* shape : {R"({"spans":{}})", R"({"spans":3})", "3", R"({"items":[]})", R"({"spans":[],"spans":null})"}) {
    auto r = ingest::parse_wire_batch(shape, 7, limits);
    ASSERT_FALSE(r) << shape;
    EXPECT_EQ(r.error().message, "body must be {\"spans\": [span, ...]}");
  }
  Limits two;
  two.max_batch_spans = 2;
  auto big = ingest::parse_wire_batch("[" + good + "," + good + ",1]", 7, two);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::payload_too_large);
  EXPECT_EQ(big.error().message, "batch has 3 spans; the limit is 2 per request");
  EXPECT_EQ(ingest::parse_wire_batch("", 7, limits).error().message, "request body is empty: send a JSON object");
}

// Every input the wire fuzzer ever crashed on (fuzz/regressions/wire/) and every seed
// (fuzz/corpus/wire/: first byte odd for one span, even for a batch) is read without harm.
TEST(SpanParser, ReplaysFuzzInputs) {
  int replayed = 0, accepted = 0;
  for (const std::string& data : fuzz_inputs("wire")) {
    const std::string_view body = std::string_view(data).substr(1);
    if (data[0] & 1) {
      accepted += ingest::parse_wire_span(body, 1, Limits{}) ? 1 : 0;
    } else if (auto batch = ingest::parse_wire_batch(body, 1, Limits{})) {
      for (const auto& span : *batch) accepted += span ? 1 : 0;
    }
    ++replayed;
  }
  EXPECT_GE(replayed, 3);
  EXPECT_GE(accepted, 2);  // the seeds' good spans: single_full and the first of batch_mixed
}

// Usage types: optional, parts of inputTokens / outputTokens, a repeated key keeps its last value.
TEST(SpanParser, ReadsUsageTypes) {
  auto s = parse(span_with(R"("llmSpan":{"model":"m","provider":"p","inputTokens":10,"outputTokens":5,
    "cacheReadTokens":9,"cacheReadTokens":4,"cacheWriteTokens":2,"reasoningTokens":null,"reasoningTokens":3})"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->llm->cache_read_tokens, 4);
  EXPECT_EQ(s->llm->cache_write_tokens, 2);
  EXPECT_EQ(s->llm->reasoning_tokens, 3);
  EXPECT_EQ(s->llm->total_tokens, 15);  // the parts are not added to the whole
  auto plain = parse(span_with(R"("llmSpan":{"model":"m","provider":"p","inputTokens":10,"outputTokens":5})"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->llm->cache_read_tokens + plain->llm->cache_write_tokens + plain->llm->reasoning_tokens, 0);
  EXPECT_EQ(plain->llm->cost_source, CostSource::none);  // set at ingest, not by the parser
  EXPECT_EQ(error_of(span_with(R"("llmSpan":{"model":"m","provider":"p","inputTokens":1,"cacheReadTokens":2})")),
            "llmSpan.cacheReadTokens + cacheWriteTokens must not exceed inputTokens, which includes them");
  EXPECT_EQ(error_of(span_with(R"("llmSpan":{"model":"m","provider":"p","cacheWriteTokens":true})")),
            "llmSpan.cacheWriteTokens must be an integer");
}
