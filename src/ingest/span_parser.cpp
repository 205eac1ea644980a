#include "ingest/span_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/json.h"

namespace stacklens::ingest {
namespace {

Result<LlmData> parse_llm(const boost::json::object& o) {
  LlmData l;
  SL_TRY(model, json::req_string(o, "model", "llmSpan.model"));
  SL_TRY(provider, json::req_string(o, "provider", "llmSpan.provider"));
  l.model = std::move(model);
  l.provider = std::move(provider);
  SL_TRY(in, json::opt_int(o, "inputTokens", "llmSpan.inputTokens"));
  SL_TRY(out, json::opt_int(o, "outputTokens", "llmSpan.outputTokens"));
  SL_TRY(total, json::opt_int(o, "totalTokens", "llmSpan.totalTokens"));
  l.input_tokens = in.value_or(0);
  l.output_tokens = out.value_or(0);
  l.total_tokens = total.value_or(l.input_tokens + l.output_tokens);
  SL_TRY(cost, json::opt_number(o, "estimatedCostUsd", "llmSpan.estimatedCostUsd"));
  l.cost_usd = cost.value_or(0.0);
  SL_TRY(temperature, json::opt_number(o, "temperature", "llmSpan.temperature"));
  l.temperature = temperature;
  SL_TRY(max_tokens, json::opt_int(o, "maxTokens", "llmSpan.maxTokens"));
  l.max_tokens = max_tokens;
  SL_TRY(prompt, json::opt_string(o, "promptContent", "llmSpan.promptContent"));
  SL_TRY(completion, json::opt_string(o, "completionContent", "llmSpan.completionContent"));
  l.prompt = std::move(prompt);
  l.completion = std::move(completion);
  SL_TRY(streaming, json::opt_bool(o, "isStreaming", "llmSpan.isStreaming"));
  l.is_streaming = streaming.value_or(false);
  SL_TRY(finish, json::opt_string(o, "finishReason", "llmSpan.finishReason"));
  l.finish_reason = std::move(finish);
  return l;
}

Result<Attributes> parse_attributes(const boost::json::object& o) {
  Attributes out;
  auto it = o.find("attributes");
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_object()) return make_error(ErrorCode::bad_request, "attributes must be an object");
  for (const auto& kv : it->value().get_object()) out.emplace_back(kv.key(), json::to_attribute_string(kv.value()));
  return out;
}

Result<std::vector<std::string>> parse_tags(const boost::json::object& o) {
  std::vector<std::string> out;
  auto it = o.find("tags");
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return make_error(ErrorCode::bad_request, "tags must be an array of strings");
  const auto& arr = it->value().get_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) return make_error(ErrorCode::bad_request, fmt::format("tags[{}] must be a string", i));
    out.emplace_back(arr[i].get_string());
  }
  return out;
}

void drop_duplicate_tags(std::vector<std::string>& tags) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (auto& t : tags)
    if (seen.insert(t).second) out.push_back(std::move(t));
  tags = std::move(out);
}

}  // namespace

Result<Micros> parse_timestamp(const boost::json::value& v, std::string_view where) {
  auto from_nanos = [&](int64_t ns) -> Result<Micros> {
    if (ns <= 0) return make_error(ErrorCode::bad_request, fmt::format("{} must be after 1970", where));
    return ns / 1000;
  };
  if (v.is_int64()) return from_nanos(v.get_int64());
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return from_nanos(static_cast<int64_t>(v.get_uint64()));
  if (v.is_string()) {
    std::string_view s = v.get_string();
    if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      int64_t ns = 0;
      if (std::from_chars(s.data(), s.data() + s.size(), ns).ec == std::errc()) return from_nanos(ns);
    }
    if (auto t = parse_iso8601(s)) return *t;
    return make_error(ErrorCode::bad_request,
                      fmt::format("{} is not a valid time: use ISO-8601 (2024-01-01T12:00:00+00:00) or "
                                  "nanoseconds since the epoch",
                                  where));
  }
  return make_error(ErrorCode::bad_request, fmt::format("{} must be an ISO-8601 string or nanoseconds", where));
}

Result<Span> parse_wire_span(const boost::json::value& v, int64_t project_id, const Limits& limits) {
  SL_TRY(obj, json::req_object(v, "span"));
  const auto& o = *obj;
  Span s;
  s.project_id = project_id;
  SL_TRY(trace_id, json::req_string(o, "traceId", "traceId"));
  SL_TRY(span_id, json::req_string(o, "spanId", "spanId"));
  SL_TRY(parent, json::opt_string(o, "parentSpanId", "parentSpanId"));
  if (parent && parent->empty()) parent.reset();
  SL_TRY(name, json::req_string(o, "name", "name"));
  SL_TRY(status, json::opt_string(o, "status", "status"));
  s.status = status.value_or("ok");

  auto start_it = o.find("startTime");
  if (start_it == o.end() || start_it->value().is_null())
    return make_error(ErrorCode::bad_request, "startTime is required");
  SL_TRY(start, parse_timestamp(start_it->value(), "startTime"));
  Micros end = start;
  if (auto end_it = o.find("endTime"); end_it != o.end() && !end_it->value().is_null()) {
    SL_TRY(e, parse_timestamp(end_it->value(), "endTime"));
    end = e;
  }

  auto llm_it = o.find("llmSpan");
  if (llm_it != o.end() && !llm_it->value().is_null()) {
    if (!llm_it->value().is_object()) return make_error(ErrorCode::bad_request, "llmSpan must be an object or null");
    SL_TRY(llm, parse_llm(llm_it->value().get_object()));
    s.llm = std::move(llm);
  }
  SL_TRY(kind, json::opt_string(o, "kind", "kind"));
  s.kind = kind.value_or(s.llm ? "llm" : "internal");
  SL_TRY(attributes, parse_attributes(o));
  SL_TRY(tags, parse_tags(o));
  s.trace_id = std::move(trace_id);
  s.span_id = std::move(span_id);
  s.parent_span_id = std::move(parent);
  s.name = std::move(name);
  s.start_us = start;
  s.end_us = end;
  s.attributes = std::move(attributes);
  s.tags = std::move(tags);
  if (auto st = validate_span(s, limits); !st) return st.error();
  drop_duplicate_tags(s.tags);
  return s;
}

}  // namespace stacklens::ingest
