#include "ingest/span_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/json.h"

namespace stacklens::ingest {
namespace {

constexpr std::string_view kKinds[] = {"internal", "llm",       "agent",     "tool",      "retriever", "embedding",
                                       "chain",    "reranker",  "guardrail", "evaluator", "workflow",  "task"};

Status check_length(std::string_view value, size_t max, std::string_view where) {
  if (value.size() > max)
    return make_error(ErrorCode::bad_request, fmt::format("{} is {} bytes; the limit is {}", where, value.size(), max));
  return ok_status();
}

Status check_id(std::string_view value, size_t max, std::string_view where) {
  if (value.empty()) return make_error(ErrorCode::bad_request, fmt::format("{} must not be empty", where));
  if (auto st = check_length(value, max, where); !st) return st;
  for (unsigned char c : value)
    if (c < 0x21 || c > 0x7e)
      return make_error(ErrorCode::bad_request, fmt::format("{} must be printable ASCII without spaces", where));
  return ok_status();
}


Result<std::optional<int64_t>> count_field(const boost::json::object& o, std::string_view key, std::string_view where) {
  auto v = json::opt_int(o, key, where);
  if (!v) return v.error();
  if (*v && **v < 0) return make_error(ErrorCode::bad_request, fmt::format("{} must not be negative", where));
  return v;
}

Result<std::optional<std::string>> bounded_text(const boost::json::object& o, std::string_view key,
                                                std::string_view where, size_t max) {
  auto v = json::opt_string(o, key, where);
  if (!v) return v.error();
  if (*v)
    if (auto st = check_length(**v, max, where); !st) return st.error();
  return v;
}

Result<LlmData> parse_llm(const boost::json::object& o, const Limits& limits) {
  LlmData l;
  SL_TRY(model, json::req_string(o, "model", "llmSpan.model"));
  SL_TRY(provider, json::req_string(o, "provider", "llmSpan.provider"));
  if (auto st = check_length(model, limits.max_name_bytes, "llmSpan.model"); !st) return st.error();
  if (auto st = check_length(provider, limits.max_name_bytes, "llmSpan.provider"); !st) return st.error();
  l.model = std::move(model);
  l.provider = std::move(provider);
  SL_TRY(in, count_field(o, "inputTokens", "llmSpan.inputTokens"));
  SL_TRY(out, count_field(o, "outputTokens", "llmSpan.outputTokens"));
  SL_TRY(total, count_field(o, "totalTokens", "llmSpan.totalTokens"));
  l.input_tokens = in.value_or(0);
  l.output_tokens = out.value_or(0);
  l.total_tokens = total.value_or(l.input_tokens + l.output_tokens);
  SL_TRY(cost, json::opt_number(o, "estimatedCostUsd", "llmSpan.estimatedCostUsd"));
  if (cost && *cost < 0) return make_error(ErrorCode::bad_request, "llmSpan.estimatedCostUsd must not be negative");
  l.cost_usd = cost.value_or(0.0);
  SL_TRY(temperature, json::opt_number(o, "temperature", "llmSpan.temperature"));
  if (temperature && (*temperature < 0 || *temperature > 100))
    return make_error(ErrorCode::bad_request, "llmSpan.temperature must be between 0 and 100");
  l.temperature = temperature;
  SL_TRY(max_tokens, count_field(o, "maxTokens", "llmSpan.maxTokens"));
  l.max_tokens = max_tokens;
  SL_TRY(prompt, bounded_text(o, "promptContent", "llmSpan.promptContent", limits.max_text_bytes));
  SL_TRY(completion, bounded_text(o, "completionContent", "llmSpan.completionContent", limits.max_text_bytes));
  l.prompt = std::move(prompt);
  l.completion = std::move(completion);
  SL_TRY(streaming, json::opt_bool(o, "isStreaming", "llmSpan.isStreaming"));
  l.is_streaming = streaming.value_or(false);
  SL_TRY(finish, bounded_text(o, "finishReason", "llmSpan.finishReason", limits.max_name_bytes));
  l.finish_reason = std::move(finish);
  return l;
}

Result<Attributes> parse_attributes(const boost::json::object& o, const Limits& limits) {
  Attributes out;
  auto it = o.find("attributes");
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_object()) return make_error(ErrorCode::bad_request, "attributes must be an object");
  const auto& attrs = it->value().get_object();
  if (attrs.size() > limits.max_attributes)
    return make_error(ErrorCode::bad_request,
                      fmt::format("attributes has {} entries; the limit is {}", attrs.size(), limits.max_attributes));
  for (const auto& kv : attrs) {
    const std::string key(kv.key());
    if (key.empty()) return make_error(ErrorCode::bad_request, "attributes: keys must not be empty");
    if (auto st = check_length(key, limits.max_attribute_key_bytes, fmt::format("attribute key '{}'", key.substr(0, 64)));
        !st)
      return st.error();
    std::string value = json::to_attribute_string(kv.value());
    if (auto st = check_length(value, limits.max_attribute_value_bytes, fmt::format("attributes.{}", key)); !st)
      return st.error();
    out.emplace_back(key, std::move(value));
  }
  return out;
}

Result<std::vector<std::string>> parse_tags(const boost::json::object& o, const Limits& limits) {
  std::vector<std::string> out;
  auto it = o.find("tags");
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return make_error(ErrorCode::bad_request, "tags must be an array of strings");
  const auto& arr = it->value().get_array();
  if (arr.size() > limits.max_tags)
    return make_error(ErrorCode::bad_request, fmt::format("tags has {} entries; the limit is {}", arr.size(), limits.max_tags));
  std::set<std::string> seen;
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) return make_error(ErrorCode::bad_request, fmt::format("tags[{}] must be a string", i));
    std::string tag(arr[i].get_string());
    if (tag.empty()) return make_error(ErrorCode::bad_request, fmt::format("tags[{}] must not be empty", i));
    if (auto st = check_length(tag, limits.max_tag_bytes, fmt::format("tags[{}]", i)); !st) return st.error();
    if (seen.insert(tag).second) out.push_back(std::move(tag));
  }
  return out;
}

}  // namespace

