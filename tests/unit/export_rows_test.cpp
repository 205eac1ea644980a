// Export rows are written without building JSON values: each must still be the API's Span
// (json_views' span_json) with llmSpan flattened, byte for byte as Boost.JSON writes it, and CSV
// the same values as RFC 4180 fields.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/export_rows.h"
#include "api/json_views.h"

namespace stacklens::api {
namespace {

namespace bj = boost::json;

const std::vector<std::string> kColumns = {
    "traceId",      "spanId",           "parentSpanId",   "name",         "kind",         "status",
    "startTime",    "endTime",          "latencyMs",      "model",        "provider",     "inputTokens",
    "outputTokens", "totalTokens",      "cacheReadTokens", "cacheWriteTokens", "reasoningTokens",
    "estimatedCostUsd", "costSource",   "temperature",    "maxTokens",    "isStreaming",  "finishReason",
    "tags",         "attributes",       "events",         "promptContent", "completionContent"};

std::vector<Span> spans() {
  std::vector<Span> out;
  Span awkward;
  awkward.trace_id = "t-1";
  awkward.span_id = "s,1";
  awkward.parent_span_id = "root";
  awkward.name = "say \"hi\", then\r\nleave \x01 \\ \xe2\x82\xac";
  awkward.kind = "llm";
  awkward.status = "error";
  awkward.start_us = 1714521600123456;
  awkward.end_us = 1714521600123456 + 1234567;
  awkward.attributes = {{"user_id", "u\t1"}, {"k", "v\n2"}, {"user_id", "again"}};  // a key twice
  awkward.tags = {"prod", "a\"b"};
  SpanEvent retry, done;
  retry.name = "retry";
  retry.time_us = 1714521600500000;
  retry.attributes = {{"attempt", "2"}};
  done.name = "done";
  awkward.events = {retry, done};
  LlmData& l = awkward.llm.emplace();
  l.model = "gpt-4o";
  l.provider = "openai";
  l.input_tokens = 10;
  l.output_tokens = 5;
  l.total_tokens = 15;
  l.cache_read_tokens = 3;
  l.reasoning_tokens = 1;
  l.cost_usd = 0.1 + 0.2;
  l.cost_source = CostSource::table;
  l.temperature = 0.7;
  l.max_tokens = 100;
  l.is_streaming = true;
  l.finish_reason = "stop";
  l.prompt = "a, b\n\"c\"";
  l.completion = "";
  out.push_back(awkward);

  Span plain;  // no LLM data, no parent, nothing in its lists
  plain.trace_id = "t-2";
  plain.span_id = "s-2";
  plain.name = "op";
  plain.start_us = 0;
  plain.end_us = 5;
  out.push_back(plain);

  Span typed = plain;  // OTLP's typed attributes come out as their JSON values
  typed.attributes = {{"retries", "3"}, {"ratio", "0.5"}, {"ok", "true"}, {"list", "[1,\"a\"]"}, {"s", "x"}};
  typed.typed_attributes = {"retries", "ratio", "ok", "list"};
  SpanEvent typed_event;
  typed_event.name = "e";
  typed_event.attributes = {{"n", "2"}, {"s", "2"}};
  typed_event.typed_attributes = {"n"};
  typed.events = {typed_event};
  LlmData& m = typed.llm.emplace();
  m.model = "m";
  m.provider = "p";
  m.cost_usd = 1e-7;
  out.push_back(typed);
  return out;
}

// The API's view of the span with llmSpan's fields in the row, in the export's column order.
bj::object expected_row(const Span& s, bool with_text) {
  const bj::object api = span_json(s);
  bj::object row;
  for (const auto& name : kColumns) {
    if (!with_text && (name == "promptContent" || name == "completionContent")) continue;
    if (const auto* v = api.if_contains(name)) row[name] = *v;
    else if (api.at("llmSpan").is_null()) row[name] = nullptr;
    else row[name] = api.at("llmSpan").as_object().at(name);
  }
  return row;
}

std::string csv_field(const bj::value& v) {
  std::string text = v.is_null() ? "" : v.is_string() ? std::string(v.get_string()) : bj::serialize(v);
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

TEST(ExportRows, JsonLinesAreTheApiSpanAsBoostJsonWritesIt) {
  for (bool with_text : {false, true})
    for (const Span& s : spans()) {
      std::string out;
      append_export_header(out, ExportFormat::jsonl, with_text);
      EXPECT_EQ(out, "");
      append_export_row(out, s, ExportFormat::jsonl, with_text);
      EXPECT_EQ(out, bj::serialize(expected_row(s, with_text)) + "\n") << s.span_id;
    }
}

TEST(ExportRows, CsvHoldsTheSameValuesAsFields) {
  for (bool with_text : {false, true}) {
    std::string out, expected;
    append_export_header(out, ExportFormat::csv, with_text);
    bool first = true;
    for (const auto& name : kColumns) {
      if (!with_text && (name == "promptContent" || name == "completionContent")) continue;
      expected += (first ? "" : ",") + name;
      first = false;
    }
    expected += "\r\n";
    for (const Span& s : spans()) {
      append_export_row(out, s, ExportFormat::csv, with_text);
      first = true;
      for (const auto& [name, v] : expected_row(s, with_text)) {
        expected += (first ? "" : ",") + csv_field(v);
        first = false;
      }
      expected += "\r\n";
    }
    EXPECT_EQ(out, expected);
  }
}

}  // namespace
}  // namespace stacklens::api
