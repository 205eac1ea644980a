#pragma once
// The ExportTraceServiceResponse an OTLP/HTTP success carries, in the
// request's encoding: empty when every span was accepted, else partial_success
// {rejected_spans, error_message}.
#include <cstdint>
#include <string>

namespace stacklens::otlp {

struct ExportResult {
  int64_t rejected_spans = 0;
  std::string error_message;  // empty when nothing was rejected
};

std::string response_protobuf(const ExportResult& r);
std::string response_json(const ExportResult& r);

}  // namespace stacklens::otlp
