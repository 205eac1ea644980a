#pragma once
// OTLP/HTTP protobuf: an ExportTraceServiceRequest (binary) into a TraceRequest.
// Field numbers come from the OTLP specification (opentelemetry-proto,
// trace/v1, common/v1, resource/v1), written out here by hand.
#include <string_view>

#include "core/error.h"
#include "otlp/trace_request.h"

namespace stacklens::otlp {

// Unknown fields are skipped, as protobuf requires; malformed input is a
// bad_request naming what was wrong. AnyValue nesting deeper than 32 is refused.
Result<TraceRequest> decode_protobuf(std::string_view body);

}  // namespace stacklens::otlp
