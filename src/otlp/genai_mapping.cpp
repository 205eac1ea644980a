#include "otlp/genai_mapping.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <unordered_map>

#include "core/json.h"

namespace stacklens::otlp {
namespace bj = boost::json;
namespace {

// LLM fields, each from the first attribute of this table (in order) that the span carries.
enum class LlmField { provider, model, input_tokens, output_tokens, total_tokens, cache_read_tokens,
                      cache_write_tokens, reasoning_tokens, cost, temperature, max_tokens, finish_reason, streaming };
struct FieldSource {
  std::string_view attribute;
  LlmField field;
};
constexpr FieldSource kLlmFields[] = {
    {"gen_ai.provider.name", LlmField::provider},
    {"gen_ai.system", LlmField::provider},
    {"llm.provider", LlmField::provider},
    {"llm.system", LlmField::provider},
    {"gen_ai.response.model", LlmField::model},
    {"gen_ai.request.model", LlmField::model},
    {"llm.model_name", LlmField::model},
    {"llm.response.model", LlmField::model},
    {"llm.request.model", LlmField::model},
    {"gen_ai.usage.input_tokens", LlmField::input_tokens},
    {"gen_ai.usage.prompt_tokens", LlmField::input_tokens},
    {"llm.token_count.prompt", LlmField::input_tokens},
    {"llm.usage.prompt_tokens", LlmField::input_tokens},
    {"gen_ai.usage.output_tokens", LlmField::output_tokens},
    {"gen_ai.usage.completion_tokens", LlmField::output_tokens},
    {"llm.token_count.completion", LlmField::output_tokens},
    {"llm.usage.completion_tokens", LlmField::output_tokens},
    {"gen_ai.usage.total_tokens", LlmField::total_tokens},
    {"llm.token_count.total", LlmField::total_tokens},
    {"llm.usage.total_tokens", LlmField::total_tokens},
    {"gen_ai.usage.cache_read.input_tokens", LlmField::cache_read_tokens},
    {"gen_ai.usage.cache_read_input_tokens", LlmField::cache_read_tokens},
    {"llm.token_count.prompt_details.cache_read", LlmField::cache_read_tokens},
    {"gen_ai.usage.cache_creation.input_tokens", LlmField::cache_write_tokens},
    {"gen_ai.usage.cache_creation_input_tokens", LlmField::cache_write_tokens},
    {"llm.token_count.prompt_details.cache_write", LlmField::cache_write_tokens},
    {"gen_ai.usage.reasoning.output_tokens", LlmField::reasoning_tokens},
    {"gen_ai.usage.reasoning_tokens", LlmField::reasoning_tokens},
    {"llm.token_count.completion_details.reasoning", LlmField::reasoning_tokens},
    {"gen_ai.usage.cost", LlmField::cost},
    {"llm.cost.total", LlmField::cost},
    {"gen_ai.request.temperature", LlmField::temperature},
    {"llm.request.temperature", LlmField::temperature},
    {"gen_ai.request.max_tokens", LlmField::max_tokens},
    {"llm.request.max_tokens", LlmField::max_tokens},
    {"gen_ai.response.finish_reasons", LlmField::finish_reason},
    {"gen_ai.response.finish_reason", LlmField::finish_reason},
    {"llm.finish_reason", LlmField::finish_reason},
    {"llm.response.finish_reason", LlmField::finish_reason},
    {"llm.is_streaming", LlmField::streaming},
    {"gen_ai.request.stream", LlmField::streaming},
};

// OpenInference keeps the request's parameters as one attribute, a JSON object of the call's
// arguments: LLM fields no attribute of kLlmFields set are taken from its members here, in order.
constexpr std::string_view kInvocationParameters = "llm.invocation_parameters";
constexpr FieldSource kInvocationFields[] = {
    {"temperature", LlmField::temperature},
    {"max_tokens", LlmField::max_tokens},
    {"max_completion_tokens", LlmField::max_tokens},
    {"max_output_tokens", LlmField::max_tokens},
};

// Prompt and completion text, from the first source of this table that the
// span carries. `whole`: the attribute's value as it is; `indexed`: attributes
// "<prefix><N>.<field>" (an optional "message." after N is dropped), rendered
// as a JSON array of {field: value} objects in N order. Every attribute these
// name is secret: it leaves the attributes and is stored sealed.
enum class Text { prompt, completion };
enum class Form { whole, indexed };
struct TextSource {
  std::string_view key;
  Text target;
  Form form;
};
constexpr TextSource kTextSources[] = {
    {"gen_ai.input.messages", Text::prompt, Form::whole},
    {"gen_ai.prompt", Text::prompt, Form::whole},
    {"gen_ai.prompt.", Text::prompt, Form::indexed},
    {"llm.input_messages.", Text::prompt, Form::indexed},
    {"input.value", Text::prompt, Form::whole},
    {"gen_ai.output.messages", Text::completion, Form::whole},
    {"gen_ai.completion", Text::completion, Form::whole},
    {"gen_ai.completion.", Text::completion, Form::indexed},
    {"llm.output_messages.", Text::completion, Form::indexed},
    {"output.value", Text::completion, Form::whole},
};

// Span events that carry one message each (earlier GenAI conventions). Their
// content attributes become messages {"role", ...} of the prompt or completion;
// the event itself stays, without them.
struct MessageEvent {
  std::string_view event;
  std::string_view role;
  Text target;
};
constexpr MessageEvent kMessageEvents[] = {
    {"gen_ai.system.message", "system", Text::prompt},
    {"gen_ai.user.message", "user", Text::prompt},
    {"gen_ai.assistant.message", "assistant", Text::prompt},
    {"gen_ai.tool.message", "tool", Text::prompt},
    {"gen_ai.choice", "assistant", Text::completion},
};
constexpr std::string_view kMessageContentKeys[] = {"content", "message", "tool_calls"};

// The StackLens kind, from the first attribute here the span carries. An empty
// `value` takes the attribute's own value, lowercased, when it names a StackLens kind.
struct KindSource {
  std::string_view attribute;
  std::string_view value;
  std::string_view kind;
};
constexpr KindSource kKinds[] = {
    {"openinference.span.kind", "", ""},
    {"traceloop.span.kind", "", ""},
    {"gen_ai.operation.name", "chat", "llm"},
    {"gen_ai.operation.name", "text_completion", "llm"},
    {"gen_ai.operation.name", "generate_content", "llm"},
    {"gen_ai.operation.name", "embeddings", "embedding"},
    {"gen_ai.operation.name", "execute_tool", "tool"},
    {"gen_ai.operation.name", "invoke_agent", "agent"},
    {"gen_ai.operation.name", "create_agent", "agent"},
};

constexpr std::string_view kOtlpKinds[] = {"", "", "server", "client", "producer", "consumer"};

using Lookup = std::unordered_map<std::string_view, const bj::value*>;

std::string text_of(const bj::value& v) { return json::to_attribute_string(v); }

std::optional<int64_t> int_of(const bj::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double()) && std::fabs(v.get_double()) < 9e15)
    return static_cast<int64_t>(v.get_double());
  if (v.is_string()) {
    std::string_view s = v.get_string();
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return n;
  }
  return std::nullopt;
}

