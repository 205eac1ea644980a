#include "storage/clickhouse/ch_statements.h"

#include <fmt/format.h>

#include <algorithm>

#include "storage/clickhouse/ch_text.h"
#include "storage/sqlite/span_codec.h"

namespace stacklens::clickhouse::sql {

namespace {

// The value of CostSource::unpriced as stored in cost_source.
constexpr int kUnpriced = static_cast<int>(CostSource::unpriced);

std::string on_cluster(const Target& t) { return t.cluster.empty() ? "" : " ON CLUSTER " + t.cluster; }

// ReplacingMergeTree keeping the row with the highest `version`, replicated on a cluster.
std::string engine(const Target& t, const std::string& table, const std::string& version) {
  if (t.cluster.empty()) return fmt::format("ReplacingMergeTree({})", version);
  return fmt::format("ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{}/{}', '{{replica}}', {})", t.database,
                     table, version);
}

// DateTime literal of a second, clamped to DateTime's range (partition pruning reads it).
std::string datetime(int64_t seconds) {
  return fmt::format("toDateTime({})", std::clamp<int64_t>(seconds, 0, 4294967295LL));
}

int64_t floor_seconds(int64_t us) { return us >= 0 ? us / 1000000 : (us - 999999) / 1000000; }

// Traces with a span that started in [from, to) (a superset of those that started there: a
// trace starts with its earliest span), found without FINAL: copies do not change the set.
std::string spans_in_period(const Target& t, int64_t project_id, std::optional<int64_t> from_us,
                            std::optional<int64_t> to_us, const std::string& also = "") {
  std::string where = fmt::format("project_id = {}", project_id);
  if (from_us) where += fmt::format(" AND start_us >= {} AND start_time >= {}", *from_us, datetime(floor_seconds(*from_us)));
  if (to_us) where += fmt::format(" AND start_us < {} AND start_time <= {}", *to_us, datetime(floor_seconds(*to_us)));
  if (!also.empty()) where += " AND " + also;
  return fmt::format("SELECT trace_id FROM {}.spans WHERE {}", t.database, where);
}

// One row per trace of the project, from its spans (each span once: FINAL), with the trace's
// sums under t_* names, as the SQLite store's trace row keeps them: the name of its root span
// (the earliest root; the earliest span until a root is stored), its first span's session and
// user (by arrival), errors and unpriced spans counted. `prefilter` narrows the traces read.
std::string trace_sums(const Target& t, int64_t project_id, const std::string& prefilter, const std::string& extra) {
  std::string sql = fmt::format(
      "SELECT trace_id, argMin(name, (has_parent, start_us)) AS t_name, min(start_us) AS t_start, "
      "max(end_us) AS t_end, countIf(status = 'error') AS t_errors, count() AS t_spans, sum(input_tokens) AS t_input, "
      "sum(output_tokens) AS t_output, sum(total_tokens) AS t_total, sum(cost_usd) AS t_cost, "
      "argMinIf(session_id, seq, session_id != '') AS t_session, argMinIf(user_id, seq, user_id != '') AS t_user, "
      "countIf(cost_source = {}) AS t_unpriced{} FROM {}.spans FINAL WHERE project_id = {}",
      kUnpriced, extra, t.database, project_id);
  if (!prefilter.empty()) sql += " AND trace_id IN (" + prefilter + ")";
  return sql + " GROUP BY trace_id";
}

std::string period_traces(const Target& t, int64_t project_id, const PeriodListQuery& q, const std::string& also) {
  return trace_sums(t, project_id, spans_in_period(t, project_id, q.from_us, q.to_us, also), "") +
         fmt::format(" HAVING t_start >= {} AND t_start < {}", q.from_us, q.to_us);
}

std::string_view order_column(std::string_view sort) {
  static constexpr std::pair<std::string_view, std::string_view> kColumns[] = {
      {"last", "last_us"}, {"first", "first_us"}, {"traces", "traces"}, {"sessions", "sessions"},
      {"tokens", "tokens"}, {"cost", "cost"},     {"errors", "errs"}};
  const auto* it = std::find_if(std::begin(kColumns), std::end(kColumns), [&](const auto& c) { return c.first == sort; });
  return it == std::end(kColumns) ? "last_us" : it->second;
}

}  // namespace

std::string create_database(const Target& t) {
  return fmt::format("CREATE DATABASE IF NOT EXISTS {}{}", t.database, on_cluster(t));
}

std::string create_version_table(const Target& t) {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.stacklens_schema{} (version UInt32, applied_us Int64) ENGINE = {} ORDER BY version",
      t.database, on_cluster(t), engine(t, "stacklens_schema", "applied_us"));
}

std::string read_version(const Target& t) {
  return fmt::format("SELECT max(version) FROM {}.stacklens_schema", t.database);
}

