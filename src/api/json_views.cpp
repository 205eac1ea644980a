#include "api/json_views.h"

#include <map>

#include "core/json.h"

namespace stacklens::api {
namespace bj = boost::json;
namespace {

bj::array strings(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

double ms(Micros us) { return static_cast<double>(us) / 1000.0; }

}  // namespace

bj::object span_json(const Span& s) {
  bj::object o;
  o["traceId"] = s.trace_id;
  o["spanId"] = s.span_id;
  o["parentSpanId"] = json::or_null(s.parent_span_id);
  o["name"] = s.name;
  o["kind"] = s.kind;
  o["status"] = s.status;
  o["startTime"] = format_iso8601(s.start_us);
  o["endTime"] = format_iso8601(s.end_us);
  o["latencyMs"] = ms(s.latency_us());
  o["attributes"] = attributes_object(s.attributes, s.typed_attributes);
  o["tags"] = strings(s.tags);
  bj::array events;
  for (const auto& e : s.events) {
    events.push_back(bj::object{{"name", e.name}, {"time", format_iso8601(e.time_us)},
                                {"attributes", attributes_object(e.attributes, e.typed_attributes)}});
  }
  o["events"] = std::move(events);
  if (s.llm) {
    const LlmData& l = *s.llm;
    o["llmSpan"] = bj::object{{"model", l.model},
                              {"provider", l.provider},
                              {"inputTokens", l.input_tokens},
                              {"outputTokens", l.output_tokens},
                              {"totalTokens", l.total_tokens},
                              {"estimatedCostUsd", l.cost_usd},
                              {"costSource", cost_source_name(l.cost_source)},
                              {"cacheReadTokens", l.cache_read_tokens},
                              {"cacheWriteTokens", l.cache_write_tokens},
                              {"reasoningTokens", l.reasoning_tokens},
                              {"temperature", json::or_null(l.temperature)},
                              {"maxTokens", json::or_null(l.max_tokens)},
                              {"promptContent", json::or_null(l.prompt)},
                              {"completionContent", json::or_null(l.completion)},
                              {"isStreaming", l.is_streaming},
                              {"finishReason", json::or_null(l.finish_reason)}};
  } else {
    o["llmSpan"] = nullptr;
  }
  return o;
}

bj::object trace_summary_json(const TraceSummary& t) {
  return bj::object{{"traceId", t.trace_id},
                    {"name", t.name},
                    {"startTime", format_iso8601(t.start_us)},
                    {"endTime", format_iso8601(t.end_us)},
                    {"latencyMs", ms(t.end_us - t.start_us)},
                    {"status", t.status},
                    {"spanCount", t.span_count},
                    {"models", strings(t.models)},
                    {"providers", strings(t.providers)},
                    {"inputTokens", t.input_tokens},
                    {"outputTokens", t.output_tokens},
                    {"totalTokens", t.total_tokens},
                    {"costUsd", t.cost_usd},
                    {"unpricedSpans", t.unpriced_spans},
                    {"tags", strings(t.tags)},
                    {"sessionId", json::or_null(t.session_id)},
                    {"userId", json::or_null(t.user_id)}};
}

bj::object session_summary_json(const SessionSummary& s) {
  return bj::object{{"sessionId", s.session_id},
                    {"userId", json::or_null(s.user_id)},
                    {"firstTime", format_iso8601(s.first_us)},
                    {"lastTime", format_iso8601(s.last_us)},
                    {"traceCount", s.traces},
                    {"totalTokens", s.total_tokens},
                    {"costUsd", s.cost_usd},
                    {"errors", s.errors}};
}

bj::object user_summary_json(const UserSummary& u) {
  return bj::object{{"userId", u.user_id},
                    {"firstTime", format_iso8601(u.first_us)},
                    {"lastTime", format_iso8601(u.last_us)},
                    {"traceCount", u.traces},
                    {"sessionCount", u.sessions},
                    {"totalTokens", u.total_tokens},
                    {"costUsd", u.cost_usd},
                    {"errors", u.errors}};
}

bj::object session_view_json(const query::SessionView& v) {
  bj::array traces;
  for (const auto& t : v.traces) traces.push_back(trace_detail_json(t));
  return bj::object{{"sessionId", v.session_id},
                    {"traces", std::move(traces)},
                    {"nextCursor", json::or_null(v.next_cursor)}};
}

bj::object trace_detail_json(const query::TraceView& v) {
  bj::object o = trace_summary_json(v.summary);
  bj::array flat;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < v.spans.size(); ++i) {
    flat.push_back(span_json(v.spans[i]));
    index[v.spans[i].span_id] = i;
  }
  // Children in start order; a span whose parent has not arrived is shown as a root.
  std::vector<std::vector<size_t>> children(v.spans.size());
  std::vector<size_t> roots;
  for (size_t i = 0; i < v.spans.size(); ++i) {
    const auto& parent = v.spans[i].parent_span_id;
    auto it = parent ? index.find(*parent) : index.end();
    if (it != index.end() && it->second != i) children[it->second].push_back(i);
    else roots.push_back(i);
  }
  // Iterative build so that a deep tree cannot exhaust the stack; a cycle cannot
  // occur because each span is placed once, under its first-seen parent.
  std::vector<bj::object> nodes(v.spans.size());
  std::vector<bool> placed(v.spans.size(), false);
  std::vector<size_t> order;
  std::vector<size_t> stack(roots.rbegin(), roots.rend());
  while (!stack.empty()) {
    const size_t i = stack.back();
    stack.pop_back();
    if (placed[i]) continue;
    placed[i] = true;
    order.push_back(i);
    for (auto c = children[i].rbegin(); c != children[i].rend(); ++c) stack.push_back(*c);
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const size_t i = *it;
    bj::object node = flat[i].get_object();
    bj::array kids;
    for (size_t c : children[i])
      if (placed[c]) kids.push_back(std::move(nodes[c]));
    node["children"] = std::move(kids);
    nodes[i] = std::move(node);
  }
  bj::array tree;
  for (size_t r : roots) tree.push_back(std::move(nodes[r]));
  // Spans in a parent cycle (a -> b -> a) are unreachable from any root: show them as roots.
  for (size_t i = 0; i < v.spans.size(); ++i)
    if (!placed[i]) {
      bj::object node = flat[i].get_object();
      node["children"] = bj::array();
      tree.push_back(std::move(node));
    }
  o["spans"] = std::move(flat);
  o["tree"] = std::move(tree);
  return o;
}

bj::object metrics_json(const MetricsQuery& q, const std::vector<MetricsSeries>& series) {
  bj::array out;
  for (const auto& s : series) {
    bj::array points;
    for (const auto& p : s.points)
      points.push_back(bj::object{{"time", format_iso8601(p.bucket_us)},
                                  {"requests", p.requests},
                                  {"errors", p.errors},
                                  {"inputTokens", p.input_tokens},
                                  {"outputTokens", p.output_tokens},
                                  {"costUsd", p.cost_usd},
                                  {"unpricedSpans", p.unpriced_spans},
                                  {"unpricedTokens", p.unpriced_tokens},
                                  {"latencyP50Ms", p.latency_p50_ms},
                                  {"latencyP95Ms", p.latency_p95_ms},
                                  {"latencyP99Ms", p.latency_p99_ms}});
    out.push_back(bj::object{{"group", s.group}, {"points", std::move(points)}});
  }
  return bj::object{{"from", format_iso8601(q.from_us)},
                    {"to", format_iso8601(q.to_us)},
                    {"intervalSeconds", q.interval_us / 1000000},
                    {"series", std::move(out)}};
}

bj::object prompt_json(const Prompt& p) {
  bj::object envs;
  for (const auto& e : p.environments)
    envs[e.env] = bj::object{{"version", e.version}, {"updatedBy", e.updated_by}, {"updatedAt", format_iso8601(e.updated_us)}};
  return bj::object{{"name", p.name},
                    {"description", p.description},
                    {"latestVersion", p.latest_version},
                    {"createdBy", p.created_by},
                    {"createdAt", format_iso8601(p.created_us)},
                    {"environments", std::move(envs)}};
}

bj::object version_json(const PromptVersion& v, bool with_content) {
  bj::object o{{"version", v.version},
               {"message", v.message},
               {"createdBy", v.created_by},
               {"createdAt", format_iso8601(v.created_us)}};
  if (with_content) o["content"] = v.content;
  return o;
}

bj::object promotion_json(const Promotion& p) {
  bj::object o{{"env", p.env}, {"version", p.version}, {"by", p.by}, {"at", format_iso8601(p.at_us)}};
  o["rolledBackAt"] = p.rolled_back_us ? bj::value(format_iso8601(*p.rolled_back_us)) : bj::value(nullptr);
  o["rolledBackBy"] = p.rolled_back_us ? bj::value(p.rolled_back_by) : bj::value(nullptr);
  o["requestId"] = p.request_id ? bj::value(*p.request_id) : bj::value(nullptr);
  o["approvedBy"] = p.approved_by.empty() ? bj::value(nullptr) : bj::value(p.approved_by);
  return o;
}

namespace {
bj::value opt_text(const std::optional<std::string>& s) { return s ? bj::value(*s) : bj::value(nullptr); }
bj::value opt_time(const std::optional<Micros>& t) { return t ? bj::value(format_iso8601(*t)) : bj::value(nullptr); }
}  // namespace

bj::object protection_json(const EnvironmentProtection& e) {
  return bj::object{{"env", e.env},
                    {"protected", e.is_protected},
                    {"updatedBy", e.updated_by.empty() ? bj::value(nullptr) : bj::value(e.updated_by)},
                    {"updatedAt", e.updated_by.empty() ? bj::value(nullptr) : bj::value(format_iso8601(e.updated_us))}};
}

bj::object request_json(const PromotionRequest& r) {
  return bj::object{{"id", r.id},
                    {"prompt", r.prompt},
                    {"env", r.env},
                    {"version", r.version},
                    {"status", r.status},
                    {"requestedBy", r.requested_by},
                    {"requestedAt", format_iso8601(r.requested_us)},
                    {"comment", opt_text(r.comment)},
                    {"decidedBy", opt_text(r.decided_by)},
                    {"decidedAt", opt_time(r.decided_us)},
                    {"decisionComment", opt_text(r.decision_comment)}};
}

bj::object variant_json(const ExperimentVariant& v, bool with_content) {
  bj::object o{{"label", v.label}, {"version", v.version}, {"weight", v.weight}};
  if (with_content) o["content"] = v.content;
  return o;
}

bj::object experiment_json(const Experiment& e) {
  bj::array variants;
  for (const auto& v : e.variants) variants.push_back(variant_json(v, false));
  return bj::object{{"id", e.id},
                    {"prompt", e.prompt},
                    {"env", e.env},
                    {"name", e.name},
                    {"status", e.status},
                    {"variants", std::move(variants)},
                    {"startedBy", e.started_by},
                    {"startedAt", format_iso8601(e.started_us)},
                    {"endedBy", opt_text(e.ended_by)},
                    {"endedAt", opt_time(e.ended_us)},
                    {"chosenVersion", e.chosen_version ? bj::value(*e.chosen_version) : bj::value(nullptr)}};
}

bj::object key_json(const ApiKeyInfo& k) {
  bj::array scopes;
  for (const auto& s : scope_list(k.scopes)) scopes.emplace_back(s);
  return bj::object{{"id", k.id},
                    {"name", k.name},
                    {"prefix", k.prefix},
                    {"project", k.project_name},
                    {"scopes", std::move(scopes)},
                    {"createdAt", format_iso8601(k.created_us)},
                    {"lastUsedAt", k.last_used_us ? bj::value(format_iso8601(*k.last_used_us)) : bj::value(nullptr)},
                    {"revokedAt", k.revoked_us ? bj::value(format_iso8601(*k.revoked_us)) : bj::value(nullptr)}};
}

bj::object score_json(const Score& s) {
  bj::object o;
  o["id"] = s.id;
  o["traceId"] = s.trace_id;
  o["spanId"] = json::or_null(s.span_id);
  o["name"] = s.name;
  o["dataType"] = score_type_name(s.type);
  switch (s.type) {
    case ScoreType::numeric: o["value"] = s.number; break;
    case ScoreType::boolean: o["value"] = s.number != 0; break;
    case ScoreType::categorical: o["value"] = s.category; break;
  }
  o["comment"] = json::or_null(s.comment);
  o["source"] = s.source;
  o["author"] = json::or_null(s.author);
  o["createdAt"] = format_iso8601(s.created_us);
  o["updatedAt"] = format_iso8601(s.updated_us);
  return o;
}

bj::object score_config_json(const ScoreConfig& c) {
  bj::object o;
  o["name"] = c.name;
  o["dataType"] = score_type_name(c.type);
  o["min"] = json::or_null(c.min_value);
  o["max"] = json::or_null(c.max_value);
  o["categories"] = strings(c.categories);
  o["description"] = c.description;
  o["createdAt"] = format_iso8601(c.created_us);
  return o;
}

bj::object score_summary_json(const ScoreSummaryQuery& q, const std::vector<ScoreBucket>& buckets) {
  bj::array points;
  for (const auto& b : buckets) {
    bj::object p;
    p["time"] = format_iso8601(b.bucket_us);
    p["count"] = b.count;
    int64_t categorical = 0;
    bj::object cats;
    for (const auto& [c, n] : b.categories) cats[c] = n, categorical += n;
    p["average"] = categorical < b.count ? bj::value(b.average) : bj::value(nullptr);
    p["categories"] = std::move(cats);
    points.push_back(std::move(p));
  }
  return bj::object{{"name", q.name},
                    {"from", format_iso8601(q.from_us)},
                    {"to", format_iso8601(q.to_us)},
                    {"intervalSeconds", q.interval_us / 1000000},
                    {"points", std::move(points)}};
}

bj::object dataset_json(const Dataset& d) {
  bj::object o;
  o["name"] = d.name;
  o["description"] = d.description;
  o["version"] = d.version;
  o["itemCount"] = d.item_count;
  o["createdBy"] = d.created_by;
  o["createdAt"] = format_iso8601(d.created_us);
  o["updatedAt"] = format_iso8601(d.updated_us);
  return o;
}

bj::object dataset_item_json(const DatasetItem& i) {
  // The JSON values were checked when written; stored text that no longer parses is our bug.
  const auto value = [](const std::optional<std::string>& text) -> bj::value {
    if (!text) return nullptr;
    auto v = json::parse(*text);
    return v ? std::move(*v) : bj::value(nullptr);
  };
  bj::object o;
  o["id"] = i.id;
  o["input"] = value(i.input);
  o["expectedOutput"] = value(i.expected_output);
  o["metadata"] = value(i.metadata);
  o["sourceTraceId"] = json::or_null(i.source_trace_id);
  o["sourceSpanId"] = json::or_null(i.source_span_id);
  o["createdAt"] = format_iso8601(i.created_us);
  o["version"] = i.version;
  return o;
}

bj::object dataset_run_json(const DatasetRun& r) {
  const auto object = [](const std::optional<std::string>& text) -> bj::value {
    if (!text) return nullptr;
    auto v = json::parse(*text);
    return v ? std::move(*v) : bj::value(nullptr);
  };
  bj::object o;
  o["id"] = r.id;
  o["dataset"] = r.dataset;
  o["datasetVersion"] = r.dataset_version;
  o["name"] = r.name;
  o["description"] = r.description;
  o["metadata"] = object(r.metadata);
  o["status"] = r.status;
  o["createdBy"] = r.created_by;
  o["createdAt"] = format_iso8601(r.created_us);
  o["finishedAt"] = r.finished_us ? bj::value(format_iso8601(*r.finished_us)) : bj::value(nullptr);
  o["itemCount"] = r.item_count;
  o["summary"] = object(r.summary);
  return o;
}

bj::object judge_schema_json(const JudgeSchema& s) {
  bj::object o{{"type", score_type_name(s.type)}};
  if (s.type == ScoreType::numeric) o["min"] = s.min_value, o["max"] = s.max_value;
  if (s.type == ScoreType::categorical) o["categories"] = strings(s.categories);
  return o;
}

bj::object evaluator_json(const Evaluator& e) {
  bj::object o;
  o["name"] = e.name;
  o["description"] = e.description;
  o["template"] = e.template_text;
  o["connection"] = e.connection;
  o["model"] = json::or_null(e.model);
  o["output"] = judge_schema_json(e.output);
  o["createdBy"] = e.created_by;
  o["createdAt"] = format_iso8601(e.created_us);
  o["updatedAt"] = format_iso8601(e.updated_us);
  return o;
}

bj::object eval_rule_json(const EvalRule& r, const EvalRunTotals& totals) {
  bj::object attributes;
  for (const auto& [k, v] : r.filter.attributes) attributes[k] = v;
  bj::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["evaluator"] = r.evaluator;
  o["filter"] = bj::object{{"name", json::or_null(r.filter.name)},
                           {"model", json::or_null(r.filter.model)},
                           {"tags", strings(r.filter.tags)},
                           {"attributes", std::move(attributes)}};
  o["samplingRate"] = r.sampling_rate;
  o["delaySeconds"] = r.delay_seconds;
  o["paused"] = r.paused;
  o["createdBy"] = r.created_by;
  o["createdAt"] = format_iso8601(r.created_us);
  o["updatedAt"] = format_iso8601(r.updated_us);
  o["totals"] = bj::object{{"runs", totals.runs},
                           {"ok", totals.ok},
                           {"errors", totals.errors},
                           {"dropped", totals.dropped},
                           {"costUsd", totals.cost_usd}};
  return o;
}

bj::object eval_run_json(const EvalRun& r) {
  bj::object o;
  o["id"] = r.id;
  o["status"] = r.status;
  o["traceId"] = r.trace_id;
  o["spanId"] = r.span_id;
  o["scoreId"] = json::or_null(r.score_id);
  o["error"] = json::or_null(r.error);
  o["costUsd"] = r.cost_usd;
  o["judgeTraceId"] = json::or_null(r.judge_trace_id);
  o["createdAt"] = format_iso8601(r.created_us);
  o["spans"] = r.spans;
  return o;
}

}  // namespace stacklens::api