std::optional<double> number_of(const bj::value& v) {
  if (v.is_number()) return v.to_number<double>();
  if (v.is_string()) {
    std::string_view s = v.get_string();
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && p == s.data() + s.size() && std::isfinite(d)) return d;
  }
  return std::nullopt;
}

// finish_reasons is an array: one reason as itself, several joined by commas.
std::string reasons_of(const bj::value& v) {
  if (!v.is_array()) return text_of(v);
  std::string out;
  for (const auto& r : v.get_array()) out += (out.empty() ? "" : ",") + text_of(r);
  return out;
}

bool apply_field(LlmData& l, LlmField field, const bj::value& v) {
  switch (field) {
    case LlmField::provider: l.provider = text_of(v); return true;
    case LlmField::model: l.model = text_of(v); return true;
    case LlmField::input_tokens: if (auto n = int_of(v)) return l.input_tokens = *n, true; return false;
    case LlmField::output_tokens: if (auto n = int_of(v)) return l.output_tokens = *n, true; return false;
    case LlmField::total_tokens: if (auto n = int_of(v)) return l.total_tokens = *n, true; return false;
    case LlmField::cache_read_tokens: if (auto n = int_of(v)) return l.cache_read_tokens = *n, true; return false;
    case LlmField::cache_write_tokens: if (auto n = int_of(v)) return l.cache_write_tokens = *n, true; return false;
    case LlmField::reasoning_tokens: if (auto n = int_of(v)) return l.reasoning_tokens = *n, true; return false;
    case LlmField::cost: if (auto d = number_of(v)) return l.cost_usd = *d, true; return false;
    case LlmField::temperature: if (auto d = number_of(v)) return l.temperature = *d, true; return false;
    case LlmField::max_tokens: if (auto n = int_of(v)) return l.max_tokens = *n, true; return false;
    case LlmField::finish_reason: l.finish_reason = reasons_of(v); return true;
    case LlmField::streaming:
      l.is_streaming = v.is_bool() ? v.get_bool() : (v.is_string() && v.get_string() == "true");
      return true;
  }
  return false;
}

