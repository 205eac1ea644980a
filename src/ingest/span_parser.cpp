#include "ingest/span_parser.h"

#include <boost/json/basic_parser_impl.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/json.h"

// How a span is read. Boost.JSON's basic_parser calls the handler below for each token, and the
// handler writes the span's fields as they come: no document is built (building one and then
// copying its values out cost about half of a request thread's time per span). The results are
// the same as reading a parsed document field by field:
// - a repeated key counts once, with its last value (an attribute keeps its first place);
// - when a span has several faults, the one reported is the first in this order: traceId,
//   spanId, parentSpanId, name, status, startTime, endTime, llmSpan (then its fields in
//   kLlmFields order), kind, attributes, tags; then the validator's checks.
namespace stacklens::ingest {
namespace {

namespace bj = boost::json;

Error not_a_time(std::string_view where) {
  return make_error(ErrorCode::bad_request, fmt::format("{} must be an ISO-8601 string or nanoseconds", where));
}

// A time field's JSON value: ISO-8601 text, or nanoseconds as a number or digit string.
Result<Micros> timestamp_of(const bj::value& v, std::string_view where) {
  if (v.is_int64()) return micros_from_nanos(v.get_int64(), where);
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return micros_from_nanos(static_cast<int64_t>(v.get_uint64()), where);
  if (v.is_string()) return parse_timestamp(std::string_view(v.get_string()), where);
  return not_a_time(where);
}

// The fields read: the span's, then llmSpan's (kReportOrder below is the order of their faults).
enum Field : uint8_t {
  kTraceId, kSpanId, kParentSpanId, kName, kStatus, kStartTime, kEndTime, kLlmSpan, kKind, kAttributes, kTags,
  kModel, kProvider, kInputTokens, kOutputTokens, kTotalTokens, kCost, kTemperature, kMaxTokens, kPrompt,
  kCompletion, kStreaming, kFinishReason, kCacheReadTokens, kCacheWriteTokens, kReasoningTokens,
  kFieldCount, kUnknown = kFieldCount
};

constexpr std::array<std::string_view, kFieldCount> kWhere = {
    "traceId", "spanId", "parentSpanId", "name", "status", "startTime", "endTime", "llmSpan", "kind",
    "attributes", "tags", "llmSpan.model", "llmSpan.provider", "llmSpan.inputTokens", "llmSpan.outputTokens",
    "llmSpan.totalTokens", "llmSpan.estimatedCostUsd", "llmSpan.temperature", "llmSpan.maxTokens",
    "llmSpan.promptContent", "llmSpan.completionContent", "llmSpan.isStreaming", "llmSpan.finishReason",
    "llmSpan.cacheReadTokens", "llmSpan.cacheWriteTokens", "llmSpan.reasoningTokens"};
constexpr size_t kLlmFields = kModel;  // fields from here on are llmSpan's
constexpr size_t kLlmPrefix = 8;       // "llmSpan."

Field field_of(std::string_view key, bool in_llm) {
  const size_t from = in_llm ? kLlmFields : 0, to = in_llm ? size_t{kFieldCount} : kLlmFields;
  for (size_t f = from; f < to; ++f) {
    std::string_view name = kWhere[f];
    if (in_llm) name.remove_prefix(kLlmPrefix);
    if (name.size() == key.size() && name[0] == key[0] && name == key) return static_cast<Field>(f);
  }
  return kUnknown;
}

// A scalar JSON value, as the handler receives it.
struct Scalar {
  enum Kind { string, int64, uint64, dbl, boolean, null } kind;
  std::string_view text = {};
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  bool b = false;

  bj::value as_value() const {
    switch (kind) {
      case string: return bj::string_view(text.data(), text.size());
      case int64: return i;
      case uint64: return u;
      case dbl: return d;
      case boolean: return b;
      case null: break;
    }
    return nullptr;
  }
};

// The fields' faults are reported in this order (an llmSpan's only when it is an object).
constexpr std::array<Field, kFieldCount> kReportOrder = {
    kTraceId, kSpanId, kParentSpanId, kName, kStatus, kStartTime, kEndTime, kLlmSpan, kModel, kProvider,
    kInputTokens, kOutputTokens, kTotalTokens, kCacheReadTokens, kCacheWriteTokens, kReasoningTokens, kCost,
    kTemperature, kMaxTokens, kPrompt, kCompletion, kStreaming, kFinishReason, kKind, kAttributes, kTags};

bool required(Field f) {
  return f == kTraceId || f == kSpanId || f == kName || f == kStartTime || f == kModel || f == kProvider;
}

// Reads spans out of a body as Boost.JSON's basic_parser walks it (see the top of this file).
class WireHandler {
 public:
  static constexpr size_t max_array_size = -1;
  static constexpr size_t max_object_size = -1;
  static constexpr size_t max_string_size = -1;
  static constexpr size_t max_key_size = -1;

