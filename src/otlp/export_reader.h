#pragma once
// Reads an OTLP/HTTP trace export into StackLens spans, as ingest/span_parser.h
// reads the native wire format: the body's media type and content encoding,
// gunzip, decoding (protobuf or JSON), mapping (genai_mapping.h) and the
// checks every span passes (ingest/span_validator.h). A span that fails them
// is rejected on its own and reported in the answer's partial_success; the
// whole export is refused for an unsupported media type or encoding
// (unsupported_media), a malformed body (bad_request) or more than
// limits.max_batch_spans spans (payload_too_large).
#include <cstdint>
#include <string_view>
#include <vector>

#include "config/settings.h"
#include "core/error.h"
#include "model/span.h"
#include "otlp/export_response.h"

namespace stacklens::otlp {

struct Export {
  MediaType media_type = MediaType::json;  // the request's; the answer is written in it too
  std::vector<Span> spans;                 // the accepted spans, in the request's order
  ExportResult result;                     // the rejected ones
};

// `content_type` and `content_encoding` are the request's header values (empty when absent:
// JSON, not compressed).
Result<Export> read_export(std::string_view content_type, std::string_view content_encoding, std::string_view body,
                           int64_t project_id, const Limits& limits);

}  // namespace stacklens::otlp
