#pragma once
// Dataset items read from what clients send: one JSON object (the items API), JSON Lines or CSV
// (uploads). Every error names where it is: the field, or "line N: ..." of an upload.
#include <boost/json.hpp>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "model/dataset.h"

namespace stacklens::api {

inline constexpr size_t kMaxItemValueBytes = 1024 * 1024;  // input, expected output, metadata: each as JSON
inline constexpr size_t kMaxItemId = 128;

// An item from {"input", "expectedOutput"?, "metadata"?, "id"?}; an id is made when none is given.
// `where` prefixes messages ("line 7", or empty for a request body).
Result<DatasetItem> item_from_json(const boost::json::object& o, std::string_view where);

// Every item of an upload, or the first error. A JSON Lines body holds one such object a line
// (blank lines skipped); a CSV body a header row naming `input` and optionally
// `expected_output` (or `expectedOutput`), `metadata` and `id`, every other column going into
// metadata. A CSV cell that parses as JSON is taken as that JSON, else as a string.
Result<std::vector<DatasetItem>> items_from_json_lines(std::string_view body);
Result<std::vector<DatasetItem>> items_from_csv(std::string_view body);

}  // namespace stacklens::api
