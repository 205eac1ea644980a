#pragma once
// Attribute values as JSON: a typed attribute (Span::typed_attributes) is its JSON value, any
// other a string. What the API answers, the exports write and the span stores keep.
#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "model/span.h"

namespace stacklens {

// `text`'s JSON value when `key` is typed and `text` still parses to a value other than a string.
std::optional<boost::json::value> typed_value(const TypedKeys& typed, std::string_view key, std::string_view text);

// The attributes as one object: typed values as JSON, the rest as strings; a key given twice keeps
// its first place and its last value.
boost::json::object attributes_object(const Attributes& attrs, const TypedKeys& typed);

}  // namespace stacklens
