// LLM-as-judge evaluators (model/evaluator.h): their CRUD, a run on a stored span (or on given
// values, a dry run), and the ready templates to copy.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "crypto/secrets.h"
#include "evals/evaluator_templates.h"
#include "evals/judge.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxDescription = 1000, kMaxTemplate = 20000, kMaxCategory = 200,
                 kMaxCategories = 100, kMaxModel = 200, kMaxInput = 200000;
constexpr std::string_view kBase = "/evaluations/v1";

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }

std::string path(std::string_view tail) { return std::string(kBase) + std::string(tail); }

Result<JudgeSchema> parse_schema(const bj::object& body) {
  const auto it = body.find("output");
  if (it == body.end() || !it->value().is_object())
    return bad("output is required: {\"type\": \"numeric\", \"min\", \"max\"}, {\"type\": \"categorical\", "
               "\"categories\"} or {\"type\": \"boolean\"}");
  const bj::object& o = it->value().get_object();
  if (auto st = only_fields(o, {"type", "min", "max", "categories"}); !st) return bad("output: " + st.error().message);
  SL_TRY(type_name, json::opt_string(o, "type", "output.type"));
  const auto type = type_name ? parse_score_type(*type_name) : std::nullopt;
  if (!type) return bad("output.type must be numeric, categorical or boolean");
  JudgeSchema s;
  s.type = *type;
  SL_TRY(min, json::opt_number(o, "min", "output.min"));
  SL_TRY(max, json::opt_number(o, "max", "output.max"));
  if (s.type == ScoreType::numeric) {
    if (!min || !max) return bad("output.min and output.max are required for a numeric output");
    if (!std::isfinite(*min) || !std::isfinite(*max) || *min >= *max) return bad("output.min must be below output.max");
    s.min_value = *min;
    s.max_value = *max;
  } else if (min || max) {
    return bad("output.min and output.max apply to a numeric output only");
  }
  const auto cats = o.find("categories");
  if (s.type == ScoreType::categorical) {
    if (cats == o.end() || !cats->value().is_array() || cats->value().get_array().empty())
      return bad("output.categories is required for a categorical output: a non-empty array of strings");
    for (const auto& v : cats->value().get_array()) {
      if (!v.is_string() || v.get_string().empty() || v.get_string().size() > kMaxCategory ||
          std::string_view(v.get_string()).find('\n') != std::string_view::npos)
        return bad(fmt::format("output.categories must hold strings of 1 to {} characters without line breaks",
                               kMaxCategory));
      std::string c(v.get_string());
      if (std::find(s.categories.begin(), s.categories.end(), c) != s.categories.end())
        return bad(fmt::format("output.categories lists '{}' twice", c));
      s.categories.push_back(std::move(c));
    }
    if (s.categories.size() > kMaxCategories) return bad(fmt::format("output.categories: at most {}", kMaxCategories));
  } else if (cats != o.end()) {
    return bad("output.categories apply to a categorical output only");
  }
  return s;
}

// An evaluator from its body; on PUT the name comes from the path.
Result<Evaluator> parse_evaluator(Services& s, const Principal& who, const bj::object& o,
                                  std::optional<std::string> name_from_path) {
  if (auto st = only_fields(o, {"name", "description", "template", "connection", "model", "output"}); !st)
    return st.error();
  Evaluator e;
  e.project_id = who.project_id;
  e.created_by = who.actor;
  SL_TRY(name, json::opt_string(o, "name", "name"));
  if (name_from_path) {
    if (name && *name != *name_from_path) return bad("name cannot change: create an evaluator under the new name");
    name = name_from_path;
  }
  if (!name) return bad("name is required");
  if (auto st = check_name("evaluator", *name); !st) return st.error();
  e.name = *name;
  SL_TRY(description, json::opt_string(o, "description", "description"));
  if (description && description->size() > kMaxDescription)
    return bad(fmt::format("description is longer than {} characters", kMaxDescription));
  e.description = description.value_or("");
  SL_TRY(text, json::opt_string(o, "template", "template"));
  if (!text || text->empty()) return bad("template is required: the judge's instructions with {{input}}, {{output}}...");
  if (text->size() > kMaxTemplate) return bad(fmt::format("template is longer than {} characters", kMaxTemplate));
  if (auto st = evals::check_template(*text); !st) return st.error();
  e.template_text = *text;
  SL_TRY(connection, json::opt_string(o, "connection", "connection"));
  if (!connection || connection->empty()) return bad("connection is required: the name of a model connection");
  SL_TRY(found, s.meta.get_connection(who.project_id, *connection));
  if (!found) return bad(fmt::format("connection: model connection '{}' does not exist in this project", *connection));
  e.connection = *connection;
  SL_TRY(model, json::opt_string(o, "model", "model"));
  if (model && (model->empty() || model->size() > kMaxModel))
    return bad(fmt::format("model must be 1 to {} characters, or null for the connection's default", kMaxModel));
  e.model = model;
  SL_TRY(output, parse_schema(o));
  e.output = std::move(output);
  return e;
}

