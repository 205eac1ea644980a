// Experiment runs the server runs itself (evals/prompt_run.h): a FlowOps prompt version over a
// dataset's items through a model connection, judged by server-side evaluators. Everything the
// run names is checked here; the run then goes on in the background and is read through the
// dataset run routes.
#include <fmt/format.h>

#include <algorithm>

#include "api/dataset_run_reply.h"
#include "api/prompt_route.h"
#include "api/routes.h"
#include "evals/prompt_run.h"

namespace stacklens::api {
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxRunName = 200, kMaxDescription = 1000, kMaxModel = 200, kMaxEvaluators = 10;

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }
Error missing(std::string message) { return make_error(ErrorCode::not_found, std::move(message)); }

Result<std::vector<std::string>> evaluator_names(const bj::object& o) {
  std::vector<std::string> out;
  const bj::value* v = o.if_contains("evaluators");
  if (!v || v->is_null()) return out;
  if (!v->is_array()) return bad("evaluators must be a list of evaluator names");
  const bj::array& list = v->get_array();
  if (list.size() > kMaxEvaluators) return bad(fmt::format("evaluators: at most {}", kMaxEvaluators));
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) return bad(fmt::format("evaluators[{}] must be an evaluator's name", i));
    std::string name(list[i].get_string());
    if (auto st = check_name("evaluator", name); !st) return bad(fmt::format("evaluators[{}]: {}", i, st.error().message));
    if (std::find(out.begin(), out.end(), name) != out.end()) return bad(fmt::format("evaluators lists '{}' twice", name));
    out.push_back(std::move(name));
  }
  return out;
}

// The run and its spec from the body, every name it gives looked up (404 naming what is missing).
struct PromptRunRequest {
  DatasetRun run;
  std::optional<int64_t> dataset_version;
  evals::PromptRunSpec spec;
};

Result<PromptRunRequest> read_request(Services& s, const Principal& who, const std::string& dataset,
                                      const bj::object& o) {
  if (auto st = only_fields(o, {"name", "description", "prompt", "version", "environment", "connection", "model",
                                "temperature", "maxTokens", "evaluators", "concurrency", "datasetVersion"});
      !st)
    return st.error();
  PromptRunRequest r;
  r.run.dataset = dataset;
  r.run.created_by = who.actor;
  SL_TRY(name, json::opt_string(o, "name", "name"));
  if (!name || name->empty() || name->size() > kMaxRunName)
    return bad(fmt::format("name is required: the run's name, 1 to {} characters", kMaxRunName));
  r.run.name = std::move(*name);
  SL_TRY(description, json::opt_string(o, "description", "description"));
  if (description && description->size() > kMaxDescription)
    return bad(fmt::format("description is longer than {} characters", kMaxDescription));
  r.run.description = description.value_or("");
  evals::PromptRunSpec& spec = r.spec;
  SL_TRY(prompt, json::opt_string(o, "prompt", "prompt"));
  if (!prompt) return bad("prompt is required: the name of a FlowOps prompt");
  if (auto st = check_prompt_name(*prompt); !st) return st.error();
  spec.prompt = std::move(*prompt);
  SL_TRY(version, json::opt_int(o, "version", "version"));
  SL_TRY(environment, json::opt_string(o, "environment", "environment"));
  if (version && environment) return bad("give version or environment, not both");
  if (version && *version < 1) return bad("version must be a positive integer");
  if (environment && !is_environment(*environment))
    return bad(fmt::format("unknown environment '{}': use dev, staging or production", environment->substr(0, 32)));
  SL_TRY(connection, json::opt_string(o, "connection", "connection"));
  if (!connection || connection->empty()) return bad("connection is required: the name of a model connection");
  spec.connection = std::move(*connection);
  SL_TRY(model, json::opt_string(o, "model", "model"));
  if (model && (model->empty() || model->size() > kMaxModel))
    return bad(fmt::format("model must be 1 to {} characters", kMaxModel));
  SL_TRY(temperature, json::opt_number(o, "temperature", "temperature"));
  if (temperature && !(*temperature >= 0 && *temperature <= 2)) return bad("temperature must be a number from 0 to 2");
  spec.temperature = temperature;
  SL_TRY(max_tokens, json::opt_int(o, "maxTokens", "maxTokens"));
  if (max_tokens && (*max_tokens < 1 || *max_tokens > 1000000)) return bad("maxTokens must be from 1 to 1000000");
  spec.max_tokens = max_tokens;
  SL_TRY(concurrency, json::opt_int(o, "concurrency", "concurrency"));
  if (concurrency && (*concurrency < 1 || *concurrency > evals::kMaxPromptRunConcurrency))
    return bad(fmt::format("concurrency must be from 1 to {}", evals::kMaxPromptRunConcurrency));
  spec.concurrency = static_cast<int>(concurrency.value_or(2));
  SL_TRY(evaluators, evaluator_names(o));
  spec.evaluators = std::move(evaluators);
  SL_TRY(dataset_version, json::opt_int(o, "datasetVersion", "datasetVersion"));
  if (dataset_version && *dataset_version < 0) return bad("datasetVersion must be >= 0");
  r.dataset_version = dataset_version;

  SL_TRY(found_dataset, s.meta.get_dataset(who.project_id, dataset));
  if (!found_dataset) return missing(fmt::format("dataset '{}' does not exist in this project", dataset));
  SL_TRY(found_prompt, s.meta.get_prompt(who.project_id, spec.prompt));
  if (!found_prompt) return missing(fmt::format("prompt '{}' does not exist in this project", spec.prompt));
  if (version) {
    SL_TRY(found, s.meta.get_version(who.project_id, spec.prompt, *version));
    if (!found) return missing(fmt::format("prompt '{}' has no version {}", spec.prompt, *version));
    spec.prompt_version = *version;
  } else {
    spec.environment = environment.value_or("production");
    SL_TRY(served, s.meta.active_version(who.project_id, spec.prompt, *spec.environment));
    spec.prompt_version = served.version;
  }
  SL_TRY(found_connection, s.meta.get_connection(who.project_id, spec.connection));
  if (!found_connection)
    return missing(fmt::format("model connection '{}' does not exist in this project", spec.connection));
  spec.model = model.value_or(found_connection->default_model);
  for (const auto& e : spec.evaluators) {
    SL_TRY(found, s.meta.get_evaluator(who.project_id, e));
    if (!found) return missing(fmt::format("evaluator '{}' does not exist in this project", e));
  }
  return r;
}

}  // namespace

void add_prompt_run_routes(http::Router& router, Services& s) {
  add_product_route(
      router, verb::post, "/evaluations/v1/datasets/{name}/runs/prompt",
      guarded(s, Scope::evaluations_write, true,
              [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                const std::string& dataset = ctx.params["name"];
                if (auto st = check_name("dataset", dataset); !st) return st.error();
                SL_TRY(request, read_request(s, who, dataset, o));
                SL_TRY(run, s.prompt_runs.start_run(who.project_id, std::move(request.run), request.dataset_version,
                                                    request.spec));
                SL_TRY(out, dataset_run_reply(s, who.project_id, run));
                return http::json_reply(202, out);
              }));
}

}  // namespace stacklens::api
