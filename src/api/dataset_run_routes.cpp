// Experiment runs over a dataset (model/dataset_run.h): a client creates a run on a dataset
// version, sends each item's result in batches and finishes it. Tokens, cost and scores are read
// from each result's trace when a run, its results or a comparison of runs is shown.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "api/dataset_items.h"
#include "api/dataset_run_reply.h"
#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxRunName = 200, kMaxDescription = 1000, kMaxMetadataBytes = 64 * 1024;
constexpr size_t kMaxBatch = 500, kMaxError = 10000, kMaxTraceId = 128, kMaxCompared = 10;
constexpr std::string_view kPageParams[] = {"limit", "cursor"};
constexpr std::string_view kCompareParams[] = {"runs", "limit", "cursor"};

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }

Status only_fields(const bj::object& o, std::initializer_list<std::string_view> known, std::string_view where) {
  for (const auto& kv : o)
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      return bad(fmt::format("{}unknown field '{}'", where, std::string_view(kv.key()).substr(0, 64)));
  return ok_status();
}

// An optional JSON object field as text (nullopt when absent or null).
Result<std::optional<std::string>> object_text(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_object()) return bad(fmt::format("{} must be a JSON object", key));
  std::string text = json::serialize(*v);
  if (text.size() > kMaxMetadataBytes) return bad(fmt::format("{} is larger than {} bytes", key, kMaxMetadataBytes));
  return std::optional<std::string>(std::move(text));
}

Result<int64_t> run_id(http::Context& ctx) {
  const std::string& text = ctx.params["id"];
  int64_t id = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || p != text.data() + text.size() || id <= 0)
    return bad(fmt::format("run id '{}' is not a positive integer", text.substr(0, 64)));
  return id;
}

Result<DatasetRun> existing_run(Services& s, int64_t project_id, const std::string& dataset, int64_t id) {
  SL_TRY(run, s.meta.get_dataset_run(project_id, dataset, id));
  if (!run) return make_error(ErrorCode::not_found, fmt::format("dataset '{}' has no run {}", dataset, id));
  return std::move(*run);
}

Result<DatasetRunResult> result_from_json(const bj::value& v, size_t index) {
  const std::string where = fmt::format("results[{}]: ", index);
  if (!v.is_object()) return bad(where + "must be an object");
  const bj::object& o = v.get_object();
  if (auto st = only_fields(o, {"itemId", "traceId", "output", "error", "latencyMs"}, where); !st) return st.error();
  DatasetRunResult r;
  const auto field = [&](Error e) { return bad(where + e.message); };
  auto item = json::req_string(o, "itemId", "itemId");
  if (!item) return field(item.error());
  if (item->empty() || item->size() > kMaxItemId) return bad(where + fmt::format("itemId must be 1 to {} characters", kMaxItemId));
  r.item_id = std::move(*item);
  auto trace = json::opt_string(o, "traceId", "traceId");
  if (!trace) return field(trace.error());
  if (trace && *trace && ((*trace)->empty() || (*trace)->size() > kMaxTraceId))
    return bad(where + fmt::format("traceId must be 1 to {} characters", kMaxTraceId));
  r.trace_id = *trace;
  if (const bj::value* out = o.if_contains("output"); out && !out->is_null()) {
    r.output = json::serialize(*out);
    if (r.output->size() > kMaxItemValueBytes)
      return bad(where + fmt::format("output is larger than {} bytes", kMaxItemValueBytes));
  }
  auto error = json::opt_string(o, "error", "error");
  if (!error) return field(error.error());
  if (*error && (*error)->size() > kMaxError) return bad(where + fmt::format("error is longer than {} characters", kMaxError));
  r.error = *error;
  auto latency = json::opt_number(o, "latencyMs", "latencyMs");
  if (!latency) return field(latency.error());
  if (*latency && (!(**latency >= 0) || **latency > 1e12)) return bad(where + "latencyMs must be a number >= 0");
  r.latency_ms = latency->value_or(0);
  return r;
}

// What a result's trace adds to it: tokens, cost and scores, read once per trace.
struct TraceFacts {
  bool found = false;
  int64_t input_tokens = 0, output_tokens = 0, total_tokens = 0;
  double cost_usd = 0;
  std::vector<Score> scores;
};

class TraceJoin {
 public:
  TraceJoin(Services& s, int64_t project_id) : s_(s), project_id_(project_id) {}