Result<Evaluator> evaluator_named(Services& s, int64_t project_id, const std::string& name) {
  SL_TRY(e, s.meta.get_evaluator(project_id, name));
  if (!e)
    return make_error(ErrorCode::not_found, fmt::format("evaluator '{}' does not exist in this project", name));
  return *e;
}

// What a run judges: a stored span, or values given for a dry run (nothing stored).
struct RunSubject {
  evals::JudgeInputs inputs;
  std::optional<evals::JudgeTarget> target;
};

Result<RunSubject> run_subject(Services& s, const Principal& who, const bj::object& o) {
  if (auto st = only_fields(o, {"traceId", "spanId", "input", "output", "expected", "context", "attributes"}); !st)
    return st.error();
  RunSubject subject;
  SL_TRY(trace_id, json::opt_string(o, "traceId", "traceId"));
  SL_TRY(span_id, json::opt_string(o, "spanId", "spanId"));
  if (trace_id || span_id) {
    if (!trace_id || !span_id || trace_id->empty() || span_id->empty())
      return bad("traceId and spanId go together: the span to judge");
    for (std::string_view k : {"input", "output", "expected", "context", "attributes"})
      if (o.contains(k)) return bad(fmt::format("{} is taken from the span: give either traceId and spanId or values", k));
    SL_TRY(inputs, evals::inputs_of_span(s.traces, who.project_id, *trace_id, *span_id));
    subject.inputs = std::move(inputs);
    subject.target = evals::JudgeTarget{*trace_id, *span_id, secrets::random_token(16)};
    return subject;
  }
  bool any = false;
  for (auto [key, field] : {std::pair{"input", &subject.inputs.input}, std::pair{"output", &subject.inputs.output},
                            std::pair{"expected", &subject.inputs.expected}, std::pair{"context", &subject.inputs.context}}) {
    SL_TRY(v, json::opt_string(o, key, key));
    if (v && v->size() > kMaxInput) return bad(fmt::format("{} is longer than {} characters", key, kMaxInput));
    if (v) *field = std::move(*v), any = true;
  }
  if (auto it = o.find("attributes"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return bad("attributes must be an object of strings");
    for (const auto& kv : it->value().get_object()) {
      if (!kv.value().is_string()) return bad(fmt::format("attributes.{} must be a string", std::string_view(kv.key()).substr(0, 64)));
      subject.inputs.attributes.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
    }
    any = true;
  }
  if (!any) return bad("give traceId and spanId (the span to judge) or input, output, expected, context (a dry run)");
  return subject;
}

bj::object run_json(const Evaluator& e, const evals::JudgeOutcome& outcome, bool stored) {
  const Score& score = *outcome.score;
  bj::value value;
  switch (score.type) {
    case ScoreType::numeric: value = score.number; break;
    case ScoreType::boolean: value = score.number != 0; break;
    case ScoreType::categorical: value = score.category; break;
  }
  return bj::object{{"evaluator", e.name},
                    {"dataType", score_type_name(score.type)},
                    {"value", std::move(value)},
                    {"reasoning", outcome.reasoning},
                    {"score", stored ? bj::value(score_json(score)) : bj::value(nullptr)},
                    {"costUsd", outcome.cost_usd},
                    {"judgeTraceId", outcome.judge_trace_id ? bj::value(*outcome.judge_trace_id) : bj::value(nullptr)}};
}

// The judge is called on the model caller's threads (it blocks for seconds), never this one.
http::Handler run_handler(Services& s) {
  return [&s](http::Context& ctx, http::Respond respond) {
    const auto fail = [&respond](const Error& e) { respond(http::error_reply(e)); };
    auto who = s.auth.authenticate(ctx, Scope::evaluations_write);
    if (!who) return fail(who.error());
    if (auto st = check_query_params(ctx, QueryParams{}); !st) return fail(st.error());
    auto body = json_body(ctx);
    if (!body) return fail(body.error());
    if (!body->is_object()) return fail(bad("request body must be a JSON object"));
    auto evaluator = evaluator_named(s, who->project_id, ctx.params["name"]);
    if (!evaluator) return fail(evaluator.error());
    auto subject = run_subject(s, *who, body->get_object());
    if (!subject) return fail(subject.error());
    const int64_t project_id = who->project_id;
    auto request = evals::judge_request(*evaluator, subject->inputs);
    std::string connection = evaluator->connection;  // before the evaluator moves into the callback
    s.models.chat_async(project_id, std::move(connection), std::move(request),
                        [&s, project_id, e = std::move(*evaluator), target = std::move(subject->target),
                         respond = std::move(respond)](Result<providers::ChatResult> reply) {
                          auto outcome = evals::conclude(e, std::move(reply), target, s.scores, project_id);
                          if (!outcome.score) return respond(http::error_reply(outcome.score.error()));
                          respond(http::json_reply(target ? 201 : 200, run_json(e, outcome, target.has_value())));
                        });
  };
}

}  // namespace

