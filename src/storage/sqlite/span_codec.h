#pragma once
// How a span's list-valued fields are kept in spans.db columns (compact JSON
// text), and the 64-bit keys that identify traces and spans in the indexes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"

namespace stacklens::sqlite {

// SipHash-2-4 of the id under a fixed key: stable across versions and machines.
int64_t id_key(std::string_view id);

// A JSON object of the attributes: strings as strings, the `typed` keys' values (Span::typed_attributes)
// as the JSON they hold. A typed value that no longer reads as such JSON (rewritten since) is a string.
std::string attributes_json(const Attributes& attrs, const TypedKeys& typed);
std::string tags_json(const std::vector<std::string>& tags);
std::string events_json(const std::vector<SpanEvent>& events);
// Values that are not strings come back as their compact JSON text, their keys added to `typed`.
void parse_attributes(std::string_view json_text, Attributes& out, TypedKeys& typed);
void parse_tags(std::string_view json_text, std::vector<std::string>& out);
void parse_events(std::string_view json_text, std::vector<SpanEvent>& out);

// Substrings that occur in the stored JSON exactly when the attribute or tag is
// present, so filters can test a row without decoding it.
std::string attribute_needle(const std::string& key, const std::string& value);
// The needle of the key alone: `"key":`, followed by the value.
std::string attribute_key_needle(const std::string& key);

// The finite number `text` is all of ("2", "-0.5", "1e3"), if it is one.
std::optional<double> decimal_number(std::string_view text);

// Whether some value of the key (its attribute_key_needle) in `json_text` (one or more attribute
// objects, concatenated) is a number, or with `strings_too` a string holding only a decimal
// number, that compares with `number` by `op` (one of > >= < <= =).
bool attribute_number_matches(std::string_view json_text, const std::string& key_needle, std::string_view op,
                              double number, bool strings_too);
std::string tag_needle(const std::string& tag);

}  // namespace stacklens::sqlite
