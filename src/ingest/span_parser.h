#pragma once
// Turns one span in the wire format (../shared/reference/wire-protocol.md) into
// a validated Span, or an error that names the offending field. Parsing reads
// the JSON types; ingest/span_validator.h then applies the limits.
#include <boost/json.hpp>

#include "config/settings.h"
#include "core/error.h"
#include "ingest/span_validator.h"
#include "model/span.h"

namespace stacklens::ingest {

Result<Span> parse_wire_span(const boost::json::value& v, int64_t project_id, const Limits& limits);
// Accepts ISO-8601 text or an integer of nanoseconds since the epoch (number or digit string).
Result<Micros> parse_timestamp(const boost::json::value& v, std::string_view where);

}  // namespace stacklens::ingest
