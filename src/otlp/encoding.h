#pragma once
// Byte encodings OTLP uses for ids and bytes values: hex and base64.
#include <optional>
#include <string>
#include <string_view>

namespace stacklens::otlp {

std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view text);
std::string to_base64(std::string_view bytes);
// Standard or URL-safe alphabet, padding optional.
std::optional<std::string> from_base64(std::string_view text);

}  // namespace stacklens::otlp