  Result<const TraceFacts*> facts(const std::optional<std::string>& trace_id) {
    if (!trace_id) return &none_;
    if (auto it = cache_.find(*trace_id); it != cache_.end()) return &it->second;
    TraceFacts f;
    SL_TRY(trace, s_.spans.get_trace(project_id_, *trace_id));
    if (trace) {
      f.found = true;
      f.input_tokens = trace->summary.input_tokens;
      f.output_tokens = trace->summary.output_tokens;
      f.total_tokens = trace->summary.total_tokens;
      f.cost_usd = trace->summary.cost_usd;
    }
    SL_TRY(scores, s_.scores.of_trace(project_id_, *trace_id));
    f.scores = std::move(scores);
    return &cache_.emplace(*trace_id, std::move(f)).first->second;
  }

 private:
  Services& s_;
  int64_t project_id_;
  TraceFacts none_;
  std::map<std::string, TraceFacts> cache_;
};

bj::object result_json(const DatasetRunResult& r, const TraceFacts& f) {
  bj::object o;
  o["itemId"] = r.item_id;
  o["traceId"] = r.trace_id ? bj::value(*r.trace_id) : bj::value(nullptr);
  bj::value output = nullptr;
  if (r.output)
    if (auto v = json::parse(*r.output)) output = std::move(*v);
  o["output"] = std::move(output);
  o["error"] = r.error ? bj::value(*r.error) : bj::value(nullptr);
  o["latencyMs"] = r.latency_ms;
  o["createdAt"] = format_iso8601(r.created_us);
  const auto when_found = [&](bj::value v) { return f.found ? v : bj::value(nullptr); };
  o["inputTokens"] = when_found(f.input_tokens);
  o["outputTokens"] = when_found(f.output_tokens);
  o["totalTokens"] = when_found(f.total_tokens);
  o["costUsd"] = when_found(f.cost_usd);
  bj::array scores;
  for (const auto& sc : f.scores) scores.push_back(score_json(sc));
  o["scores"] = std::move(scores);
  return o;
}

// Every result of a run, by item id.
Result<std::map<std::string, DatasetRunResult>> all_results(Services& s, int64_t project_id, const DatasetRun& run) {
  std::map<std::string, DatasetRunResult> out;
  DatasetRunResultQuery q;
  q.limit = 500;
  for (;;) {
    SL_TRY(page, s.meta.list_dataset_run_results(project_id, run.dataset, run.id, q));
    for (auto& r : page.results) out.emplace(r.item_id, std::move(r));
    if (!page.next_cursor) return out;
    q.cursor = page.next_cursor;
  }
}

// A run with what its results add up to: items done and failed, the average latency, the
// tokens and cost of their traces, and each score name's count and average (numeric and
// boolean scores; a categorical score counts without an average).
Result<bj::object> run_with_aggregates(const DatasetRun& run, const std::map<std::string, DatasetRunResult>& results,
                                       TraceJoin& join) {
  int64_t errors = 0, input_tokens = 0, output_tokens = 0, total_tokens = 0;
  double latency = 0, cost = 0;
  struct Tally {
    int64_t count = 0, numeric = 0;
    double sum = 0;
  };
  std::map<std::string, Tally> tallies;
  for (const auto& [id, r] : results) {
    if (r.error) ++errors;
    latency += r.latency_ms;
    SL_TRY(f, join.facts(r.trace_id));
    input_tokens += f->input_tokens;
    output_tokens += f->output_tokens;
    total_tokens += f->total_tokens;
    cost += f->cost_usd;
    for (const auto& sc : f->scores) {
      Tally& t = tallies[sc.name];
      ++t.count;
      if (sc.type != ScoreType::categorical) {
        ++t.numeric;
        t.sum += sc.number;
      }
    }
  }
  const auto done = static_cast<int64_t>(results.size());
  bj::object scores;
  for (const auto& [name, t] : tallies)
    scores[name] = bj::object{{"count", t.count},
                              {"average", t.numeric ? bj::value(t.sum / static_cast<double>(t.numeric)) : nullptr}};
  bj::object o = dataset_run_json(run);
  o["aggregates"] = bj::object{{"itemsDone", done},
                               {"errors", errors},
                               {"averageLatencyMs", done ? bj::value(latency / static_cast<double>(done)) : nullptr},
                               {"inputTokens", input_tokens},
                               {"outputTokens", output_tokens},
                               {"totalTokens", total_tokens},
                               {"costUsd", cost},
                               {"scores", std::move(scores)}};
  return o;
}

Result<bj::object> run_reply(Services& s, int64_t project_id, const DatasetRun& run) {
  SL_TRY(results, all_results(s, project_id, run));
  TraceJoin join(s, project_id);
  return run_with_aggregates(run, results, join);
}

