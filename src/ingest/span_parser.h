#pragma once
// Turns one span in the wire format (../shared/reference/wire-protocol.md) into
// a validated Span, or an error that names the offending field.
#include <boost/json.hpp>

#include "config/settings.h"
#include "core/error.h"
#include "model/span.h"

namespace stacklens::ingest {

Result<Span> parse_wire_span(const boost::json::value& v, int64_t project_id, const Limits& limits);
// Accepts ISO-8601 text or an integer of nanoseconds since the epoch (number or digit string).
Result<Micros> parse_timestamp(const boost::json::value& v, std::string_view where);
bool is_span_kind(std::string_view kind);

}  // namespace stacklens::ingest
