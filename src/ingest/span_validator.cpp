#include "ingest/span_validator.h"

#include <fmt/format.h>

namespace stacklens::ingest {
namespace {

Status too_long(std::string_view value, size_t max, std::string_view where) {
  return make_error(ErrorCode::bad_request, fmt::format("{} is {} bytes; the limit is {}", where, value.size(), max));
}

Status check_length(std::string_view value, size_t max, std::string_view where) {
  if (value.size() > max) return too_long(value, max, where);
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

// No single call comes near a trillion tokens; the bound keeps every sum of counts (a trace's,
// a rollup's, a cost) far from overflowing.
constexpr int64_t kMaxTokenCount = 1'000'000'000'000;

Status check_count(int64_t v, std::string_view where) {
  if (v < 0) return make_error(ErrorCode::bad_request, fmt::format("{} must not be negative", where));
  if (v > kMaxTokenCount)
    return make_error(ErrorCode::bad_request, fmt::format("{} must be at most {}", where, kMaxTokenCount));
  return ok_status();
}

Status check_llm(const LlmData& l, const Limits& limits) {
  if (auto st = check_length(l.model, limits.max_name_bytes, "llmSpan.model"); !st) return st;
  if (auto st = check_length(l.provider, limits.max_name_bytes, "llmSpan.provider"); !st) return st;
  if (auto st = check_count(l.input_tokens, "llmSpan.inputTokens"); !st) return st;
  if (auto st = check_count(l.output_tokens, "llmSpan.outputTokens"); !st) return st;
  if (auto st = check_count(l.total_tokens, "llmSpan.totalTokens"); !st) return st;
  if (auto st = check_count(l.cache_read_tokens, "llmSpan.cacheReadTokens"); !st) return st;
  if (auto st = check_count(l.cache_write_tokens, "llmSpan.cacheWriteTokens"); !st) return st;
  if (auto st = check_count(l.reasoning_tokens, "llmSpan.reasoningTokens"); !st) return st;
  // They are parts of inputTokens and outputTokens (model/span.h), never added to them.
  if (l.cache_read_tokens > l.input_tokens || l.cache_write_tokens > l.input_tokens - l.cache_read_tokens)
    return make_error(ErrorCode::bad_request,
                      "llmSpan.cacheReadTokens + cacheWriteTokens must not exceed inputTokens, which includes them");
  if (l.reasoning_tokens > l.output_tokens)
    return make_error(ErrorCode::bad_request,
                      "llmSpan.reasoningTokens must not exceed outputTokens, which includes them");
  if (!(l.cost_usd >= 0)) return make_error(ErrorCode::bad_request, "llmSpan.estimatedCostUsd must not be negative");
  if (l.temperature && !(*l.temperature >= 0 && *l.temperature <= 100))
    return make_error(ErrorCode::bad_request, "llmSpan.temperature must be between 0 and 100");
  if (l.max_tokens)
    if (auto st = check_count(*l.max_tokens, "llmSpan.maxTokens"); !st) return st;
  if (l.prompt)
    if (auto st = check_length(*l.prompt, limits.max_text_bytes, "llmSpan.promptContent"); !st) return st;
  if (l.completion)
    if (auto st = check_length(*l.completion, limits.max_text_bytes, "llmSpan.completionContent"); !st) return st;
  if (l.finish_reason)
    if (auto st = check_length(*l.finish_reason, limits.max_name_bytes, "llmSpan.finishReason"); !st) return st;
  return ok_status();
}

// `where` names the owner: "attributes" or "events[2].attributes".
Status check_attributes(const Attributes& attrs, const Limits& limits, std::string_view where) {
  if (attrs.size() > limits.max_attributes)
    return make_error(ErrorCode::bad_request,
                      fmt::format("{} has {} entries; the limit is {}", where, attrs.size(), limits.max_attributes));
  for (const auto& [key, value] : attrs) {
    if (key.empty()) return make_error(ErrorCode::bad_request, fmt::format("{}: keys must not be empty", where));
    // Names for messages are formatted only when there is something wrong to say.
    if (key.size() > limits.max_attribute_key_bytes)
      return too_long(key, limits.max_attribute_key_bytes, fmt::format("attribute key '{}'", key.substr(0, 64)));
    if (value.size() > limits.max_attribute_value_bytes)
      return too_long(value, limits.max_attribute_value_bytes, fmt::format("{}.{}", where, key));
  }
  return ok_status();
}

Status check_tags(const std::vector<std::string>& tags, const Limits& limits) {
  if (tags.size() > limits.max_tags)
    return make_error(ErrorCode::bad_request,
                      fmt::format("tags has {} entries; the limit is {}", tags.size(), limits.max_tags));
  for (size_t i = 0; i < tags.size(); ++i) {
    if (tags[i].empty()) return make_error(ErrorCode::bad_request, fmt::format("tags[{}] must not be empty", i));
    if (tags[i].size() > limits.max_tag_bytes) return too_long(tags[i], limits.max_tag_bytes, fmt::format("tags[{}]", i));
  }
  return ok_status();
}

Status check_events(const std::vector<SpanEvent>& events, const Limits& limits) {
  if (events.size() > limits.max_events)
    return make_error(ErrorCode::bad_request,
                      fmt::format("events has {} entries; the limit is {}", events.size(), limits.max_events));
  for (size_t i = 0; i < events.size(); ++i) {
    const auto where = fmt::format("events[{}]", i);
    if (events[i].name.empty()) return make_error(ErrorCode::bad_request, where + ".name must not be empty");
    if (auto st = check_length(events[i].name, limits.max_name_bytes, where + ".name"); !st) return st;
    if (auto st = check_attributes(events[i].attributes, limits, where + ".attributes"); !st) return st;
  }
  return ok_status();
}

}  // namespace

Status validate_span(const Span& s, const Limits& limits) {
  if (auto st = check_id(s.trace_id, limits.max_id_bytes, "traceId"); !st) return st;
  if (auto st = check_id(s.span_id, limits.max_id_bytes, "spanId"); !st) return st;
  if (s.parent_span_id) {
    if (auto st = check_id(*s.parent_span_id, limits.max_id_bytes, "parentSpanId"); !st) return st;
    if (*s.parent_span_id == s.span_id) return make_error(ErrorCode::bad_request, "parentSpanId must differ from spanId");
  }
  if (s.name.empty()) return make_error(ErrorCode::bad_request, "name must not be empty");
  if (auto st = check_length(s.name, limits.max_name_bytes, "name"); !st) return st;
  if (s.status != "ok" && s.status != "error")
    return make_error(ErrorCode::bad_request,
                      fmt::format("status must be \"ok\" or \"error\", got \"{}\"", s.status.substr(0, 32)));
  if (s.start_us <= 0) return make_error(ErrorCode::bad_request, "startTime must be after 1970");
  if (s.end_us < s.start_us) return make_error(ErrorCode::bad_request, "endTime is before startTime");
  if (s.llm)
    if (auto st = check_llm(*s.llm, limits); !st) return st;
  if (!is_span_kind(s.kind))
    return make_error(ErrorCode::bad_request,
                      fmt::format("kind \"{}\" is unknown; use llm, internal, agent, tool, retriever, embedding, "
                                  "chain, reranker, guardrail, evaluator, workflow or task",
                                  s.kind.substr(0, 32)));
  if (auto st = check_attributes(s.attributes, limits, "attributes"); !st) return st;
  if (auto st = check_tags(s.tags, limits); !st) return st;
  return check_events(s.events, limits);
}

}  // namespace stacklens::ingest