bool is_content_key(std::string_view key) {
  for (const auto& src : kTextSources)
    if (src.form == Form::whole ? key == src.key : key.starts_with(src.key)) return true;
  return false;
}

// "<prefix>3.message.content" -> (3, "content")
std::optional<std::pair<size_t, std::string>> indexed_key(std::string_view key, std::string_view prefix) {
  if (!key.starts_with(prefix)) return std::nullopt;
  key.remove_prefix(prefix.size());
  size_t n = 0;
  auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), n);
  if (ec != std::errc() || p == key.data() || p == key.data() + key.size() || *p != '.') return std::nullopt;
  std::string_view field(p + 1, static_cast<size_t>(key.data() + key.size() - p - 1));
  if (field.starts_with("message.")) field.remove_prefix(8);
  if (field.empty()) return std::nullopt;
  return std::make_pair(n, std::string(field));
}

std::optional<std::string> text_from(const TextSource& src, const KeyValues& attrs, const Lookup& lookup) {
  if (src.form == Form::whole) {
    auto it = lookup.find(src.key);
    if (it == lookup.end()) return std::nullopt;
    return text_of(*it->second);
  }
  std::map<size_t, bj::object> messages;
  for (const auto& [k, v] : attrs)
    if (auto idx = indexed_key(k, src.key)) messages[idx->first][idx->second] = v;
  if (messages.empty()) return std::nullopt;
  bj::array out;
  for (auto& [n, m] : messages) out.push_back(std::move(m));
  return json::serialize(out);
}

// An attribute on its way to the span: typed when its value is a number, boolean, array or
// key-value list (kept as JSON), not a string.
struct Attr {
  std::string key, text;
  bool typed = false;
};
using Attrs = std::vector<Attr>;

// NaN and the infinities are no JSON: they stay strings, spelt as OTLP/JSON spells them.
bool is_typed(const bj::value& v) {
  return !v.is_string() && !v.is_null() && (!v.is_double() || std::isfinite(v.get_double()));
}
std::string attribute_text(const bj::value& v) {
  if (!v.is_double() || std::isfinite(v.get_double())) return text_of(v);
  return std::isnan(v.get_double()) ? "NaN" : v.get_double() > 0 ? "Infinity" : "-Infinity";
}

