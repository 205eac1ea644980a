#include "api/routes.h"

namespace stacklens::api {

void add_product_route(http::Router& router, boost::beast::http::verb method, const std::string& path,
                       http::Handler handler) {
  router.add(method, "/api/v1" + path, handler);
  router.add(method, path, std::move(handler));
}

void add_routes(http::Router& router, Services& services) {
  add_system_routes(router, services);
  add_ingest_routes(router, services);
  add_prompt_routes(router, services);
  add_approval_routes(router, services);
  add_experiment_routes(router, services);
  add_connection_routes(router, services);
  add_playground_routes(router, services);
  add_query_routes(router, services);
  add_export_routes(router, services);
  add_score_routes(router, services);
  add_price_routes(router, services);
  add_audit_routes(router, services);
  add_report_routes(router, services);
  add_governai_routes(router, services);
  add_conversation_routes(router, services);
  add_key_routes(router, services);
  add_session_routes(router, services);
  add_project_routes(router, services);
  add_dataset_routes(router, services);
  add_dataset_run_routes(router, services);
  add_prompt_run_routes(router, services);
  add_evaluator_routes(router, services);
  add_eval_rule_routes(router, services);
  add_budget_routes(router, services);
  add_notification_routes(router, services);
  add_monitor_routes(router, services);
  add_otlp_routes(router, services);
  add_mcp_routes(router, services);
}

}  // namespace stacklens::api