Result<std::vector<int64_t>> compared_ids(const http::Context& ctx) {
  auto text = ctx.query_param("runs");
  if (!text || text->empty()) return bad("runs is required: the ids of the runs to compare, e.g. runs=1,2");
  std::vector<int64_t> ids;
  std::string_view rest = *text;
  while (!rest.empty() || ids.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    int64_t id = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
    if (ec != std::errc() || p != part.data() + part.size() || id <= 0)
      return bad(fmt::format("runs: '{}' is not a run id", std::string(part.substr(0, 64))));
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) return bad(fmt::format("runs: run {} is named twice", id));
    ids.push_back(id);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
    if (rest.empty()) return bad("runs: an id is missing after the last comma");
  }
  if (ids.size() > kMaxCompared) return bad(fmt::format("runs: at most {} runs are compared at once", kMaxCompared));
  return ids;
}

Result<int> limit_of(http::Context& ctx) {
  SL_TRY(limit, int_param(ctx, "limit", 1, 500));
  return static_cast<int>(limit.value_or(100));
}

template <typename F>
http::Handler run_route(Services& s, Scope scope, bool with_body, QueryParams query, F body) {
  return guarded(s, scope, with_body, query,
                 [body](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                   const std::string& name = ctx.params["name"];
                   if (name.empty() || name.size() > 128) return bad("dataset name must be 1 to 128 characters");
                   return body(who, ctx, o);
                 });
}

}  // namespace

Result<bj::object> dataset_run_reply(Services& s, int64_t project_id, const DatasetRun& run) {
  return run_reply(s, project_id, run);
}

