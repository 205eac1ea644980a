#pragma once
// Timestamps are microseconds since the Unix epoch (UTC) everywhere inside the server.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stacklens {

using Micros = int64_t;

// ISO-8601 "YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|+HH:MM|-HH:MM]"; no offset means UTC.
std::optional<Micros> parse_iso8601(std::string_view text);
// "2024-01-01T12:00:00.000000Z"
std::string format_iso8601(Micros us);
Micros now_micros();

}  // namespace stacklens
