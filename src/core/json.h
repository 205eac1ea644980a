#pragma once
// The one JSON layer: parsing request bodies, reading typed fields with errors
// that name the field, and serialising responses. Built on Boost.JSON.
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace stacklens::json {

namespace bj = boost::json;

// Parses a whole document; invalid UTF-8, trailing garbage and depth > 32 are errors.
Result<bj::value> parse(std::string_view body);
// What every reader of JSON bodies accepts (parse() and the span reader's SAX parser alike),
// and how it words a body that is not JSON.
bj::parse_options parse_options();
Error empty_body();
Error malformed(const boost::system::error_code& ec);
std::string serialize(const bj::value& v);
// Appends `s` as a JSON string literal, escaped exactly as serialize() escapes strings
// (for text built without a bj::value, e.g. the store's columns on the ingest path).
void append_quoted(std::string& out, std::string_view s);

// An optional as a JSON value: null when it is empty.
template <typename T>
bj::value or_null(const std::optional<T>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

// Field readers. `where` is the field's path for messages, e.g. "llmSpan.inputTokens".
// absent and null both yield std::nullopt for the optional readers.
Result<std::optional<std::string>> opt_string(const bj::object& o, std::string_view key, std::string_view where);
Result<std::string> req_string(const bj::object& o, std::string_view key, std::string_view where);
Result<std::optional<int64_t>> opt_int(const bj::object& o, std::string_view key, std::string_view where);
Result<std::optional<double>> opt_number(const bj::object& o, std::string_view key, std::string_view where);
Result<std::optional<bool>> opt_bool(const bj::object& o, std::string_view key, std::string_view where);
Result<const bj::object*> req_object(const bj::value& v, std::string_view where);
// A non-null value as an integer (whole doubles below 9e15 too) or a finite number; `where` as above.
Result<int64_t> to_int(const bj::value& v, std::string_view where);
Result<double> to_number(const bj::value& v, std::string_view where);

// Renders any JSON value as the string StackLens stores for an attribute value:
// strings as they are, everything else as compact JSON text.
std::string to_attribute_string(const bj::value& v);

}  // namespace stacklens::json