void add_dataset_run_routes(http::Router& router, Services& s) {
  const std::string base = "/evaluations/v1/datasets/{name}";
  add_product_route(
      router, verb::post, base + "/runs",
      run_route(s, Scope::evaluations_write, true, {},
                [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                  if (auto st = only_fields(o, {"name", "description", "metadata", "version"}, ""); !st)
                    return st.error();
                  DatasetRun run;
                  run.dataset = ctx.params["name"];
                  run.created_by = who.actor;
                  SL_TRY(name, json::opt_string(o, "name", "name"));
                  if (name && (name->empty() || name->size() > kMaxRunName))
                    return bad(fmt::format("name must be 1 to {} characters", kMaxRunName));
                  run.name = name.value_or(format_iso8601(now_micros()));
                  SL_TRY(description, json::opt_string(o, "description", "description"));
                  if (description && description->size() > kMaxDescription)
                    return bad(fmt::format("description is longer than {} characters", kMaxDescription));
                  run.description = description.value_or("");
                  SL_TRY(metadata, object_text(o, "metadata"));
                  run.metadata = metadata;
                  SL_TRY(version, json::opt_int(o, "version", "version"));
                  if (version && *version < 0) return bad("version must be >= 0");
                  SL_TRY(created, s.meta.create_dataset_run(who.project_id, run, version));
                  bj::object out = dataset_run_json(created);
                  out["aggregates"] = bj::object{{"itemsDone", 0},    {"errors", 0},      {"averageLatencyMs", nullptr},
                                                 {"inputTokens", 0},  {"outputTokens", 0}, {"totalTokens", 0},
                                                 {"costUsd", 0.0},    {"scores", bj::object{}}};
                  return http::json_reply(201, out);
                }));
  add_product_route(router, verb::get, base + "/runs",
                    run_route(s, Scope::evaluations_read, false, {},
                              [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                                SL_TRY(runs, s.meta.list_dataset_runs(who.project_id, ctx.params["name"]));
                                bj::array out;
                                for (const auto& r : runs) out.push_back(dataset_run_json(r));
                                return http::json_reply(200, bj::object{{"runs", std::move(out)}});
                              }));
  add_product_route(router, verb::get, base + "/runs/{id}",
                    run_route(s, Scope::evaluations_read, false, {},
                              [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                                SL_TRY(id, run_id(ctx));
                                SL_TRY(run, existing_run(s, who.project_id, ctx.params["name"], id));
                                SL_TRY(out, run_reply(s, who.project_id, run));
                                return http::json_reply(200, out);
                              }));
  // Idempotent per item: a result sent again replaces the item's earlier one.
  add_product_route(
      router, verb::post, base + "/runs/{id}/results",
      run_route(s, Scope::evaluations_write, true, {},
                [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                  SL_TRY(id, run_id(ctx));
                  if (auto st = only_fields(o, {"results"}, ""); !st) return st.error();
                  const bj::value* list = o.if_contains("results");
                  if (!list || !list->is_array()) return bad("results must be an array of item results");
                  const bj::array& items = list->get_array();
                  if (items.empty() || items.size() > kMaxBatch)
                    return bad(fmt::format("results must hold 1 to {} item results", kMaxBatch));
                  std::vector<DatasetRunResult> results;
                  std::set<std::string> seen;
                  for (size_t i = 0; i < items.size(); ++i) {
                    SL_TRY(r, result_from_json(items[i], i));
                    if (!seen.insert(r.item_id).second)
                      return bad(fmt::format("results[{}]: item '{}' appears twice in one batch", i, r.item_id));
                    results.push_back(std::move(r));
                  }
                  if (auto st = s.meta.put_dataset_run_results(who.project_id, ctx.params["name"], id, results); !st)
                    return st.error();
                  return http::json_reply(200, bj::object{{"runId", id},
                                                          {"accepted", static_cast<int64_t>(results.size())}});
                }));
  add_product_route(
      router, verb::post, base + "/runs/{id}/finish",
      run_route(s, Scope::evaluations_write, true, {},
                [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                  SL_TRY(id, run_id(ctx));
                  if (auto st = only_fields(o, {"status", "summary"}, ""); !st) return st.error();
                  SL_TRY(status, json::opt_string(o, "status", "status"));
                  if (status && *status != "finished" && *status != "failed")
                    return bad("status must be 'finished' or 'failed'");
                  SL_TRY(summary, object_text(o, "summary"));
                  SL_TRY(run, s.meta.finish_dataset_run(who.project_id, ctx.params["name"], id,
                                                        status.value_or("finished"), summary));
                  SL_TRY(out, run_reply(s, who.project_id, run));
                  return http::json_reply(200, out);
                }));
  add_product_route(
      router, verb::get, base + "/runs/{id}/results",
      run_route(s, Scope::evaluations_read, false, kPageParams,
                [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                  SL_TRY(id, run_id(ctx));
                  DatasetRunResultQuery q;
                  SL_TRY(limit, limit_of(ctx));
                  q.limit = limit;
                  q.cursor = ctx.query_param("cursor");
                  SL_TRY(page, s.meta.list_dataset_run_results(who.project_id, ctx.params["name"], id, q));
                  TraceJoin join(s, who.project_id);
                  bj::array out;
                  for (const auto& r : page.results) {
                    SL_TRY(f, join.facts(r.trace_id));
                    out.push_back(result_json(r, *f));
                  }
                  return http::json_reply(
                      200, bj::object{{"results", std::move(out)},
                                      {"nextCursor", page.next_cursor ? bj::value(*page.next_cursor) : nullptr}});
                }));
  // Rows are the items of the newest dataset version among the runs compared, a page at a
  // time; each row holds every run's result for the item (null where a run has none).
  add_product_route(
      router, verb::get, base + "/compare",
      run_route(s, Scope::evaluations_read, false, kCompareParams,
                [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                  const std::string& name = ctx.params["name"];
                  SL_TRY(ids, compared_ids(ctx));
                  SL_TRY(limit, limit_of(ctx));
                  std::vector<DatasetRun> runs;
                  int64_t version = 0;
                  for (int64_t id : ids) {
                    SL_TRY(run, existing_run(s, who.project_id, name, id));
                    version = std::max(version, run.dataset_version);
                    runs.push_back(std::move(run));
                  }
                  TraceJoin join(s, who.project_id);
                  std::vector<std::map<std::string, DatasetRunResult>> results;
                  bj::array run_rows;
                  for (const auto& run : runs) {
                    SL_TRY(all, all_results(s, who.project_id, run));
                    SL_TRY(row, run_with_aggregates(run, all, join));
                    run_rows.push_back(std::move(row));
                    results.push_back(std::move(all));
                  }
                  DatasetItemQuery q;
                  q.version = version;
                  q.limit = limit;
                  q.cursor = ctx.query_param("cursor");
                  SL_TRY(page, s.meta.list_dataset_items(who.project_id, name, q));
                  bj::array rows;
                  for (const auto& item : page.items) {
                    bj::object item_json = dataset_item_json(item);
                    bj::array per_run;
                    for (const auto& of_run : results) {
                      auto it = of_run.find(item.id);
                      if (it == of_run.end()) {
                        per_run.push_back(nullptr);
                        continue;
                      }
                      SL_TRY(f, join.facts(it->second.trace_id));
                      per_run.push_back(result_json(it->second, *f));
                    }
                    rows.push_back(bj::object{{"itemId", item.id},
                                              {"input", item_json["input"]},
                                              {"expectedOutput", item_json["expectedOutput"]},
                                              {"metadata", item_json["metadata"]},
                                              {"results", std::move(per_run)}});
                  }
                  return http::json_reply(
                      200, bj::object{{"dataset", name},
                                      {"version", version},
                                      {"runs", std::move(run_rows)},
                                      {"items", std::move(rows)},
                                      {"nextCursor", page.next_cursor ? bj::value(*page.next_cursor) : nullptr}});
                }));
}

}  // namespace stacklens::api
