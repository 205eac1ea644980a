#pragma once
// OTLP/HTTP JSON: an ExportTraceServiceRequest in the protobuf JSON mapping
// (lowerCamelCase names; snake_case accepted too) into a TraceRequest. Ids may
// be hex (as the OTLP specification says) or base64 (as some exporters send);
// 64-bit integers may be numbers or strings; enums numbers or names.
#include <string_view>

#include "core/error.h"
#include "otlp/trace_request.h"

namespace stacklens::otlp {

Result<TraceRequest> decode_json(std::string_view body);

}  // namespace stacklens::otlp
