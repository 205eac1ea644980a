#pragma once
// A span as StackLens keeps it, independent of the wire format it came in.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"

namespace stacklens {

// Where a span's cost_usd came from: none for a span without tokens, caller when the span
// brought a cost above 0, table when the price table priced its tokens, unpriced when the
// table has no price for its model (its cost is then 0 and unknown, not free).
// Where a span's cost comes from: none (no tokens), the caller, the shipped price table, a
// project's own price (custom), or nowhere although it has tokens (unpriced).
enum class CostSource : uint8_t { none, caller, table, unpriced, custom };
inline constexpr std::string_view kCostSources[] = {"none", "caller", "table", "unpriced", "custom"};
inline std::string_view cost_source_name(CostSource s) { return kCostSources[static_cast<size_t>(s)]; }

struct LlmData {
  std::string model;
  std::string provider;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t total_tokens = 0;
  double cost_usd = 0.0;
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  std::optional<std::string> prompt;
  std::optional<std::string> completion;
  bool is_streaming = false;
  std::optional<std::string> finish_reason;
  // Parts of input_tokens (cache read and cache write) and of output_tokens (reasoning), as
  // OpenAI reports them: a token is counted once, in its whole and at most one part.
  int64_t cache_read_tokens = 0;
  int64_t cache_write_tokens = 0;
  int64_t reasoning_tokens = 0;
  CostSource cost_source = CostSource::none;
};

using Attributes = std::vector<std::pair<std::string, std::string>>;

// The values of Span::kind.
inline constexpr std::string_view kSpanKinds[] = {"internal", "llm",       "agent",     "tool",
                                                  "retriever", "embedding", "chain",     "reranker",
                                                  "guardrail", "evaluator", "workflow",  "task"};
inline bool is_span_kind(std::string_view kind) {
  return std::find(std::begin(kSpanKinds), std::end(kSpanKinds), kind) != std::end(kSpanKinds);
}

// Keys of attributes whose value is the compact JSON text of a number, boolean, array or object
// (OTLP's typed values) rather than a string: stored and answered as those JSON values.
using TypedKeys = std::vector<std::string>;
inline bool is_typed(const TypedKeys& typed, std::string_view key) {
  return std::find(typed.begin(), typed.end(), key) != typed.end();
}

// Something that happened at a point in a span's life (OpenTelemetry span events), kept in order.
struct SpanEvent {
  std::string name;
  Micros time_us = 0;
  Attributes attributes;
  TypedKeys typed_attributes;  // as Span::typed_attributes
};

struct Span {
  int64_t project_id = 0;
  std::string trace_id;
  std::string span_id;
  std::optional<std::string> parent_span_id;
  std::string name;
  std::string kind = "internal";
  std::string status = "ok";
  Micros start_us = 0;
  Micros end_us = 0;
  Attributes attributes;
  // Empty for the hosted client's spans, whose attribute values are all strings.
  TypedKeys typed_attributes;
  std::vector<std::string> tags;
  std::vector<SpanEvent> events;
  std::optional<LlmData> llm;

  bool is_error() const { return status == "error"; }
  Micros latency_us() const { return end_us - start_us; }
};

// Prompt and completion as stored: sealed bytes (see crypto/sealer.h).
struct SealedText {
  std::string bytes;
  int key_id = 0;
};

// What the ingest path hands to a SpanStore: the span with its secret text sealed.
struct SpanRecord {
  Span span;  // span.llm->prompt / completion are empty here
  std::optional<SealedText> prompt;
  std::optional<SealedText> completion;
  // A storage backend's own encoding of the span, made by SpanStore::prepare on the request
  // thread so that the single writer thread does not: list-valued fields as stored, 64-bit keys
  // of the ids. Once set, span.attributes, tags and events may be empty (they live here).
  struct Encoded {
    std::string attributes, tags, events;
    int64_t trace_key = 0, span_key = 0;
    // Where the backend put the sealed text when it keeps it outside the record (then the
    // bytes of prompt and completion are empty): the prompt at text_at, the completion after it.
    std::optional<int64_t> text_at;
    int64_t prompt_len = 0, completion_len = 0;
    // The backend's row encoding of the rest, when it packs one (then the sealed bytes of prompt
    // and completion are empty: they are in it, or at text_at).
    std::string packed;
    // The span's session and user ids (session_id / session.id / gen_ai.conversation.id,
    // user_id / user.id attributes), empty when it carries none: indexed fields of its trace.
    std::string session_id, user_id;
  };
  std::optional<Encoded> encoded;
};

}  // namespace stacklens
