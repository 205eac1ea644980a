// Scores on traces and spans, and the project's score configurations.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "crypto/secrets.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxId = 128, kMaxName = 200, kMaxComment = 4096, kMaxCategory = 200, kMaxCategories = 100,
                 kMaxDescription = 1000, kMaxBatch = 1000;

constexpr std::string_view kListParams[] = {"trace_id",  "span_id", "name", "source", "min_value",
                                            "max_value", "from",    "to",   "limit",  "cursor"};
constexpr std::string_view kSummaryParams[] = {"name", "from", "to", "interval"};

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }
Error score_missing(std::string_view id) {
  return make_error(ErrorCode::not_found, fmt::format("score '{}' does not exist in this project", id.substr(0, 128)));
}

Result<std::optional<std::string>> bounded_string(const bj::object& o, std::string_view key, std::string_view where,
                                                  size_t max) {
  SL_TRY(v, json::opt_string(o, key, where));
  if (v && v->size() > max) return bad(fmt::format("{} is longer than {} characters", where, max));
  return v;
}

// The value as sent, typed by its JSON type, then held to the name's configuration if it has one.
Status set_value(Score& s, const bj::value& v, const std::vector<ScoreConfig>& configs, std::string_view where) {
  if (v.is_bool()) {
    s.type = ScoreType::boolean;
    s.number = v.get_bool() ? 1 : 0;
  } else if (v.is_number()) {
    s.type = ScoreType::numeric;
    s.number = v.to_number<double>();
    if (!std::isfinite(s.number)) return bad(fmt::format("{}.value must be a finite number", where));
  } else if (v.is_string()) {
    s.type = ScoreType::categorical;
    s.category = std::string(v.get_string());
    if (s.category.empty() || s.category.size() > kMaxCategory)
      return bad(fmt::format("{}.value: a categorical value holds 1 to {} characters", where, kMaxCategory));
  } else {
    return bad(fmt::format("{}.value is required: a number, a string (a category) or a boolean", where));
  }
  const auto config = std::find_if(configs.begin(), configs.end(), [&](const auto& c) { return c.name == s.name; });
  if (config == configs.end()) return ok_status();
  if (config->type != s.type)
    return bad(fmt::format("{}.value: score '{}' is configured as {}, got a {} value", where, s.name,
                           score_type_name(config->type), score_type_name(s.type)));
  if (s.type == ScoreType::numeric) {
    if ((config->min_value && s.number < *config->min_value) || (config->max_value && s.number > *config->max_value))
      return bad(fmt::format("{}.value {} is outside the range of score '{}' ({} to {})", where, s.number, s.name,
                             config->min_value ? fmt::format("{}", *config->min_value) : "any",
                             config->max_value ? fmt::format("{}", *config->max_value) : "any"));
  }
  if (s.type == ScoreType::categorical &&
      std::find(config->categories.begin(), config->categories.end(), s.category) == config->categories.end())
    return bad(fmt::format("{}.value '{}' is not a category of score '{}' ({})", where, s.category, s.name,
                           fmt::join(config->categories, ", ")));
  return ok_status();
}

// Source and author: a person in the dashboard gives annotations under their email; a key gives
// `api` scores unless it names another source.
Status set_origin(Score& s, const bj::object& o, const Principal& who, std::string_view where) {
  const bool person = who.actor.starts_with("user:");
  if (person) s.author = who.actor.substr(5);
  SL_TRY(source, json::opt_string(o, "source", fmt::format("{}.source", where)));
  s.source = source.value_or(person ? "annotation" : "api");
  if (std::find(std::begin(kScoreSources), std::end(kScoreSources), s.source) == std::end(kScoreSources))
    return bad(fmt::format("{}.source must be one of api, sdk, annotation, eval", where));
  return ok_status();
}

Status set_comment(Score& s, const bj::object& o, std::string_view where) {
  SL_TRY(comment, bounded_string(o, "comment", fmt::format("{}.comment", where), kMaxComment));
  s.comment = std::move(comment);
  return ok_status();
}

