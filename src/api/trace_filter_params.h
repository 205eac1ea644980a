#pragma once
// The trace list's filters read from a request's query parameters: the list and the export of
// its spans take the same ones, read by the same code.
#include <optional>
#include <string_view>

#include "core/error.h"
#include "http/router.h"
#include "model/query.h"

namespace stacklens::api {

// The trace list's query parameters: its filters and its paging (limit, cursor); api/openapi.yaml
// lists the same.
inline constexpr std::string_view kTraceListParams[] = {
    "from",         "to",           "name",   "model",      "provider", "status", "tag",  "attr",    "limit",
    "min_latency_ms", "min_cost_usd", "cursor", "session_id", "user_id",  "score",  "sort", "unpriced"};
inline constexpr bool is_paging_param(std::string_view name) { return name == "limit" || name == "cursor"; }

// `attr=retries>2` (> >= < <=, then a number): the comparison; nullopt when `raw` is not one, then
// it is the key=value form (`attr=a>b=c` is the key a>b equal to c, as it always was).
std::optional<AttributeComparison> attribute_comparison(std::string_view raw);

// The filters above, with the list's paging when present; bad_request naming the
// parameter that does not read.
Result<TraceFilter> trace_filter(const http::Context& ctx);

}  // namespace stacklens::api
