#pragma once
// An OTLP ExportTraceServiceRequest after decoding, whichever encoding it came
// in (protobuf or JSON), before it is mapped to StackLens spans. Attribute
// values are kept as JSON values: strings, booleans, integers, doubles,
// arrays and key-value lists (bytes as base64 strings).
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stacklens::otlp {

using KeyValues = std::vector<std::pair<std::string, boost::json::value>>;

struct OtlpEvent {
  uint64_t time_unix_nano = 0;
  std::string name;
  KeyValues attributes;
};

// Span.SpanKind and Status.StatusCode of the OTLP specification.
enum class OtlpSpanKind : int { unspecified = 0, internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };
enum class OtlpStatusCode : int { unset = 0, ok = 1, error = 2 };

struct OtlpSpan {
  std::string trace_id;        // lowercase hex of the id's bytes
  std::string span_id;         // lowercase hex
  std::string parent_span_id;  // lowercase hex, empty for a root
  std::string name;
  int kind = 0;                // OtlpSpanKind; other values are kept as they came
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  KeyValues attributes;
  std::vector<OtlpEvent> events;
  int status_code = 0;         // OtlpStatusCode
  std::string status_message;
};

struct OtlpScopeSpans {
  std::string scope_name;
  std::string scope_version;
  KeyValues scope_attributes;
  std::vector<OtlpSpan> spans;
};

struct OtlpResourceSpans {
  KeyValues resource_attributes;
  std::vector<OtlpScopeSpans> scope_spans;
};

struct TraceRequest {
  std::vector<OtlpResourceSpans> resource_spans;
  size_t span_count() const {
    size_t n = 0;
    for (const auto& r : resource_spans)
      for (const auto& s : r.scope_spans) n += s.spans.size();
    return n;
  }
};


}  // namespace stacklens::otlp
