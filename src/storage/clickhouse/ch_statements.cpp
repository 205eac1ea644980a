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
// user (by arrival: the highest version), errors and unpriced spans counted. `prefilter` narrows the traces read.
std::string trace_sums(const Target& t, int64_t project_id, const std::string& prefilter, const std::string& extra) {
  std::string sql = fmt::format(
      "SELECT trace_id, argMin(name, (has_parent, start_us)) AS t_name, min(start_us) AS t_start, "
      "max(end_us) AS t_end, countIf(status = 'error') AS t_errors, count() AS t_spans, sum(input_tokens) AS t_input, "
      "sum(output_tokens) AS t_output, sum(total_tokens) AS t_total, sum(cost_usd) AS t_cost, "
      "argMaxIf(session_id, version, session_id != '') AS t_session, "
      "argMaxIf(user_id, version, user_id != '') AS t_user, "
      "countIf(cost_source = {}) AS t_unpriced{} FROM {}.spans FINAL WHERE project_id = {}",
      kUnpriced, extra, t.database, project_id);
  if (!prefilter.empty()) sql += " AND trace_id IN (" + prefilter + ")";
  return sql + " GROUP BY trace_id";
}

// The columns of a trace list row.
constexpr const char* kTraceRowColumns =
    "trace_id, t_name, t_start, t_end, t_errors, t_spans, t_input, t_output, t_total, t_cost, t_session, t_user, "
    "t_unpriced, t_models, t_providers, t_tags";

// Traces with a score of that name (add the value's condition).
std::string scores_named(const Target& t, int64_t project_id, const std::string& name) {
  return fmt::format("SELECT trace_id FROM {}.scores FINAL WHERE project_id = {} AND deleted = 0 AND name = {}",
                     t.database, project_id, quote(name));
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

// The number a span row's attribute `key` holds as a JSON number (with strings_too, also as a
// string holding only a number), else NULL: the same values as sqlite::attribute_number_matches.
std::string attribute_number(const std::string& key, bool strings_too) {
  const std::string raw = "visitParamExtractRaw(attributes, " + quote(key) + ")";
  if (strings_too) return "toFloat64OrNull(replaceRegexpOne(" + raw + ", '^\"(.*)\"$', '\\\\1'))";
  return "toFloat64OrNull(if(substring(" + raw + ", 1, 1) = '\"', '', " + raw + "))";
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
          "prompt_key Int32, completion String, completion_key Int32, version UInt64) "
          "ENGINE = {} PARTITION BY toYYYYMMDD(start_time) ORDER BY (project_id, trace_id, span_id)",
          t.database, on_cluster(t), engine(t, "spans", "version")),
       fmt::format(
           "CREATE TABLE IF NOT EXISTS {}.scores{} (project_id Int64, id String, trace_id String, "
           "span_id Nullable(String), name String, data_type String, number Nullable(Float64), "
           "category Nullable(String), comment Nullable(String), source String, author Nullable(String), "
           "created_us Int64, updated_us Int64, deleted UInt8, version UInt64, "
           "created_time DateTime MATERIALIZED toDateTime(intDiv(created_us, 1000000))) "
           "ENGINE = {} PARTITION BY toYYYYMM(created_time) ORDER BY (project_id, id)",
           t.database, on_cluster(t), engine(t, "scores", "version"))},
  };
}

std::string insert_spans(const Target& t) {
  return fmt::format("INSERT INTO {}.spans ({}) FORMAT TabSeparated", t.database, kSpanColumns);
}

// Every stored copy of the trace's spans, without FINAL (on 18.16 FINAL makes this read ten times
// slower): the reader keeps each span's newest copy.
std::string trace_spans(const Target& t, int64_t project_id, const std::string& trace_id) {
  return fmt::format("SELECT {} FROM {}.spans WHERE project_id = {} AND trace_id = {} ORDER BY start_us, version DESC",
                     kSpanColumns, t.database, project_id, quote(trace_id));
}

std::string traces_spans(const Target& t, int64_t project_id, const std::vector<std::string>& trace_ids,
                         bool with_text) {
  std::string columns = kSpanColumns;
  if (!with_text) {
    constexpr std::string_view text = "prompt, prompt_key, completion, completion_key";
    columns.replace(columns.find(text), text.size(), "'', -1, '', -1");
  }
  std::string ids;
  for (const auto& id : trace_ids) ids += (ids.empty() ? "" : ", ") + quote(id);
  return fmt::format("SELECT {} FROM {}.spans WHERE project_id = {} AND trace_id IN ({}) "
                     "ORDER BY trace_id, start_us, version DESC",
                     columns, t.database, project_id, ids);
}

