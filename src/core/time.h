#pragma once
// Timestamps are microseconds since the Unix epoch (UTC) everywhere inside the server.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace stacklens {

using Micros = int64_t;

// ISO-8601 "YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|+HH:MM|-HH:MM]"; no offset means UTC.
std::optional<Micros> parse_iso8601(std::string_view text);
// "2024-01-01T12:00:00.000000Z"
std::string format_iso8601(Micros us);
// A time as clients send it: ISO-8601 text or a digit string of nanoseconds since the epoch.
// Errors are bad_request and name `where` ("startTime", "query parameter from").
Result<Micros> parse_timestamp(std::string_view text, std::string_view where);
// Nanoseconds since the epoch, which must be after 1970.
Result<Micros> micros_from_nanos(int64_t ns, std::string_view where);
Micros now_micros();

}  // namespace stacklens