Result<Score> parse_score(const bj::value& item, const std::vector<ScoreConfig>& configs, const Principal& who,
                          std::string_view where) {
  SL_TRY(o, json::req_object(item, where));
  for (const auto& kv : *o) {
    static constexpr std::string_view known[] = {"id",    "traceId", "spanId", "name",
                                                 "value", "comment", "source", "dataType"};
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
      return bad(fmt::format("{}: unknown field '{}'", where, std::string_view(kv.key()).substr(0, 64)));
  }
  Score s;
  SL_TRY(id, bounded_string(*o, "id", fmt::format("{}.id", where), kMaxId));
  if (id && id->empty()) return bad(fmt::format("{}.id must not be empty", where));
  s.id = id ? *id : secrets::random_token(16);
  SL_TRY(trace_id, bounded_string(*o, "traceId", fmt::format("{}.traceId", where), kMaxId));
  if (!trace_id || trace_id->empty()) return bad(fmt::format("{}.traceId is required", where));
  s.trace_id = *trace_id;
  SL_TRY(span_id, bounded_string(*o, "spanId", fmt::format("{}.spanId", where), kMaxId));
  if (span_id && span_id->empty()) return bad(fmt::format("{}.spanId must not be empty when given", where));
  s.span_id = span_id;
  SL_TRY(name, bounded_string(*o, "name", fmt::format("{}.name", where), kMaxName));
  if (!name || name->empty()) return bad(fmt::format("{}.name is required", where));
  s.name = *name;
  const auto value = o->find("value");
  if (value == o->end()) return bad(fmt::format("{}.value is required: a number, a string (a category) or a boolean", where));
  if (auto st = set_value(s, value->value(), configs, where); !st) return st.error();
  SL_TRY(data_type, json::opt_string(*o, "dataType", fmt::format("{}.dataType", where)));
  if (data_type) {
    const auto t = parse_score_type(*data_type);
    if (!t) return bad(fmt::format("{}.dataType must be numeric, categorical or boolean", where));
    if (*t != s.type)
      return bad(fmt::format("{}.dataType is {} but the value is {}", where, *data_type, score_type_name(s.type)));
  }
  if (auto st = set_comment(s, *o, where); !st) return st.error();
  if (auto st = set_origin(s, *o, who, where); !st) return st.error();
  s.created_us = s.updated_us = now_micros();
  return s;
}

Result<ScoreConfig> parse_config(const bj::object& o, std::optional<std::string> name_from_path) {
  for (const auto& kv : o) {
    static constexpr std::string_view known[] = {"name", "dataType", "min", "max", "categories", "description"};
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known))
      return bad(fmt::format("unknown field '{}'", std::string_view(kv.key()).substr(0, 64)));
  }
  ScoreConfig c;
  SL_TRY(name, bounded_string(o, "name", "name", kMaxName));
  if (name_from_path) {
    if (name && *name != *name_from_path) return bad("name cannot change: create a config under the new name");
    name = name_from_path;
  }
  if (!name || name->empty()) return bad("name is required");
  c.name = *name;
  SL_TRY(type, json::opt_string(o, "dataType", "dataType"));
  if (!type) return bad("dataType is required: numeric, categorical or boolean");
  const auto t = parse_score_type(*type);
  if (!t) return bad("dataType must be numeric, categorical or boolean");
  c.type = *t;
  SL_TRY(min, json::opt_number(o, "min", "min"));
  SL_TRY(max, json::opt_number(o, "max", "max"));
  if ((min || max) && c.type != ScoreType::numeric) return bad("min and max apply to numeric scores only");
  if (min && max && *min > *max) return bad("min must not be greater than max");
  c.min_value = min;
  c.max_value = max;
  if (auto it = o.find("categories"); it != o.end() && !it->value().is_null()) {
    if (c.type != ScoreType::categorical) return bad("categories apply to categorical scores only");
    if (!it->value().is_array()) return bad("categories must be an array of strings");
    for (const auto& v : it->value().get_array()) {
      if (!v.is_string() || v.get_string().empty() || v.get_string().size() > kMaxCategory ||
          std::string_view(v.get_string()).find('\n') != std::string_view::npos)
        return bad(fmt::format("categories must hold strings of 1 to {} characters without line breaks", kMaxCategory));
      std::string cat(v.get_string());
      if (std::find(c.categories.begin(), c.categories.end(), cat) != c.categories.end())
        return bad(fmt::format("category '{}' is listed twice", cat));
      c.categories.push_back(std::move(cat));
    }
    if (c.categories.size() > kMaxCategories) return bad(fmt::format("at most {} categories", kMaxCategories));
  }
  if (c.type == ScoreType::categorical && c.categories.empty())
    return bad("categories is required for a categorical score: a non-empty array of strings");
  SL_TRY(description, bounded_string(o, "description", "description", kMaxDescription));
  c.description = description.value_or("");
  return c;
}

