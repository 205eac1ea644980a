#pragma once
#include "api/services.h"
#include "http/router.h"

namespace stacklens::api {

// The server's version, as GET /api/v1/server and MCP's serverInfo tell it.
inline constexpr std::string_view kServerVersion = "0.1.0";

// Registers every route. Product routes are served under /api/v1 and, like the
// hosted gateway, without that prefix too.
void add_routes(http::Router& router, Services& services);

void add_system_routes(http::Router& router, Services& services);
void add_ingest_routes(http::Router& router, Services& services);
void add_prompt_routes(http::Router& router, Services& services);
void add_approval_routes(http::Router& router, Services& services);
void add_experiment_routes(http::Router& router, Services& services);
// Model connections: the project's provider keys for the server's own model calls.
void add_connection_routes(http::Router& router, Services& services);
// The playground: one model call of a prompt version or of messages.
void add_playground_routes(http::Router& router, Services& services);
void add_query_routes(http::Router& router, Services& services);
// The spans of a trace-list filter as JSON Lines or CSV, streamed.
void add_export_routes(http::Router& router, Services& services);
void add_score_routes(http::Router& router, Services& services);
void add_price_routes(http::Router& router, Services& services);
// GovernAI's audit log (read-only) and its Article 13 report.
void add_audit_routes(http::Router& router, Services& services);
void add_report_routes(http::Router& router, Services& services);
void add_governai_routes(http::Router& router, Services& services);
void add_conversation_routes(http::Router& router, Services& services);
void add_key_routes(http::Router& router, Services& services);
void add_session_routes(http::Router& router, Services& services);
void add_project_routes(http::Router& router, Services& services);
// Datasets of evaluation items (evaluations:read / evaluations:write).
void add_dataset_routes(http::Router& router, Services& services);
// Experiment runs over a dataset, their item results and comparisons of runs.
void add_dataset_run_routes(http::Router& router, Services& services);
// Experiment runs of a prompt version the server runs itself.
void add_prompt_run_routes(http::Router& router, Services& services);
// LLM-as-judge evaluators, their ready templates, and the rules that run them on live spans.
void add_evaluator_routes(http::Router& router, Services& services);
void add_eval_rule_routes(http::Router& router, Services& services);
// Budgets with the status applications ask, and the notification channels that hear of them.
void add_budget_routes(http::Router& router, Services& services);
void add_notification_routes(http::Router& router, Services& services);
// Monitors of a metric over a window against a threshold, with their history of state changes.
void add_monitor_routes(http::Router& router, Services& services);
// The Model Context Protocol at /mcp (no /api/v1 alias): its tools call the routes above.
void add_mcp_routes(http::Router& router, Services& services);
// POST /otlp/v1/traces (OpenTelemetry); no /api/v1 alias.
void add_otlp_routes(http::Router& router, Services& services);

// Adds `path` under /api/v1 and bare.
void add_product_route(http::Router& router, boost::beast::http::verb method, const std::string& path,
                       http::Handler handler);

}  // namespace stacklens::api