std::string record_version(const Target& t, int version, int64_t now_us) {
  return fmt::format("INSERT INTO {}.stacklens_schema (version, applied_us) VALUES ({}, {})", t.database, version, now_us);
}

std::vector<std::vector<std::string>> migrations(const Target& t) {
  return {
      {fmt::format(
          "CREATE TABLE IF NOT EXISTS {}.spans{} (project_id Int64, trace_id String, span_id String, "
          "parent_span_id String, has_parent UInt8, name String, kind String, status String, start_us Int64, "
          "end_us Int64, start_time DateTime MATERIALIZED toDateTime(intDiv(start_us, 1000000)), latency_bucket UInt8, "
          "is_llm UInt8, model String, provider String, "
          "input_tokens Int64, output_tokens Int64, total_tokens Int64, cost_usd Float64, cost_source UInt8, "
          "temperature Nullable(Float64), max_tokens Nullable(Int64), is_streaming UInt8, "
          "finish_reason Nullable(String), cache_read_tokens Int64, cache_write_tokens Int64, reasoning_tokens Int64, "
          "attributes String, tags String, events String, session_id String, user_id String, prompt String, "
          "prompt_key Int32, completion String, completion_key Int32, seq UInt64) "
          "ENGINE = {} PARTITION BY toYYYYMMDD(start_time) ORDER BY (project_id, trace_id, span_id)",
          t.database, on_cluster(t), engine(t, "spans", "seq"))},
  };
}

std::string insert_spans(const Target& t) {
  return fmt::format("INSERT INTO {}.spans ({}) FORMAT TabSeparated", t.database, kSpanColumns);
}

std::string trace_spans(const Target& t, int64_t project_id, const std::string& trace_id) {
  return fmt::format("SELECT {} FROM {}.spans FINAL WHERE project_id = {} AND trace_id = {} ORDER BY start_us, seq",
                     kSpanColumns, t.database, project_id, quote(trace_id));
}

std::string count_spans(const Target& t) { return fmt::format("SELECT count() FROM {}.spans FINAL", t.database); }

std::string ping() { return "SELECT 1"; }

std::string replica_state(const Target& t) {
  return fmt::format("SELECT is_readonly FROM system.replicas WHERE database = {} AND table = 'spans'", quote(t.database));
}

std::string trace_page(const Target& t, int64_t project_id, const TraceFilter& f,
                       const std::optional<std::pair<int64_t, std::string>>& after) {
  // Traces read: those with a span in the period, of the session or user asked for (their
  // first span carries it, so it is among them).
  std::string also;
  if (f.session_id) also = "session_id = " + quote(*f.session_id);
  else if (f.user_id) also = "user_id = " + quote(*f.user_id);
  std::string prefilter;
  if (f.from_us || f.to_us || !also.empty()) prefilter = spans_in_period(t, project_id, f.from_us, f.to_us, also);
  std::string sql = trace_sums(t, project_id, prefilter,
                               ", groupUniqArrayIf(model, is_llm = 1) AS t_models, "
                               "groupUniqArrayIf(provider, is_llm = 1) AS t_providers, groupUniqArray(tags) AS t_tags");
  std::vector<std::string> having;
  if (f.from_us) having.push_back(fmt::format("t_start >= {}", *f.from_us));
  if (f.to_us) having.push_back(fmt::format("t_start < {}", *f.to_us));
  if (f.status == "error") having.push_back("t_errors > 0");
  if (f.status == "ok") having.push_back("t_errors = 0");
  if (f.min_latency_ms)
    having.push_back(fmt::format("(t_end - t_start) >= {}", static_cast<int64_t>(*f.min_latency_ms * 1000.0)));
  if (f.min_cost_usd) having.push_back(fmt::format("t_cost >= {}", *f.min_cost_usd));
  if (f.unpriced) having.push_back(*f.unpriced ? "t_unpriced > 0" : "t_unpriced = 0");
  if (f.session_id) having.push_back("t_session = " + quote(*f.session_id));
  if (f.user_id) having.push_back("t_user = " + quote(*f.user_id));
  // Span-level filters: some span of the trace matches; tags and attributes by the same JSON
  // needles as the SQLite store.
  if (f.name) having.push_back("countIf(name = " + quote(*f.name) + ") > 0");
  if (f.model) having.push_back("countIf(model = " + quote(*f.model) + " AND is_llm = 1) > 0");
  if (f.provider) having.push_back("countIf(provider = " + quote(*f.provider) + " AND is_llm = 1) > 0");
  for (const auto& tag : f.tags)
    having.push_back("countIf(position(tags, " + quote(sqlite::tag_needle(tag)) + ") > 0) > 0");
  for (const auto& [k, v] : f.attributes)
    having.push_back("countIf(position(attributes, " + quote(sqlite::attribute_needle(k, v)) + ") > 0) > 0");
  const char* past = f.oldest_first ? ">" : "<";
  if (after) having.push_back(fmt::format("(t_start, trace_id) {} ({}, {})", past, after->first, quote(after->second)));
  for (size_t i = 0; i < having.size(); ++i) sql += (i == 0 ? " HAVING " : " AND ") + having[i];
  sql += f.oldest_first ? " ORDER BY t_start, trace_id" : " ORDER BY t_start DESC, trace_id DESC";
  return sql + fmt::format(" LIMIT {}", f.limit + 1);
}