Result<ScoreFilter> score_filter(http::Context& ctx) {
  ScoreFilter f;
  const auto text = [&](const char* name) -> std::optional<std::string> {
    auto v = ctx.query_param(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  };
  f.trace_id = text("trace_id");
  f.span_id = text("span_id");
  f.name = text("name");
  f.source = text("source");
  if (f.source && std::find(std::begin(kScoreSources), std::end(kScoreSources), *f.source) == std::end(kScoreSources))
    return bad("query parameter source must be api, sdk, annotation or eval");
  for (const auto* bound : {"min_value", "max_value"}) {
    auto raw = text(bound);
    if (!raw) continue;
    double v = 0;
    auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
    if (ec != std::errc() || p != raw->data() + raw->size() || !std::isfinite(v))
      return bad(fmt::format("query parameter {} must be a number", bound));
    (std::string_view(bound) == "min_value" ? f.min_value : f.max_value) = v;
  }
  SL_TRY(from, time_param(ctx, "from"));
  SL_TRY(to, time_param(ctx, "to"));
  f.from_us = from;
  f.to_us = to;
  SL_TRY(limit, int_param(ctx, "limit", 1, 500));
  f.limit = static_cast<int>(limit.value_or(100));
  f.cursor = text("cursor");
  return f;
}

Result<ScoreSummaryQuery> summary_query(http::Context& ctx) {
  ScoreSummaryQuery q;
  q.name = ctx.query_param("name").value_or("");
  if (q.name.empty()) return bad("query parameter name is required: the score to summarise");
  SL_TRY(period, period_params(ctx));
  q.from_us = period.from_us;
  q.to_us = period.to_us;
  SL_TRY(interval, int_param(ctx, "interval", 60, 366LL * 86400));
  q.interval_us = interval ? *interval * 1000000
                           : std::max<int64_t>(60, (q.to_us - q.from_us) / 60 / 1000000 / 60 * 60) * 1000000;
  if ((q.to_us - q.from_us) / q.interval_us > 10000) return bad("range / interval gives more than 10000 buckets");
  return q;
}

Result<http::Reply> put_reply(Services& s, const Principal& who, const Score& score, ScorePut put) {
  if (put == ScorePut::created) return http::json_reply(201, score_json(score));
  SL_TRY(stored, s.scores.get(who.project_id, score.id));
  return http::json_reply(200, score_json(stored ? *stored : score));
}

}  // namespace