Attrs render(const KeyValues& kvs, bool drop_content) {
  Attrs out;
  for (const auto& [k, v] : kvs)
    if (!drop_content || !is_content_key(k)) out.push_back({k, attribute_text(v), is_typed(v)});
  return out;
}

// Later entries override earlier ones with the same key; first-seen order is kept.
void merge(Attrs& into, Attrs from) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < into.size(); ++i) index[into[i].key] = i;
  for (auto& a : from) {
    if (auto it = index.find(a.key); it != index.end()) into[it->second] = std::move(a);
    else index[a.key] = into.size(), into.push_back(std::move(a));
  }
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<std::string> kind_hint(const Lookup& lookup) {
  for (const auto& k : kKinds) {
    auto it = lookup.find(k.attribute);
    if (it == lookup.end() || !it->second->is_string()) continue;
    const std::string value(it->second->get_string());
    if (k.value.empty()) {
      if (auto kind = lowercase(value); is_span_kind(kind)) return kind;
    } else if (value == k.value) {
      return std::string(k.kind);
    }
  }
  return std::nullopt;
}

// Input tokens include the cache read and write tokens and output tokens the reasoning ones
// (model/span.h), as the GenAI conventions and OpenInference ask. Some instrumentations report
// the parts beside the whole (Anthropic's usage does): when a whole is smaller than its parts,
// they were not in it and are added, so no token is counted twice or left out.
// Negative or absurd counts are left as they came, for the validator to refuse.
void include_usage_parts(LlmData& l) {
  constexpr int64_t kMax = INT64_MAX / 4;
  const auto fine = [](int64_t n) { return n >= 0 && n <= kMax; };
  if (fine(l.input_tokens) && fine(l.cache_read_tokens) && fine(l.cache_write_tokens) &&
      l.cache_read_tokens + l.cache_write_tokens > l.input_tokens)
    l.input_tokens += l.cache_read_tokens + l.cache_write_tokens;
  if (fine(l.output_tokens) && fine(l.reasoning_tokens) && l.reasoning_tokens > l.output_tokens)
    l.output_tokens += l.reasoning_tokens;
}

Micros micros(uint64_t ns) { return static_cast<Micros>(std::min<uint64_t>(ns, INT64_MAX) / 1000); }

}  // namespace

