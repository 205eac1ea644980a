#include "api/export_rows.h"

#include <boost/json.hpp>

#include "core/json.h"

namespace stacklens::api {
namespace bj = boost::json;

namespace {

// An LLM field, null on spans without LLM data.
template <typename F>
bj::value llm(const Span& s, F field) {
  return s.llm ? bj::value(field(*s.llm)) : bj::value(nullptr);
}

bj::object attributes(const Attributes& attrs) {
  bj::object o;
  for (const auto& [k, v] : attrs) o[k] = v;
  return o;
}

struct Column {
  std::string_view name;
  bool text;  // prompt or completion: only when asked for
  bj::value (*value)(const Span&);
};

// Field names as in the API's Span, with llmSpan's fields flattened into the row.
constexpr Column kColumns[] = {
    {"traceId", false, [](const Span& s) { return bj::value(s.trace_id); }},
    {"spanId", false, [](const Span& s) { return bj::value(s.span_id); }},
    {"parentSpanId", false, [](const Span& s) { return json::or_null(s.parent_span_id); }},
    {"name", false, [](const Span& s) { return bj::value(s.name); }},
    {"kind", false, [](const Span& s) { return bj::value(s.kind); }},
    {"status", false, [](const Span& s) { return bj::value(s.status); }},
    {"startTime", false, [](const Span& s) { return bj::value(format_iso8601(s.start_us)); }},
    {"endTime", false, [](const Span& s) { return bj::value(format_iso8601(s.end_us)); }},
    {"latencyMs", false, [](const Span& s) { return bj::value(static_cast<double>(s.latency_us()) / 1000.0); }},
    {"model", false, [](const Span& s) { return llm(s, [](const LlmData& l) { return l.model; }); }},
    {"provider", false, [](const Span& s) { return llm(s, [](const LlmData& l) { return l.provider; }); }},
    {"inputTokens", false, [](const Span& s) { return llm(s, [](const LlmData& l) { return l.input_tokens; }); }},
    {"outputTokens", false, [](const Span& s) { return llm(s, [](const LlmData& l) { return l.output_tokens; }); }},
    {"totalTokens", false, [](const Span& s) { return llm(s, [](const LlmData& l) { return l.total_tokens; }); }},
    {"cacheReadTokens", false,
     [](const Span& s) { return llm(s, [](const LlmData& l) { return l.cache_read_tokens; }); }},
    {"cacheWriteTokens", false,
     [](const Span& s) { return llm(s, [](const LlmData& l) { return l.cache_write_tokens; }); }},
    {"reasoningTokens", false,
     [](const Span& s) { return llm(s, [](const LlmData& l) { return l.reasoning_tokens; }); }},
    {"estimatedCostUsd", false,
     [](const Span& s) { return llm(s, [](const LlmData& l) { return l.cost_usd; }); }},
    {"costSource", false,
     [](const Span& s) { return llm(s, [](const LlmData& l) { return cost_source_name(l.cost_source); }); }},
    {"temperature", false, [](const Span& s) { return s.llm ? json::or_null(s.llm->temperature) : bj::value(nullptr); }},
    {"maxTokens", false, [](const Span& s) { return s.llm ? json::or_null(s.llm->max_tokens) : bj::value(nullptr); }},
    {"isStreaming", false, [](const Span& s) { return llm(s, [](const LlmData& l) { return l.is_streaming; }); }},
    {"finishReason", false, [](const Span& s) { return s.llm ? json::or_null(s.llm->finish_reason) : bj::value(nullptr); }},
    {"tags", false,
     [](const Span& s) {
       bj::array a;
       for (const auto& t : s.tags) a.emplace_back(t);
       return bj::value(std::move(a));
     }},
    {"attributes", false, [](const Span& s) { return bj::value(attributes(s.attributes)); }},
    {"events", false,
     [](const Span& s) {
       bj::array a;
       for (const auto& e : s.events)
         a.push_back(bj::object{
             {"name", e.name}, {"time", format_iso8601(e.time_us)}, {"attributes", attributes(e.attributes)}});
       return bj::value(std::move(a));
     }},
    {"promptContent", true, [](const Span& s) { return s.llm ? json::or_null(s.llm->prompt) : bj::value(nullptr); }},
    {"completionContent", true, [](const Span& s) { return s.llm ? json::or_null(s.llm->completion) : bj::value(nullptr); }},
};

void append_csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_csv_cell(std::string& out, const bj::value& v) {
  if (v.is_null()) return;
  if (v.is_string()) return append_csv_field(out, v.get_string());
  if (v.is_bool()) {
    out += v.get_bool() ? "true" : "false";
    return;
  }
  append_csv_field(out, bj::serialize(v));
}

}  // namespace

std::optional<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "jsonl") return ExportFormat::jsonl;
  if (name == "csv") return ExportFormat::csv;
  return std::nullopt;
}

std::string_view export_extension(ExportFormat f) { return f == ExportFormat::csv ? "csv" : "jsonl"; }

std::string_view export_content_type(ExportFormat f) {
  return f == ExportFormat::csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

void append_export_header(std::string& out, ExportFormat f, bool with_text) {
  if (f != ExportFormat::csv) return;
  bool first = true;
  for (const auto& c : kColumns) {
    if (c.text && !with_text) continue;
    if (!first) out += ',';
    first = false;
    out += c.name;
  }
  out += "\r\n";
}

void append_export_row(std::string& out, const Span& s, ExportFormat f, bool with_text) {
  if (f == ExportFormat::jsonl) {
    bj::object row;
    row.reserve(std::size(kColumns));
    for (const auto& c : kColumns)
      if (!c.text || with_text) row.emplace(c.name, c.value(s));
    out += json::serialize(row);
    out += '\n';
    return;
  }
  bool first = true;
  for (const auto& c : kColumns) {
    if (c.text && !with_text) continue;
    if (!first) out += ',';
    first = false;
    append_csv_cell(out, c.value(s));
  }
  out += "\r\n";
}

}  // namespace stacklens::api