void add_score_routes(http::Router& router, Services& s) {
  add_product_route(router, verb::post, "/stacktrace/v1/scores",
                    guarded(s, Scope::scores_write, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(configs, s.meta.list_score_configs(who.project_id));
                              SL_TRY(score, parse_score(o, configs, who, "score"));
                              SL_TRY(put, s.scores.create(who.project_id, score));
                              return put_reply(s, who, score, put);
                            }));
  add_product_route(
      router, verb::post, "/stacktrace/v1/scores/batch",
      guarded(s, Scope::scores_write, true,
              [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                const auto it = o.find("scores");
                if (it == o.end() || !it->value().is_array() || it->value().get_array().empty())
                  return bad("scores is required: a non-empty array of scores");
                const auto& items = it->value().get_array();
                if (items.size() > kMaxBatch) return bad(fmt::format("at most {} scores per batch", kMaxBatch));
                SL_TRY(configs, s.meta.list_score_configs(who.project_id));
                // Each item is checked first (its fields, then a stored score under its id), so one
                // bad item is reported alone and the valid ones are committed together.
                std::vector<Score> valid;
                std::vector<size_t> valid_index;
                std::vector<std::optional<std::string>> errors(items.size());
                for (size_t i = 0; i < items.size(); ++i) {
                  auto score = parse_score(items[i], configs, who, fmt::format("scores[{}]", i));
                  if (!score) {
                    errors[i] = score.error().message;
                    continue;
                  }
                  SL_TRY(stored, s.scores.get(who.project_id, score->id));
                  const bool repeated = std::any_of(valid.begin(), valid.end(), [&](const Score& v) {
                    return v.id == score->id && !same_content(v, *score);
                  });
                  if ((stored && !same_content(*stored, *score)) || repeated) {
                    errors[i] = fmt::format("scores[{}]: score '{}' already exists with other content", i, score->id);
                    continue;
                  }
                  valid.push_back(std::move(*score));
                  valid_index.push_back(i);
                }
                std::vector<ScorePut> puts;
                if (!valid.empty()) {
                  SL_TRY(done, s.scores.create_all(who.project_id, valid));
                  puts = std::move(done);
                }
                bj::array results;
                int64_t accepted = 0;
                size_t next = 0;
                for (size_t i = 0; i < items.size(); ++i) {
                  bj::object r{{"index", i}};
                  if (errors[i]) {
                    r["status"] = "rejected";
                    r["error"] = *errors[i];
                  } else {
                    r["status"] = puts[next] == ScorePut::created ? "created" : "unchanged";
                    r["id"] = valid[next].id;
                    ++next, ++accepted;
                  }
                  results.push_back(std::move(r));
                }
                return http::json_reply(200, bj::object{{"accepted", accepted},
                                                        {"rejected", static_cast<int64_t>(items.size()) - accepted},
                                                        {"results", std::move(results)}});
              }));
  add_product_route(router, verb::get, "/stacktrace/v1/scores",
                    guarded(s, Scope::traces_read, false, kListParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(filter, score_filter(ctx));
                              SL_TRY(page, s.scores.list(who.project_id, filter));
                              return http::json_reply(
                                  200, list_page_json("scores", page.scores, &score_json, page.next_cursor));
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/scores/{scoreId}",
                    guarded(s, Scope::traces_read, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(score, s.scores.get(who.project_id, ctx.params["scoreId"]));
                              if (!score) return score_missing(ctx.params["scoreId"]);
                              return http::json_reply(200, score_json(*score));
                            }));
  add_product_route(
      router, verb::patch, "/stacktrace/v1/scores/{scoreId}",
      guarded(s, Scope::scores_write, true,
              [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                for (const auto& kv : o)
                  if (kv.key() != "value" && kv.key() != "comment")
                    return bad(fmt::format("unknown field '{}': a score's value and comment can be edited",
                                           std::string_view(kv.key()).substr(0, 64)));
                SL_TRY(stored, s.scores.get(who.project_id, ctx.params["scoreId"]));
                if (!stored) return score_missing(ctx.params["scoreId"]);
                Score score = *stored;
                if (auto v = o.find("value"); v != o.end()) {
                  SL_TRY(configs, s.meta.list_score_configs(who.project_id));
                  score.category.clear();
                  if (auto st = set_value(score, v->value(), configs, "score"); !st) return st.error();
                }
                if (o.contains("comment"))
                  if (auto st = set_comment(score, o, "score"); !st) return st.error();
                // The last person to edit it is its author.
                if (who.actor.starts_with("user:")) score.author = who.actor.substr(5), score.source = "annotation";
                score.updated_us = now_micros();
                SL_TRY(updated, s.scores.update(who.project_id, score));
                return http::json_reply(200, score_json(updated));
              }));
  add_product_route(router, verb::delete_, "/stacktrace/v1/scores/{scoreId}",
                    guarded(s, Scope::scores_write, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              if (auto st = s.scores.remove(who.project_id, ctx.params["scoreId"]); !st) return st.error();
                              return http::json_reply(200, bj::object{{"id", ctx.params["scoreId"]}, {"deleted", true}});
                            }));
  add_product_route(router, verb::get, "/stacktrace/v1/metrics/scores",
                    guarded(s, Scope::traces_read, false, kSummaryParams,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(q, summary_query(ctx));
                              SL_TRY(buckets, s.scores.summary(who.project_id, q));
                              return http::json_reply(200, score_summary_json(q, buckets));
                            }));

  add_product_route(router, verb::get, "/stacktrace/v1/score-configs",
                    guarded(s, Scope::traces_read, false,
                            [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                              SL_TRY(configs, s.meta.list_score_configs(who.project_id));
                              bj::array out;
                              for (const auto& c : configs) out.push_back(score_config_json(c));
                              return http::json_reply(200, bj::object{{"configs", std::move(out)}});
                            }));
  add_product_route(router, verb::post, "/stacktrace/v1/score-configs",
                    guarded(s, Scope::scores_configure, true,
                            [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(config, parse_config(o, std::nullopt));
                              SL_TRY(created, s.meta.create_score_config(who.project_id, config));
                              return http::json_reply(201, score_config_json(created));
                            }));
  add_product_route(router, verb::put, "/stacktrace/v1/score-configs/{name}",
                    guarded(s, Scope::scores_configure, true,
                            [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                              SL_TRY(config, parse_config(o, ctx.params["name"]));
                              SL_TRY(updated, s.meta.update_score_config(who.project_id, config));
                              return http::json_reply(200, score_config_json(updated));
                            }));
  add_product_route(router, verb::delete_, "/stacktrace/v1/score-configs/{name}",
                    guarded(s, Scope::scores_configure, false,
                            [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                              if (auto st = s.meta.delete_score_config(who.project_id, ctx.params["name"]); !st) return st.error();
                              return http::json_reply(200, bj::object{{"name", ctx.params["name"]}, {"deleted", true}});
                            }));
}

}  // namespace stacklens::api
