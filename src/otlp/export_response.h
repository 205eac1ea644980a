#pragma once
// The ExportTraceServiceResponse an OTLP/HTTP success carries, in the
// request's encoding: empty when every span was accepted, else partial_success
// {rejected_spans, error_message}.
#include <cstdint>
#include <string>
#include <string_view>

namespace stacklens::otlp {

// OTLP/HTTP's two encodings; a request's Content-Type picks one and its answer uses the same.
enum class MediaType { protobuf, json };

struct ExportResult {
  int64_t rejected_spans = 0;
  std::string error_message;  // empty when nothing was rejected
};

std::string response_protobuf(const ExportResult& r);
std::string response_json(const ExportResult& r);
// The answer in `type`: response_protobuf or response_json, and its Content-Type.
std::string response_body(MediaType type, const ExportResult& r);
std::string_view content_type_of(MediaType type);

}  // namespace stacklens::otlp
