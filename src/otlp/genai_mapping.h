#pragma once
// Maps one decoded OTLP span, with its resource and instrumentation scope, to
// a StackLens Span: ids, times, status, attributes and events, and the LLM
// fields from the OpenTelemetry GenAI semantic conventions (current and
// earlier names) and from the OpenInference and OpenLLMetry instrumentations.
// The attribute names are tables in genai_mapping.cpp; docs/otlp.md lists them.
// The result is not yet validated: read_export (export_reader.h) does that.
#include <cstdint>

#include "model/span.h"
#include "otlp/trace_request.h"

namespace stacklens::otlp {

Span to_span(const OtlpSpan& span, const OtlpScopeSpans& scope, const OtlpResourceSpans& resource, int64_t project_id);

}  // namespace stacklens::otlp