void add_evaluator_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::get, path("/evaluators"),
                    guarded(s, Scope::evaluations_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(all, s.meta.list_evaluators(who.project_id));
                              bj::array out;
                              for (const auto& e : all) out.push_back(evaluator_json(e));
                              return http::json_reply(200, bj::object{{"evaluators", std::move(out)}});
                            }));
  add_product_route(router, verb::post, path("/evaluators"),
                    guarded(s, Scope::evaluations_write, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(e, parse_evaluator(s, who, o, std::nullopt));
                              SL_TRY(created, s.meta.create_evaluator(e));
                              return http::json_reply(201, evaluator_json(created));
                            }));
  add_product_route(router, verb::get, path("/evaluators/{name}"),
                    guarded(s, Scope::evaluations_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(e, evaluator_named(s, who.project_id, ctx.params["name"]));
                              return http::json_reply(200, evaluator_json(e));
                            }));
  add_product_route(router, verb::put, path("/evaluators/{name}"),
                    guarded(s, Scope::evaluations_write, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(e, parse_evaluator(s, who, o, ctx.params["name"]));
                              SL_TRY(updated, s.meta.update_evaluator(e));
                              return http::json_reply(200, evaluator_json(updated));
                            }));
  add_product_route(router, verb::delete_, path("/evaluators/{name}"),
                    guarded(s, Scope::evaluations_write, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              if (auto st = s.meta.delete_evaluator(who.project_id, ctx.params["name"]); !st)
                                return st.error();
                              return http::json_reply(200, bj::object{{"name", ctx.params["name"]}, {"deleted", true}});
                            }));
  add_product_route(router, verb::post, path("/evaluators/{name}/run"), run_handler(s));
  add_product_route(router, verb::get, path("/evaluator-templates"),
                    guarded(s, Scope::evaluations_read, false,
                            [](const Principal&, http::Context&, const bj::object&) -> Result<http::Reply> {
                              bj::array out;
                              for (const auto& t : evals::evaluator_templates())
                                out.push_back(bj::object{{"name", t.name},
                                                         {"description", t.description},
                                                         {"template", t.template_text},
                                                         {"output", judge_schema_json(t.output)}});
                              return http::json_reply(200, bj::object{{"templates", std::move(out)}});
                            }));
}

}  // namespace stacklens::api
