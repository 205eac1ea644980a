#pragma once
// The trace list's filters read from a request's query parameters: the list and the export of
// its spans take the same ones, read by the same code.
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

// The filters above, with the list's paging when present; bad_request naming the
// parameter that does not read.
Result<TraceFilter> trace_filter(const http::Context& ctx);

}  // namespace stacklens::api