  WireHandler(bool batch, int64_t project_id, const Limits& limits)
      : batch_(batch), project_id_(project_id), limits_(limits) {}

  // What was read: with `batch`, one result per item of the spans array (`found_items`), and how
  // many items it had; without, the one span's result, unless the body was not an object.
  std::vector<Result<Span>> results;
  size_t items = 0;
  bool found_items = false;
  bool root_not_object = false;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }
  bool on_number_part(bj::string_view, bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) { return open(true), true; }
  bool on_array_begin(bj::error_code&) { return open(false), true; }
  bool on_object_end(size_t n, bj::error_code&) { return close(true, n), true; }
  bool on_array_end(size_t n, bj::error_code&) { return close(false, n), true; }

  bool on_key_part(bj::string_view s, size_t, bj::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(bj::string_view s, size_t, bj::error_code&) {
    std::string_view key(s.data(), s.size());
    if (!key_.empty()) key = key_.append(s.data(), s.size());
    take_key(key);
    key_.clear();
    return true;
  }
  bool on_string_part(bj::string_view s, size_t, bj::error_code&) {
    if (in(In::nested)) nested_.push_chars(s);
    else if (!in(In::skip)) text_.append(s.data(), s.size());
    return true;
  }
  bool on_string(bj::string_view s, size_t, bj::error_code&) {
    if (in(In::nested)) return nested_.push_string(s), true;
    std::string_view v(s.data(), s.size());
    if (!text_.empty()) v = text_.append(s.data(), s.size());
    scalar(Scalar{.kind = Scalar::string, .text = v});
    text_.clear();
    return true;
  }
  bool on_int64(int64_t i, bj::string_view, bj::error_code&) {
    if (in(In::nested)) return nested_.push_int64(i), true;
    return scalar(Scalar{.kind = Scalar::int64, .i = i}), true;
  }
  bool on_uint64(uint64_t u, bj::string_view, bj::error_code&) {
    if (in(In::nested)) return nested_.push_uint64(u), true;
    return scalar(Scalar{.kind = Scalar::uint64, .u = u}), true;
  }
  bool on_double(double d, bj::string_view, bj::error_code&) {
    if (in(In::nested)) return nested_.push_double(d), true;
    return scalar(Scalar{.kind = Scalar::dbl, .d = d}), true;
  }
  bool on_bool(bool b, bj::error_code&) {
    if (in(In::nested)) return nested_.push_bool(b), true;
    return scalar(Scalar{.kind = Scalar::boolean, .b = b}), true;
  }
  bool on_null(bj::error_code&) {
    if (in(In::nested)) return nested_.push_null(), true;
    return scalar(Scalar{.kind = Scalar::null}), true;
  }

 private:
  // Where the parser is: one entry per open object or array. `nested` is an attribute's value
  // that is itself an object or array; `skip` is anything not read.
  enum class In : uint8_t { envelope, items, span, llm, attributes, tags, nested, skip };
  // What the next value is, given where the parser is.
  enum class Slot { root, items, item, span_field, llm_field, attribute, tag, ignored };

  bool in(In where) const { return !stack_.empty() && stack_.back() == where; }

  Slot slot() const {
    if (stack_.empty()) return Slot::root;
    switch (stack_.back()) {
      case In::envelope: return key_is_items_ ? Slot::items : Slot::ignored;
      case In::items: return Slot::item;
      case In::span: return Slot::span_field;
      case In::llm: return Slot::llm_field;
      case In::attributes: return Slot::attribute;
      case In::tags: return Slot::tag;
      default: return Slot::ignored;
    }
  }

  void take_key(std::string_view key) {
    if (stack_.empty()) return;
    switch (stack_.back()) {
      case In::nested: nested_.push_key(bj::string_view(key.data(), key.size())); break;
      case In::envelope: key_is_items_ = key == "spans"; break;
      case In::span: field_ = field_of(key, false); break;
      case In::llm: field_ = field_of(key, true); break;
      case In::attributes: attribute_key_.assign(key); break;
      default: break;
    }
  }

  void open(bool object) {
    if (in(In::nested)) return push(In::nested);
    if (in(In::skip)) return push(In::skip);
    switch (slot()) {
      case Slot::root:
        if (batch_) return object ? push(In::envelope) : start_items();
        if (!object) return root_not_object = true, push(In::skip);
        return begin_span();
      case Slot::items:  // the envelope's "spans"
        if (!object) return start_items();
        found_items = false;  // a repeated key: the last value counts
        return push(In::skip);
      case Slot::item:
        if (++items > limits_.max_batch_spans || !object) {
          if (!object) reject_item();
          return push(In::skip);
        }
        return begin_span();
      case Slot::span_field:
        if (object && field_ == kLlmSpan) {
          for (Field f : kReportOrder)
            if (f >= kLlmFields) reset(f);
          reset(kLlmSpan);
          llm_.emplace();
          return push(In::llm);
        }
        if (object && field_ == kAttributes) return reset(kAttributes), push(In::attributes);
        if (!object && field_ == kTags) return reset(kTags), push(In::tags);
        wrong_type(field_);
        return push(In::skip);
      case Slot::llm_field:
        wrong_type(field_);
        return push(In::skip);
      case Slot::attribute:
        nested_.reset();
        return push(In::nested);
      case Slot::tag:
        tag_not_string();
        return push(In::skip);
      case Slot::ignored: return push(In::skip);
    }
  }

  void close(bool object, size_t n) {
    const In was = stack_.back();
    stack_.pop_back();
    switch (was) {
      case In::nested:
        if (object) nested_.push_object(n);
        else nested_.push_array(n);
        // The attribute's whole value has ended: render it as stored values are.
        if (!in(In::nested)) add_attribute(json::to_attribute_string(nested_.release()));
        break;
      case In::span: results.push_back(finish()); break;
      case In::items: found_items = true; break;
      case In::tags:
        if (tag_error_) fail(kTags, std::move(*tag_error_));
        break;
      default: break;
    }
  }

  void scalar(const Scalar& v) {
    switch (slot()) {
      case Slot::root:
        if (!batch_) root_not_object = true;
        return;
      case Slot::items: found_items = false; return;  // "spans" is not an array
      case Slot::item:
        if (++items <= limits_.max_batch_spans) reject_item();
        return;
      case Slot::span_field: return span_field(v);
      case Slot::llm_field: return llm_field(v);
      case Slot::attribute:
        return add_attribute(v.kind == Scalar::string ? std::string(v.text) : json::to_attribute_string(v.as_value()));
      case Slot::tag:
        if (v.kind == Scalar::string) tags_.emplace_back(v.text);
        else tag_not_string();
        return;
      case Slot::ignored: return;
    }
  }

  void span_field(const Scalar& v) {
    const Field f = field_;
    if (f == kUnknown) return;
    reset(f);
    if (v.kind == Scalar::null) return;  // as if absent
    switch (f) {
      case kStartTime: case kEndTime: {
        auto t = timestamp(v, kWhere[f]);
        if (!t) return fail(f, std::move(t.error().message));
        times_[f - kStartTime] = *t;
        present_[f] = true;
        return;
      }
      case kLlmSpan: case kAttributes: case kTags: return wrong_type(f);
      default:  // the string fields
        if (v.kind != Scalar::string) return wrong_type(f);
        strings_[f].assign(v.text);
        present_[f] = true;
        return;
    }
  }

  void llm_field(const Scalar& v) {
    const Field f = field_;
    if (f == kUnknown) return;
    reset(f);
    if (v.kind == Scalar::null) return;
    LlmData& l = *llm_;
    switch (f) {
      case kModel: case kProvider: case kPrompt: case kCompletion: case kFinishReason:
        if (v.kind != Scalar::string) return wrong_type(f);
        if (f == kModel) l.model.assign(v.text);
        if (f == kProvider) l.provider.assign(v.text);
        if (f == kPrompt) l.prompt.emplace(v.text);
        if (f == kCompletion) l.completion.emplace(v.text);
        if (f == kFinishReason) l.finish_reason.emplace(v.text);
        break;
      case kInputTokens: case kOutputTokens: case kTotalTokens: case kMaxTokens: case kCacheReadTokens:
      case kCacheWriteTokens: case kReasoningTokens: {
        auto n = json::to_int(v.as_value(), kWhere[f]);
        if (!n) return fail(f, std::move(n.error().message));
        if (f == kInputTokens) l.input_tokens = *n;
        if (f == kCacheReadTokens) l.cache_read_tokens = *n;
        if (f == kCacheWriteTokens) l.cache_write_tokens = *n;
        if (f == kReasoningTokens) l.reasoning_tokens = *n;
        if (f == kOutputTokens) l.output_tokens = *n;
        if (f == kTotalTokens) l.total_tokens = *n;
        if (f == kMaxTokens) l.max_tokens = *n;
        break;
      }
      case kCost: case kTemperature: {
        auto d = json::to_number(v.as_value(), kWhere[f]);
        if (!d) return fail(f, std::move(d.error().message));
        if (f == kCost) l.cost_usd = *d;
        else l.temperature = *d;
        break;
      }
      case kStreaming:
        if (v.kind != Scalar::boolean) return wrong_type(f);
        l.is_streaming = v.b;
        break;
      default: return;
    }
    present_[f] = true;
  }

  // Text is read in place; other values as the document-based readers read them.
  static Result<Micros> timestamp(const Scalar& v, std::string_view where) {
    if (v.kind == Scalar::string) return parse_timestamp(v.text, where);
    return timestamp_of(v.as_value(), where);
  }

  // A field's value of the wrong JSON type.
  void wrong_type(Field f) {
    switch (f) {
      case kUnknown: return;
      case kStartTime: case kEndTime: return fail(f, not_a_time(kWhere[f]).message);
      case kLlmSpan: return fail(f, "llmSpan must be an object or null");
      case kAttributes: return fail(f, "attributes must be an object");
      case kTags: return fail(f, "tags must be an array of strings");
      case kInputTokens: case kOutputTokens: case kTotalTokens: case kMaxTokens: case kCacheReadTokens:
      case kCacheWriteTokens: case kReasoningTokens:
        return fail(f, fmt::format("{} must be an integer", kWhere[f]));
      case kCost: case kTemperature: return fail(f, fmt::format("{} must be a number", kWhere[f]));
      case kStreaming: return fail(f, fmt::format("{} must be a boolean", kWhere[f]));
      default: return fail(f, fmt::format("{} must be a string", kWhere[f]));
    }
  }

  // A repeated key keeps its first place and takes the last value. Past the limit the span is
  // refused anyway, so keys are no longer compared (a body of many keys stays linear).
  void add_attribute(std::string value) {
    if (attributes_.size() <= limits_.max_attributes)
      for (auto& [k, v] : attributes_)
        if (k == attribute_key_) return void(v = std::move(value));
    if (attributes_.empty()) attributes_.reserve(8);  // (each span's attributes move out with it)
    attributes_.emplace_back(attribute_key_, std::move(value));
  }

  void tag_not_string() {
    if (!tag_error_) tag_error_ = fmt::format("tags[{}] must be a string", tags_.size() + tag_faults_);
    ++tag_faults_;
  }

  void begin_span() {
    for (Field f : kReportOrder)
      if (f < kLlmFields) reset(f);  // (with llm_ reset, llmSpan's own fields are not read)
    push(In::span);
  }

  // A field is read again (or for the first time): what an earlier value left goes.
  void reset(Field f) {
    errors_[f].reset();
    present_[f] = false;
    if (f >= kLlmFields && !llm_) return;
    switch (f) {
      case kLlmSpan: llm_.reset(); break;
      case kAttributes: attributes_.clear(); break;
      case kTags:
        tags_.clear();
        tag_error_.reset();
        tag_faults_ = 0;
        break;
      case kModel: llm_->model.clear(); break;
      case kProvider: llm_->provider.clear(); break;
      case kInputTokens: llm_->input_tokens = 0; break;
      case kOutputTokens: llm_->output_tokens = 0; break;
      case kTotalTokens: llm_->total_tokens = 0; break;
      case kCacheReadTokens: llm_->cache_read_tokens = 0; break;
      case kCacheWriteTokens: llm_->cache_write_tokens = 0; break;
      case kReasoningTokens: llm_->reasoning_tokens = 0; break;
      case kCost: llm_->cost_usd = 0; break;
      case kTemperature: llm_->temperature.reset(); break;
      case kMaxTokens: llm_->max_tokens.reset(); break;
      case kPrompt: llm_->prompt.reset(); break;
      case kCompletion: llm_->completion.reset(); break;
      case kStreaming: llm_->is_streaming = false; break;
      case kFinishReason: llm_->finish_reason.reset(); break;
      default: break;
    }
  }

  Result<Span> finish() {
    for (Field f : kReportOrder) {
      if (f >= kLlmFields && !llm_) continue;
      if (errors_[f]) return make_error(ErrorCode::bad_request, std::move(*errors_[f]));
      if (!present_[f] && required(f))
        return make_error(ErrorCode::bad_request, fmt::format("{} is required", kWhere[f]));
    }
    Span s;
    s.project_id = project_id_;
    s.trace_id = std::move(strings_[kTraceId]);
    s.span_id = std::move(strings_[kSpanId]);
    if (present_[kParentSpanId] && !strings_[kParentSpanId].empty())
      s.parent_span_id = std::move(strings_[kParentSpanId]);
    s.name = std::move(strings_[kName]);
    if (present_[kStatus]) s.status = std::move(strings_[kStatus]);
    s.start_us = times_[0];
    s.end_us = present_[kEndTime] ? times_[1] : times_[0];
    if (llm_) {
      if (!present_[kTotalTokens]) llm_->total_tokens = llm_->input_tokens + llm_->output_tokens;
      s.llm = std::move(llm_);
      llm_.reset();
    }
    if (present_[kKind]) s.kind = std::move(strings_[kKind]);
    else s.kind = s.llm ? "llm" : "internal";
    s.attributes = std::move(attributes_);
    s.tags = std::move(tags_);
    attributes_.clear();
    tags_.clear();
    if (auto st = validate_span(s, limits_); !st) return st.error();
    drop_duplicate_tags(s.tags);
    return s;
  }

  // Keeps each tag's first place (after validation: at most limits.max_tags of them).
  static void drop_duplicate_tags(std::vector<std::string>& tags) {
    size_t kept = 0;
    for (size_t i = 0; i < tags.size(); ++i) {
      if (std::find(tags.begin(), tags.begin() + static_cast<ptrdiff_t>(kept), tags[i]) !=
          tags.begin() + static_cast<ptrdiff_t>(kept))
        continue;
      if (kept != i) tags[kept] = std::move(tags[i]);
      ++kept;
    }
    tags.resize(kept);
  }

  void fail(Field f, std::string message) { errors_[f] = std::move(message); }
  void reject_item() { results.push_back(make_error(ErrorCode::bad_request, "span must be a JSON object")); }
  void start_items() {
    results.clear();  // a repeated "spans" key: the last array counts
    items = 0;
    push(In::items);
  }
  void push(In where) { stack_.push_back(where); }

  const bool batch_;
  const int64_t project_id_;
  const Limits& limits_;
  std::vector<In> stack_;
  std::string key_, text_;  // a key or string that arrived in parts
  bool key_is_items_ = false;
  Field field_ = kUnknown;

  // The span being read.
  std::array<std::optional<std::string>, kFieldCount> errors_;
  std::array<bool, kFieldCount> present_{};
  std::array<std::string, kFieldCount> strings_;  // the string fields' values, by Field
  std::array<Micros, 2> times_{};
  std::optional<LlmData> llm_;
  Attributes attributes_;
  std::string attribute_key_;
  std::vector<std::string> tags_;
  std::optional<std::string> tag_error_;  // the first tag that is not a string
  size_t tag_faults_ = 0;
  bj::value_stack nested_;
};

// Runs the parser over the whole body: a JSON fault refuses the body.
Status run_parser(std::string_view body, bj::basic_parser<WireHandler>& p) {
  if (body.empty()) return json::empty_body();
  bj::error_code ec;
  const size_t n = p.write_some(false, body.data(), body.size(), ec);
  if (!ec && n < body.size()) ec = bj::error::extra_data;
  if (ec) return json::malformed(ec);
  return ok_status();
}

}  // namespace

Result<Span> parse_wire_span(std::string_view body, int64_t project_id, const Limits& limits) {
  bj::basic_parser<WireHandler> p(json::parse_options(), false, project_id, limits);
  if (auto st = run_parser(body, p); !st) return st.error();
  WireHandler& h = p.handler();
  if (h.root_not_object || h.results.empty()) return make_error(ErrorCode::bad_request, "span must be a JSON object");
  return std::move(h.results.front());
}

Result<std::vector<Result<Span>>> parse_wire_batch(std::string_view body, int64_t project_id, const Limits& limits) {
  bj::basic_parser<WireHandler> p(json::parse_options(), true, project_id, limits);
  // Room for the spans up front (a span takes 60 bytes of JSON at the least): growing the
  // vector moved every span read so far, again and again.
  p.handler().results.reserve(std::min(limits.max_batch_spans, body.size() / 60 + 1));
  if (auto st = run_parser(body, p); !st) return st.error();
  WireHandler& h = p.handler();
  if (!h.found_items) return make_error(ErrorCode::bad_request, "body must be {\"spans\": [span, ...]}");
  if (h.items > limits.max_batch_spans)
    return make_error(ErrorCode::payload_too_large,
                      fmt::format("batch has {} spans; the limit is {} per request", h.items, limits.max_batch_spans));
  return std::move(h.results);
}

}  // namespace stacklens::ingest
