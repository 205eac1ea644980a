#pragma once
// Turns spans in the wire format (../shared/reference/wire-protocol.md) into
// validated Spans, or errors that name the offending field. The request body is
// read in one pass, straight into Spans (Boost.JSON's SAX parser): no JSON
// document is built on the ingest path. ingest/span_validator.h then applies
// the limits.
#include <string_view>
#include <vector>

#include "config/settings.h"
#include "core/error.h"
#include "ingest/span_validator.h"
#include "model/span.h"

namespace stacklens::ingest {

// A body holding one span (a JSON object). Malformed JSON and a body that is not
// an object are errors like a bad span's.
Result<Span> parse_wire_span(std::string_view body, int64_t project_id, const Limits& limits);

// A body {"spans": [span, ...]} (or a bare array of spans): one result per span, in order; a
// bad span is rejected on its own. The whole body is refused when it is malformed JSON, has
// no such array, or holds more than limits.max_batch_spans spans (payload_too_large).
Result<std::vector<Result<Span>>> parse_wire_batch(std::string_view body, int64_t project_id, const Limits& limits);

}  // namespace stacklens::ingest