std::string session_page(const Target& t, int64_t project_id, const PeriodListQuery& q) {
  return fmt::format(
      "SELECT t_session, max(t_user), min(t_start) AS first_us, max(t_start) AS last_us, count() AS traces, "
      "sum(t_total) AS tokens, sum(t_cost) AS cost, countIf(t_errors > 0) AS errs FROM ({}) WHERE t_session != ''{} "
      "GROUP BY t_session ORDER BY {} {}, t_session LIMIT {}, {}",
      period_traces(t, project_id, q, ""), q.user_id ? " AND t_user = " + quote(*q.user_id) : "",
      order_column(q.sort), q.ascending ? "ASC" : "DESC", q.offset, q.limit + 1);
}

std::string user_page(const Target& t, int64_t project_id, const PeriodListQuery& q) {
  return fmt::format(
      "SELECT t_user, min(t_start) AS first_us, max(t_start) AS last_us, count() AS traces, "
      "uniqExactIf(t_session, t_session != '') AS sessions, sum(t_total) AS tokens, sum(t_cost) AS cost, "
      "countIf(t_errors > 0) AS errs FROM ({}) WHERE t_user != '' "
      "GROUP BY t_user ORDER BY {} {}, t_user LIMIT {}, {}",
      period_traces(t, project_id, q, ""), order_column(q.sort), q.ascending ? "ASC" : "DESC", q.offset, q.limit + 1);
}

namespace {

std::string traces_started_in(const Target& t, int64_t project_id, int64_t from_us, int64_t to_us) {
  PeriodListQuery q;
  q.from_us = from_us;
  q.to_us = to_us;
  return "SELECT trace_id FROM (" + period_traces(t, project_id, q, "") + ")";
}

}  // namespace

std::string period_span_count(const Target& t, int64_t project_id, int64_t from_us, int64_t to_us) {
  return fmt::format("SELECT count() FROM {}.spans FINAL WHERE project_id = {} AND trace_id IN ({})", t.database,
                     project_id, traces_started_in(t, project_id, from_us, to_us));
}

std::string period_span_page(const Target& t, int64_t project_id, int64_t from_us, int64_t to_us,
                             const std::pair<std::string, std::string>& after, int limit) {
  return fmt::format(
      "SELECT {} FROM {}.spans FINAL WHERE project_id = {} AND trace_id IN ({}) AND (trace_id, span_id) > ({}, {}) "
      "ORDER BY trace_id, span_id LIMIT {}",
      kSpanColumns, t.database, project_id, traces_started_in(t, project_id, from_us, to_us), quote(after.first),
      quote(after.second), limit);
}

std::string metrics(const Target& t, int64_t project_id, const MetricsQuery& q, int64_t level, int64_t from_s,
                    int64_t to_s) {
  const char* group = "''";
  switch (q.group_by) {
    case GroupBy::none: group = "''"; break;
    case GroupBy::model: group = "model"; break;
    case GroupBy::provider: group = "provider"; break;
    case GroupBy::name: group = "name"; break;
  }
  return fmt::format(
      "SELECT bucket, grp, latency_bucket, count(), countIf(status = 'error'), sum(input_tokens), sum(output_tokens), "
      "sum(cost_usd), countIf(cost_source = {0}), sumIf(greatest(total_tokens, input_tokens + output_tokens), "
      "cost_source = {0}) FROM (SELECT intDiv(intDiv(start_us, 1000000), {1}) * {1} AS bucket, {2} AS grp, "
      "latency_bucket, status, input_tokens, output_tokens, total_tokens, cost_usd, cost_source FROM {3}.spans FINAL "
      "WHERE project_id = {4} AND start_time >= {5} AND start_time < {6}{7}) WHERE bucket >= {8} AND bucket < {9} "
      "GROUP BY bucket, grp, latency_bucket",
      kUnpriced, level, group, t.database, project_id, datetime(from_s), datetime(to_s + level),
      q.kind ? " AND is_llm = 1" : "", from_s, to_s);
}

}  // namespace stacklens::clickhouse::sql
