#pragma once
// Tool arguments held to the tool's input schema: the JSON Schema a client reads in tools/list is
// the one the server checks, so what a tool accepts is written once. The subset the tools use:
// type (one or a list), properties, required, additionalProperties: false, enum, minimum,
// maximum, minLength, maxLength, items, maxItems.
#include <boost/json.hpp>

#include "core/error.h"

namespace stacklens::mcp {

// bad_request naming the first argument that does not fit, e.g. "argument 'limit' must be at most 500".
Status check_arguments(const boost::json::object& schema, const boost::json::value& arguments);

}  // namespace stacklens::mcp