bool is_span_kind(std::string_view kind) {
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

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
  if (auto st = check_id(trace_id, limits.max_id_bytes, "traceId"); !st) return st.error();
  if (auto st = check_id(span_id, limits.max_id_bytes, "spanId"); !st) return st.error();
  SL_TRY(parent, json::opt_string(o, "parentSpanId", "parentSpanId"));
  if (parent && parent->empty()) parent.reset();
  if (parent) {
    if (auto st = check_id(*parent, limits.max_id_bytes, "parentSpanId"); !st) return st.error();
    if (*parent == span_id) return make_error(ErrorCode::bad_request, "parentSpanId must differ from spanId");
  }
  SL_TRY(name, json::req_string(o, "name", "name"));
  if (name.empty()) return make_error(ErrorCode::bad_request, "name must not be empty");
  if (auto st = check_length(name, limits.max_name_bytes, "name"); !st) return st.error();
  SL_TRY(status, json::opt_string(o, "status", "status"));
  s.status = status.value_or("ok");
  if (s.status != "ok" && s.status != "error")
    return make_error(ErrorCode::bad_request, fmt::format("status must be \"ok\" or \"error\", got \"{}\"", s.status.substr(0, 32)));

  auto start_it = o.find("startTime");
  if (start_it == o.end() || start_it->value().is_null())
    return make_error(ErrorCode::bad_request, "startTime is required");
  SL_TRY(start, parse_timestamp(start_it->value(), "startTime"));
  Micros end = start;
  if (auto end_it = o.find("endTime"); end_it != o.end() && !end_it->value().is_null()) {
    SL_TRY(e, parse_timestamp(end_it->value(), "endTime"));
    end = e;
  }
  if (end < start) return make_error(ErrorCode::bad_request, "endTime is before startTime");

  auto llm_it = o.find("llmSpan");
  if (llm_it != o.end() && !llm_it->value().is_null()) {
    if (!llm_it->value().is_object()) return make_error(ErrorCode::bad_request, "llmSpan must be an object or null");
    SL_TRY(llm, parse_llm(llm_it->value().get_object(), limits));
    s.llm = std::move(llm);
  }
  SL_TRY(kind, json::opt_string(o, "kind", "kind"));
  s.kind = kind.value_or(s.llm ? "llm" : "internal");
  if (!is_span_kind(s.kind))
    return make_error(ErrorCode::bad_request,
                      fmt::format("kind \"{}\" is unknown; use llm, internal, agent, tool, retriever, embedding, "
                                  "chain, reranker, guardrail, evaluator, workflow or task",
                                  s.kind.substr(0, 32)));
  SL_TRY(attributes, parse_attributes(o, limits));
  SL_TRY(tags, parse_tags(o, limits));
  s.trace_id = std::move(trace_id);
  s.span_id = std::move(span_id);
  s.parent_span_id = std::move(parent);
  s.name = std::move(name);
  s.start_us = start;
  s.end_us = end;
  s.attributes = std::move(attributes);
  s.tags = std::move(tags);
  return s;
}

}  // namespace stacklens::ingest