Span to_span(const OtlpSpan& in, const OtlpScopeSpans& scope, const OtlpResourceSpans& resource, int64_t project_id) {
  Span s;
  s.project_id = project_id;
  s.trace_id = in.trace_id;
  s.span_id = in.span_id;
  if (!in.parent_span_id.empty()) s.parent_span_id = in.parent_span_id;
  s.name = in.name;
  s.status = in.status_code == static_cast<int>(OtlpStatusCode::error) ? "error" : "ok";
  s.start_us = micros(in.start_time_unix_nano);
  s.end_us = in.end_time_unix_nano ? micros(in.end_time_unix_nano) : s.start_us;

  Lookup lookup;
  for (const auto& [k, v] : in.attributes) lookup[k] = &v;

  LlmData llm;
  bool has_llm = false;
  bool set[static_cast<size_t>(LlmField::streaming) + 1] = {};
  for (const auto& src : kLlmFields) {
    auto it = lookup.find(src.attribute);
    auto& done = set[static_cast<size_t>(src.field)];
    if (done || it == lookup.end()) continue;
    done = apply_field(llm, src.field, *it->second);
    if (done && src.field != LlmField::provider && src.field != LlmField::streaming) has_llm = true;
  }
  if (auto it = lookup.find(kInvocationParameters); it != lookup.end() && it->second->is_string())
    if (auto params = json::parse(it->second->get_string()); params && params->is_object())
      for (const auto& src : kInvocationFields) {
        auto& done = set[static_cast<size_t>(src.field)];
        const bj::value* v = params->get_object().if_contains(src.attribute);
        if (done || !v || v->is_null()) continue;
        done = apply_field(llm, src.field, *v);
        has_llm = has_llm || done;
      }
  include_usage_parts(llm);
  // A total reported before the parts were added to their wholes may fall short of them. Counts
  // out of range are left as they came, for the validator to refuse.
  const bool in_range = llm.input_tokens >= 0 && llm.output_tokens >= 0 && llm.input_tokens <= INT64_MAX / 2 &&
                        llm.output_tokens <= INT64_MAX / 2;
  if (in_range && (!set[static_cast<size_t>(LlmField::total_tokens)] ||
                   llm.total_tokens < llm.input_tokens + llm.output_tokens))
    llm.total_tokens = llm.input_tokens + llm.output_tokens;
  else if (!set[static_cast<size_t>(LlmField::total_tokens)])
    llm.total_tokens = 0;

  for (const auto& src : kTextSources) {
    auto& slot = src.target == Text::prompt ? llm.prompt : llm.completion;
    if (!slot) slot = text_from(src, in.attributes, lookup);
  }

  bj::array event_messages[2];
  for (const auto& e : in.events) {
    SpanEvent out{e.name, micros(e.time_unix_nano), {}, {}};
    const MessageEvent* message = nullptr;
    for (const auto& me : kMessageEvents)
      if (e.name == me.event) message = &me;
    bj::object msg;
    if (message) msg["role"] = message->role;
    for (const auto& [k, v] : e.attributes) {
      const bool message_content =
          message && std::find(std::begin(kMessageContentKeys), std::end(kMessageContentKeys), k) != std::end(kMessageContentKeys);
      if (message_content) {
        msg[k] = v;
      } else if (is_content_key(k)) {
        // gen_ai.content.prompt / gen_ai.content.completion events of earlier conventions.
        for (const auto& src : kTextSources)
          if (src.form == Form::whole && src.key == k) {
            auto& slot = src.target == Text::prompt ? llm.prompt : llm.completion;
            if (!slot) slot = text_of(v);
          }
      } else {
        out.attributes.emplace_back(k, attribute_text(v));
        if (is_typed(v)) out.typed_attributes.push_back(k);
      }
    }
    if (message && msg.size() > 1) event_messages[static_cast<int>(message->target)].push_back(std::move(msg));
    s.events.push_back(std::move(out));
  }
  if (!llm.prompt && !event_messages[0].empty()) llm.prompt = json::serialize(event_messages[0]);
  if (!llm.completion && !event_messages[1].empty()) llm.completion = json::serialize(event_messages[1]);
  if (llm.prompt || llm.completion) has_llm = true;

  const auto hint = kind_hint(lookup);
  s.kind = hint ? *hint : has_llm ? "llm" : "internal";
  if (has_llm) s.llm = std::move(llm);

  // Resource, then scope, then span attributes: the more specific wins a shared key.
  Attrs attrs = render(resource.resource_attributes, true);
  Attrs scope_attrs;
  if (!scope.scope_name.empty()) scope_attrs.push_back({"otel.scope.name", scope.scope_name});
  if (!scope.scope_version.empty()) scope_attrs.push_back({"otel.scope.version", scope.scope_version});
  merge(scope_attrs, render(scope.scope_attributes, true));
  merge(attrs, std::move(scope_attrs));
  merge(attrs, render(in.attributes, true));
  Attrs extra;
  if (in.kind >= 2 && in.kind <= 5) extra.push_back({"otel.span_kind", std::string(kOtlpKinds[in.kind])});
  if (!in.status_message.empty()) extra.push_back({"otel.status_description", in.status_message});
  merge(attrs, std::move(extra));
  s.attributes.reserve(attrs.size());
  for (auto& a : attrs) {
    if (a.typed) s.typed_attributes.push_back(a.key);
    s.attributes.emplace_back(std::move(a.key), std::move(a.text));
  }
  return s;
}

}  // namespace stacklens::otlp