std::string count_spans(const Target& t) { return fmt::format("SELECT count() FROM {}.spans FINAL", t.database); }

std::string ping() { return "SELECT 1"; }

std::string replica_state(const Target& t) {
  return fmt::format("SELECT is_readonly FROM system.replicas WHERE database = {} AND table = 'spans'", quote(t.database));
}

std::string trace_page(const Target& t, int64_t project_id, const TraceFilter& f,
                       const std::optional<std::pair<int64_t, std::string>>& after, int64_t offset) {
  // Traces read: those with a span in the period, of the session or user asked for (their
  // first span carries it, so it is among them).
  std::string also;
  if (f.session_id) also = "session_id = " + quote(*f.session_id);
  else if (f.user_id) also = "user_id = " + quote(*f.user_id);
  std::string prefilter;
  if (f.from_us || f.to_us || !also.empty()) prefilter = spans_in_period(t, project_id, f.from_us, f.to_us, also);
  // Scores: a score of the trace (or of one of its spans) with that name and value.
  std::vector<std::string> scored;
  for (const auto& c : f.scores) {
    const std::string value = c.number ? fmt::format("number {} {}", c.op, *c.number) : "category " + c.op + " " + quote(c.text);
    scored.push_back(scores_named(t, project_id, c.name) + " AND " + value);
  }
  for (const auto& in : scored) prefilter = prefilter.empty() ? in : prefilter + " AND trace_id IN (" + in + ")";
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
  for (const auto& [k, v] : f.attributes) {
    const std::string needle = "position(attributes, " + quote(sqlite::attribute_needle(k, v)) + ") > 0";
    if (auto n = sqlite::decimal_number(v))
      having.push_back(fmt::format("countIf({} OR ifNull({} = {}, 0)) > 0", needle, attribute_number(k, false), *n));
    else
      having.push_back("countIf(" + needle + ") > 0");
  }
  for (const auto& c : f.attribute_numbers)
    having.push_back(fmt::format("countIf(ifNull({} {} {}, 0)) > 0", attribute_number(c.key, true), c.op, c.number));
  const char* past = f.oldest_first ? ">" : "<";
  if (after) having.push_back(fmt::format("(t_start, trace_id) {} ({}, {})", past, after->first, quote(after->second)));
  for (size_t i = 0; i < having.size(); ++i) sql += (i == 0 ? " HAVING " : " AND ") + having[i];
  if (f.sort_score) {
    // Only traces with that score, by its average (of numeric and boolean values).
    return fmt::format(
        "SELECT {} FROM ({}) AS page ANY INNER JOIN (SELECT trace_id, avg(number) AS t_score FROM {}.scores FINAL WHERE "
        "project_id = {} AND deleted = 0 AND name = {} AND isNotNull(number) GROUP BY trace_id) AS score USING trace_id "
        "ORDER BY t_score {}, t_start DESC, trace_id DESC LIMIT {}, {}",
        kTraceRowColumns, sql, t.database, project_id, quote(*f.sort_score), f.sort_ascending ? "ASC" : "DESC", offset,
        f.limit + 1);
  }
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

std::string insert_scores(const Target& t) {
  return fmt::format("INSERT INTO {}.scores ({}, project_id, deleted, version) FORMAT TabSeparated", t.database,
                     kScoreColumns);
}

std::string score_by_id(const Target& t, int64_t project_id, const std::string& id) {
  return fmt::format("SELECT {} FROM {}.scores FINAL WHERE project_id = {} AND id = {} AND deleted = 0", kScoreColumns,
                     t.database, project_id, quote(id));
}

std::string score_page(const Target& t, int64_t project_id, const ScoreFilter& f,
                       const std::optional<std::pair<int64_t, std::string>>& after) {
  std::string sql = fmt::format("SELECT {} FROM {}.scores FINAL WHERE project_id = {} AND deleted = 0", kScoreColumns,
                                t.database, project_id);
  if (f.trace_id) sql += " AND trace_id = " + quote(*f.trace_id);
  if (f.span_id) sql += " AND span_id = " + quote(*f.span_id);
  if (f.name) sql += " AND name = " + quote(*f.name);
  if (f.source) sql += " AND source = " + quote(*f.source);
  if (f.min_value) sql += fmt::format(" AND number >= {}", *f.min_value);
  if (f.max_value) sql += fmt::format(" AND number <= {}", *f.max_value);
  if (f.from_us) sql += fmt::format(" AND created_us >= {}", *f.from_us);
  if (f.to_us) sql += fmt::format(" AND created_us < {}", *f.to_us);
  if (after) sql += fmt::format(" AND (created_us, id) < ({}, {})", after->first, quote(after->second));
  return sql + fmt::format(" ORDER BY created_us DESC, id DESC LIMIT {}", f.limit + 1);
}

std::string scores_of_trace(const Target& t, int64_t project_id, const std::string& trace_id) {
  return fmt::format(
      "SELECT {} FROM {}.scores FINAL WHERE project_id = {} AND trace_id = {} AND deleted = 0 ORDER BY created_us, id",
      kScoreColumns, t.database, project_id, quote(trace_id));
}

std::string score_summary(const Target& t, int64_t project_id, const ScoreSummaryQuery& q) {
  return fmt::format(
      "SELECT intDiv(created_us - {2}, {4}) AS b, count(), avg(number), isNull(category) AS numeric, "
      "ifNull(category, '') AS c FROM {0}.scores FINAL WHERE project_id = {1} AND deleted = 0 AND name = {5} "
      "AND created_us >= {2} AND created_us < {3} GROUP BY b, numeric, c ORDER BY b, numeric, c",
      t.database, project_id, q.from_us, q.to_us, q.interval_us, quote(q.name));
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

std::string expired_span_count(const Target& t, int64_t project_id, int64_t before_us) {
  return fmt::format("SELECT count() FROM {}.spans WHERE project_id = {} AND start_us < {} AND start_time <= {}",
                     t.database, project_id, before_us, datetime(floor_seconds(before_us)));
}

std::string expire_spans(const Target& t, int64_t project_id, int64_t before_us) {
  return fmt::format("ALTER TABLE {}.spans DELETE WHERE project_id = {} AND start_us < {}", t.database, project_id,
                     before_us);
}

std::string expire_scores(const Target& t, int64_t project_id, int64_t before_us) {
  return fmt::format("ALTER TABLE {}.scores DELETE WHERE project_id = {} AND created_us < {}", t.database, project_id,
                     before_us);
}

std::string running_mutations(const Target& t) {
  return fmt::format("SELECT count() FROM system.mutations WHERE database = {} AND is_done = 0", quote(t.database));
}

std::string period_span_page(const Target& t, int64_t project_id, int64_t from_us, int64_t to_us,
                             const std::pair<std::string, std::string>& after, int limit) {
  return fmt::format(
      "SELECT {} FROM {}.spans FINAL WHERE project_id = {} AND trace_id IN ({}) AND (trace_id, span_id) > ({}, {}) "
      "ORDER BY trace_id, span_id LIMIT {}",
      kSpanColumns, t.database, project_id, traces_started_in(t, project_id, from_us, to_us), quote(after.first),
      quote(after.second), limit);
}

// The bounds on trace_id let the primary key skip what is outside the range (18.16 does not read
// the tuple comparison against it).
std::string span_dump_page(const Target& t, int64_t project_id, const std::pair<std::string, std::string>& after,
                           const std::string& before, int limit) {
  return fmt::format(
      "SELECT {} FROM {}.spans FINAL WHERE project_id = {} AND trace_id >= {}{} AND (trace_id, span_id) > ({}, {}) "
      "ORDER BY trace_id, span_id LIMIT {}",
      kSpanColumns, t.database, project_id, quote(after.first),
      before.empty() ? "" : " AND trace_id < " + quote(before), quote(after.first), quote(after.second), limit);
}

std::string project_span_count(const Target& t, int64_t project_id) {
  return fmt::format("SELECT count(), uniq(trace_id) FROM {}.spans WHERE project_id = {}", t.database, project_id);
}

std::string span_dump_ranges(const Target& t, int64_t project_id, int64_t every) {
  return fmt::format(
      "SELECT DISTINCT trace_id FROM {}.spans WHERE project_id = {} AND cityHash64(trace_id) % {} = 0 ORDER BY trace_id",
      t.database, project_id, every);
}

std::string next_span_project(const Target& t, int64_t after_project) {
  return fmt::format("SELECT min(project_id), count() FROM {}.spans WHERE project_id > {}", t.database, after_project);
}

std::string score_dump_page(const Target& t, const std::pair<int64_t, std::string>& after, int limit) {
  return fmt::format(
      "SELECT {}, project_id FROM {}.scores FINAL WHERE deleted = 0 AND project_id >= {} AND (project_id, id) > ({}, {}) "
      "ORDER BY project_id, id LIMIT {}",
      kScoreColumns, t.database, after.first, after.first, quote(after.second), limit);
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
