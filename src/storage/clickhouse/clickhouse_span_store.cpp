#include "storage/clickhouse/clickhouse_span_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <map>
#include <set>

#include "core/time.h"
#include "storage/clickhouse/ch_schema.h"
#include "storage/clickhouse/ch_span_row.h"
#include "storage/clickhouse/ch_text.h"
#include "storage/sqlite/latency_histogram.h"
#include "storage/sqlite/span_codec.h"

namespace stacklens::clickhouse {

namespace {

// A span's version is this minus its arrival order (ch_statements.h).
constexpr uint64_t kFirstVersion = 1ULL << 63;

Error malformed_cursor() {
  return make_error(ErrorCode::bad_request, "cursor is malformed: pass back the nextCursor of a previous page");
}

// The trace list's cursor: "<start_us>:<trace id>" of the page's last trace.
Result<std::pair<int64_t, std::string>> parse_cursor(const std::string& c) {
  const auto colon = c.find(':');
  int64_t start = 0;
  if (colon == std::string::npos || colon + 1 == c.size() ||
      std::from_chars(c.data(), c.data() + colon, start).ptr != c.data() + colon)
    return malformed_cursor();
  return std::make_pair(start, c.substr(colon + 1));
}

std::optional<std::string> id_or_none(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

ClickHouseSpanStore::ClickHouseSpanStore(Endpoint endpoint)
    : client_(endpoint, ChClient::Options{}), target_{endpoint.database, endpoint.cluster} {}

Result<std::unique_ptr<ClickHouseSpanStore>> ClickHouseSpanStore::open(const std::string& url) {
  auto endpoint = parse_endpoint(url);
  if (!endpoint) return endpoint.error();
  std::unique_ptr<ClickHouseSpanStore> store(new ClickHouseSpanStore(*endpoint));
  if (auto st = migrate(store->client_, store->target_); !st) return st.error();
  return store;
}

Result<std::vector<std::vector<std::string>>> ClickHouseSpanStore::rows(const std::string& statement) {
  auto out = client_.query(statement);
  if (!out) return out.error();
  std::vector<std::vector<std::string>> result;
  std::string_view rest(*out);
  std::vector<std::string> fields;
  while (next_tsv_row(rest, fields)) result.push_back(fields);
  return result;
}

Status ClickHouseSpanStore::prepare(std::vector<SpanRecord>& records) {
  for (SpanRecord& r : records)
    if (!r.encoded) encode_span_row(r);
  return ok_status();
}

Result<WriteOutcome> ClickHouseSpanStore::write(const std::vector<const SpanRecord*>& records) {
  if (records.empty()) return WriteOutcome{};
  size_t bytes = 0;
  for (const SpanRecord* r : records) bytes += r->encoded ? r->encoded->packed.size() + 24 : 0;
  std::string body;
  body.reserve(bytes);
  // Arrival order, increasing across commits and restarts: the clock in units of 1/1024 µs. The
  // version stored falls as it grows (ch_statements.h: the first copy of a span wins).
  uint64_t arrival = std::max(last_arrival_ + 1, static_cast<uint64_t>(now_micros()) << 10);
  for (const SpanRecord* r : records) {
    if (!r->encoded) return make_error(ErrorCode::internal, "a span reached the ClickHouse writer unprepared");
    body += r->encoded->packed;
    fmt::format_to(std::back_inserter(body), "{}\n", kFirstVersion - arrival++);
  }
  last_arrival_ = arrival;
  auto inserted = client_.insert(sql::insert_spans(target_), body, insert_settings(client_.endpoint()));
  if (!inserted) return inserted.error();
  return WriteOutcome{static_cast<int64_t>(records.size()), 0};
}

Result<RecomputeProgress> ClickHouseSpanStore::recompute_costs(int64_t project_id, Micros from, Micros to,
                                                               const Repricer& reprice, const ProgressFn& progress) {
  constexpr int kPage = 2000;
  RecomputeProgress p;
  auto total = client_.query(sql::period_span_count(target_, project_id, from, to));
  if (!total) return total.error();
  p.spans_total = to_i64(*total);
  std::pair<std::string, std::string> after;
  for (;;) {
    auto page = rows(sql::period_span_page(target_, project_id, from, to, after, kPage));
    if (!page) return page.error();
    if (page->empty()) break;
    std::string body;
    for (const auto& r : *page) {
      auto record = decode_span_row(r);
      if (!record) return record.error();
      after = {record->span.trace_id, record->span.span_id};
      ++p.spans_done;
      if (!reprice(record->span)) continue;
      ++p.spans_changed;
      encode_span_row(*record);
      body += record->encoded->packed;
      fmt::format_to(std::back_inserter(body), "{}\n", std::stoull(r.back()) + 1);
    }
    if (!body.empty()) {
      auto inserted = client_.insert(sql::insert_spans(target_), body, insert_settings(client_.endpoint()));
      if (!inserted) return inserted.error();
    }
    if (!progress(p) || static_cast<int>(page->size()) < kPage) break;
  }
  return p;
}

Result<std::vector<std::string>> ClickHouseSpanStore::dump_ranges(int64_t project_id, int max_spans) {
  std::lock_guard lock(ranges_mu_);
  if (auto it = dump_ranges_.find(project_id); it != dump_ranges_.end()) return it->second;
  auto counted = rows(sql::project_span_count(target_, project_id));
  if (!counted) return counted.error();
  const int64_t spans = counted->empty() ? 0 : to_i64((*counted)[0][0]);
  const int64_t traces = counted->empty() ? 0 : to_i64((*counted)[0][1]);
  // One trace in `every` begins a range: about max_spans spans apart.
  const int64_t every = spans == 0 ? 1 : std::max<int64_t>(1, int64_t{max_spans} * traces / spans);
  std::vector<std::string> starts;
  if (every > 1 || traces > max_spans) {
    auto sampled = rows(sql::span_dump_ranges(target_, project_id, every));
    if (!sampled) return sampled.error();
    for (auto& r : *sampled) starts.push_back(std::move(r[0]));
  }
  return dump_ranges_[project_id] = std::move(starts);
}

// Project by project, each in key order. The cursor: "P\tT\tS" resumes after span S of trace T
// in project P (ids hold no tab: the validator refuses control characters in them; S empty: at
// trace T's first span), "P" after all of project P.
Result<SpanDump> ClickHouseSpanStore::dump(const std::string& after, int max_spans) {
  int64_t project = 0;
  std::optional<std::pair<std::string, std::string>> from;
  if (!after.empty()) {
    const auto a = after.find('\t');
    project = to_i64(after.substr(0, a));
    if (a != std::string::npos) {
      const auto b = after.find('\t', a + 1);
      from.emplace(after.substr(a + 1, b - a - 1), after.substr(b + 1));
    }
  }
  if (!from) {  // the first project with spans after `project`
    auto next = rows(sql::next_span_project(target_, project));
    if (!next) return next.error();
    if (next->empty() || to_i64((*next)[0][1]) == 0) return SpanDump{};
    project = to_i64((*next)[0][0]);
    from.emplace();
  }
  auto ranges = dump_ranges(project, max_spans);
  if (!ranges) return ranges.error();
  // The range `from` is in ends where the next one begins.
  const auto end = std::upper_bound(ranges->begin(), ranges->end(), from->first);
  const std::string before = end == ranges->end() ? "" : *end;
  auto got = rows(sql::span_dump_page(target_, project, *from, before, max_spans));
  if (!got) return got.error();
  SpanDump page;
  for (const auto& r : *got) {
    auto record = decode_span_row(r);
    if (!record) return record.error();
    page.spans.push_back(std::move(*record));
  }
  if (static_cast<int>(page.spans.size()) == max_spans) {
    const Span& last = page.spans.back().span;
    page.cursor = fmt::format("{}\t{}\t{}", project, last.trace_id, last.span_id);
  } else if (!before.empty()) {
    page.cursor = fmt::format("{}\t{}\t", project, before);  // the next range, from its first span
  } else {
    page.cursor = std::to_string(project);
  }
  return page;
}

// The newest traces first, without a period asked for: every span of the project would be summed
// per trace before the page is cut. So the page is first looked for among the traces that
// started in the last hour before the cursor (or now), then the last day, week and month, and
// only then among all: traces that started after W have all their spans after W, so when at
// least a page of them is found, it is exactly the first page of all traces (the first that
// sorts after the cursor). Each look reads only the day partitions of its period.
Result<std::vector<std::vector<std::string>>> ClickHouseSpanStore::newest_traces(
    int64_t project_id, const TraceFilter& f, const std::optional<std::pair<int64_t, std::string>>& after,
    int64_t offset) {
  if (f.oldest_first || f.sort_score || f.from_us)
    return rows(sql::trace_page(target_, project_id, f, after, offset));
  constexpr int64_t kHour = 3600LL * 1000 * 1000;
  const int64_t anchor = std::min(after ? after->first : now_micros(), f.to_us.value_or(INT64_MAX));
  for (const int64_t window : {kHour, 24 * kHour, 7 * 24 * kHour, 30 * 24 * kHour}) {
    TraceFilter recent = f;
    recent.from_us = anchor - window;
    auto got = rows(sql::trace_page(target_, project_id, recent, after, offset));
    if (!got || static_cast<int>(got->size()) > f.limit) return got;
  }
  return rows(sql::trace_page(target_, project_id, f, after, offset));
}

// Retention as ClickHouse mutations (rewritten parts, in the background; on a cluster the
// replicas apply them through ZooKeeper). A span is removed by its own start rather than its
// trace's, and a score by when it was given: a mutation may not read another table. While a
// mutation of the database still runs, the pass asks for none (nodes that pass at the same time
// may still ask twice: removing twice removes nothing more).
Result<int64_t> ClickHouseSpanStore::expire(int64_t project_id, Micros before, const GoOn&) {
  auto running = client_.query(sql::running_mutations(target_));
  if (!running) return running.error();
  if (to_i64(*running) > 0) return int64_t{0};
  auto count = client_.query(sql::expired_span_count(target_, project_id, before));
  if (!count) return count.error();
  const int64_t n = to_i64(*count);
  if (n > 0)
    if (auto done = client_.query(sql::expire_spans(target_, project_id, before)); !done) return done.error();
  if (auto done = client_.query(sql::expire_scores(target_, project_id, before)); !done) return done.error();
  return n;
}

Result<TracePage> ClickHouseSpanStore::list_traces(int64_t project_id, const TraceFilter& f) {
  std::optional<std::pair<int64_t, std::string>> after;
  int64_t offset = 0;
  if (f.sort_score && f.cursor) {
    // Sorted by a score, pages go by offset (cursor "o:<offset>"), as on SQLite.
    const auto& c = *f.cursor;
    if (c.size() < 3 || c.compare(0, 2, "o:") != 0 ||
        std::from_chars(c.data() + 2, c.data() + c.size(), offset).ptr != c.data() + c.size() || offset < 0)
      return malformed_cursor();
    if (offset > 10000)
      return make_error(ErrorCode::bad_request,
                        "cursor is past the 10000th trace: narrow the time range or filter by the score");
  } else if (f.cursor) {
    auto c = parse_cursor(*f.cursor);
    if (!c) return c.error();
    after = std::move(*c);
  }
  auto got = newest_traces(project_id, f, after, offset);
  if (!got) return got.error();
  TracePage page;
  for (const auto& r : *got) {
    if (r.size() != 16) return make_error(ErrorCode::internal, "a trace row from ClickHouse is malformed");
    if (static_cast<int>(page.traces.size()) == f.limit) {
      const TraceSummary& last = page.traces.back();
      page.next_cursor = f.sort_score ? fmt::format("o:{}", offset + f.limit)
                                      : fmt::format("{}:{}", last.start_us, last.trace_id);
      break;
    }
    TraceSummary t;
    t.trace_id = r[0];
    t.name = r[1];
    t.start_us = to_i64(r[2]);
    t.end_us = to_i64(r[3]);
    t.status = to_i64(r[4]) > 0 ? "error" : "ok";
    t.span_count = to_i64(r[5]);
    t.input_tokens = to_i64(r[6]);
    t.output_tokens = to_i64(r[7]);
    t.total_tokens = to_i64(r[8]);
    t.cost_usd = to_f64(r[9]);
    t.session_id = id_or_none(r[10]);
    t.user_id = id_or_none(r[11]);
    t.unpriced_spans = to_i64(r[12]);
    t.models = parse_string_array(r[13]);
    t.providers = parse_string_array(r[14]);
    std::sort(t.models.begin(), t.models.end());
    std::sort(t.providers.begin(), t.providers.end());
    std::set<std::string> tags;
    for (const auto& json : parse_string_array(r[15])) {
      std::vector<std::string> span_tags;
      sqlite::parse_tags(json, span_tags);
      tags.insert(span_tags.begin(), span_tags.end());
    }
    t.tags.assign(tags.begin(), tags.end());
    page.traces.push_back(std::move(t));
  }
  return page;
}

Result<std::optional<TraceDetail>> ClickHouseSpanStore::get_trace(int64_t project_id, const std::string& trace_id) {
  auto got = rows(sql::trace_spans(target_, project_id, trace_id));
  if (!got) return got.error();
  if (got->empty()) return std::optional<TraceDetail>{};
  TraceDetail d;
  TraceSummary& t = d.summary;
  // Each span's newest copy (what FINAL would keep: the highest version of its key).
  std::map<std::string, uint64_t, std::less<>> newest;
  for (const auto& r : *got) {
    const auto version = static_cast<uint64_t>(std::stoull(r.back()));
    auto [at, added] = newest.try_emplace(r[sql::kSpanIdColumn], version);
    if (!added) at->second = std::max(at->second, version);
  }
  // The trace's session and user: its first span's (by arrival: the highest version) that carries one.
  uint64_t session_version = 0, user_version = 0;
  for (const auto& r : *got) {
    const auto version = static_cast<uint64_t>(std::stoull(r.back()));
    auto at = newest.find(r[sql::kSpanIdColumn]);
    if (at == newest.end() || at->second != version) continue;
    newest.erase(at);  // one copy of a span, even if two carry its newest version
    auto span = decode_span_row(r);
    if (!span) return span.error();
    if (!r[29].empty() && version > session_version) session_version = version, t.session_id = r[29];
    if (!r[30].empty() && version > user_version) user_version = version, t.user_id = r[30];
    d.spans.push_back(std::move(*span));
  }
  // The same sums as the SQLite store's trace detail (spans by start time, then arrival).
  t.trace_id = trace_id;
  std::set<std::string> models, providers, tags;
  bool root_seen = false;
  t.start_us = d.spans.front().span.start_us;
  t.end_us = t.start_us;
  t.status = "ok";
  t.name = d.spans.front().span.name;
  for (const auto& r : d.spans) {
    const Span& s = r.span;
    if (!s.parent_span_id && !root_seen) t.name = s.name, root_seen = true;
    t.end_us = std::max(t.end_us, s.end_us);
    if (s.is_error()) t.status = "error";
    ++t.span_count;
    if (s.llm) {
      t.input_tokens += s.llm->input_tokens;
      t.output_tokens += s.llm->output_tokens;
      t.total_tokens += s.llm->total_tokens;
      t.cost_usd += s.llm->cost_usd;
      t.unpriced_spans += s.llm->cost_source == CostSource::unpriced ? 1 : 0;
      models.insert(s.llm->model);
      providers.insert(s.llm->provider);
    }
    tags.insert(s.tags.begin(), s.tags.end());
  }
  t.models.assign(models.begin(), models.end());
  t.providers.assign(providers.begin(), providers.end());
  t.tags.assign(tags.begin(), tags.end());
  return std::optional<TraceDetail>(std::move(d));
}

Result<TraceSpansPage> ClickHouseSpanStore::list_trace_spans(int64_t project_id, const TraceFilter& filter,
                                                            bool with_text) {
  auto page = list_traces(project_id, filter);
  if (!page) return page.error();
  TraceSpansPage out{std::vector<std::vector<SpanRecord>>(page->traces.size()), std::move(page->next_cursor)};
  std::map<std::string_view, size_t> at;  // trace id -> its place in the page
  for (size_t i = 0; i < page->traces.size(); ++i) at.emplace(page->traces[i].trace_id, i);
  // Statements well under ClickHouse's largest query (max_query_size, 256 KiB by default).
  constexpr size_t kIdBytes = 64 * 1024;
  std::vector<std::string> ids;
  size_t id_bytes = 0;
  for (size_t i = 0; i < page->traces.size(); ++i) {
    ids.push_back(page->traces[i].trace_id);
    id_bytes += ids.back().size() + 4;
    if (id_bytes < kIdBytes && i + 1 < page->traces.size()) continue;
    auto got = rows(sql::traces_spans(target_, project_id, ids, with_text));
    if (!got) return got.error();
    ids.clear();
    id_bytes = 0;
    // Each trace's rows together, by start time then arrival; of each span the newest copy
    // (the highest version), as get_trace keeps it.
    for (size_t begin = 0; begin < got->size();) {
      const std::string& trace_id = (*got)[begin][1];
      size_t end = begin;
      std::map<std::string_view, uint64_t> newest;
      for (; end < got->size() && (*got)[end][1] == trace_id; ++end) {
        const auto version = static_cast<uint64_t>(std::stoull((*got)[end].back()));
        auto [it, added] = newest.try_emplace((*got)[end][sql::kSpanIdColumn], version);
        if (!added) it->second = std::max(it->second, version);
      }
      const auto place = at.find(trace_id);
      for (size_t r = begin; place != at.end() && r < end; ++r) {
        const auto& row = (*got)[r];
        auto it = newest.find(row[sql::kSpanIdColumn]);
        if (it == newest.end() || it->second != static_cast<uint64_t>(std::stoull(row.back()))) continue;
        newest.erase(it);  // one copy of a span, even if two carry its newest version
        auto span = decode_span_row(row);
        if (!span) return span.error();
        out.traces[place->second].push_back(std::move(*span));
      }
      begin = end;
    }
  }
  // A trace removed since (retention) is passed over.
  std::erase_if(out.traces, [](const auto& spans) { return spans.empty(); });
  return out;
}

Result<std::vector<MetricsSeries>> ClickHouseSpanStore::metrics(int64_t project_id, const MetricsQuery& q) {
  // The SQLite store's rollup buckets (a minute, or an hour for whole-hour intervals), placed
  // into the query's buckets the same way, so both stores answer alike.
  const int64_t level = q.interval_us % 3600000000LL == 0 ? 3600 : 60;
  const int64_t from_s = q.from_us / 1000000 / level * level;
  const int64_t to_s = (q.to_us + 999999) / 1000000;
  auto got = rows(sql::metrics(target_, project_id, q, level, from_s, to_s));
  if (!got) return got.error();
  struct Acc {
    MetricsPoint p;
    sqlite::LatencyHistogram latency;
  };
  std::map<std::string, std::map<Micros, Acc>> groups;
  for (const auto& r : *got) {
    if (r.size() != 10) return make_error(ErrorCode::internal, "a metrics row from ClickHouse is malformed");
    const Micros at = std::max(q.from_us, to_i64(r[0]) * 1000000);
    const Micros bucket = q.from_us + (at - q.from_us) / q.interval_us * q.interval_us;
    Acc& a = groups[r[1]][bucket];
    a.p.bucket_us = bucket;
    const int64_t requests = to_i64(r[3]);
    a.p.requests += requests;
    a.p.errors += to_i64(r[4]);
    a.p.input_tokens += to_i64(r[5]);
    a.p.output_tokens += to_i64(r[6]);
    a.p.cost_usd += to_f64(r[7]);
    a.p.unpriced_spans += to_i64(r[8]);
    a.p.unpriced_tokens += to_i64(r[9]);
    const auto latency_bucket = static_cast<size_t>(to_i64(r[2]));
    if (latency_bucket >= sqlite::LatencyHistogram::kBuckets)
      return make_error(ErrorCode::internal, "a stored latency bucket is out of range");
    a.latency.add_to_bucket(latency_bucket, requests);
  }
  std::vector<MetricsSeries> out;
  for (auto& [group, buckets] : groups) {
    MetricsSeries series{group, {}};
    for (auto& [bucket, a] : buckets) {
      a.p.latency_p50_ms = a.latency.quantile_ms(0.50);
      a.p.latency_p95_ms = a.latency.quantile_ms(0.95);
      a.p.latency_p99_ms = a.latency.quantile_ms(0.99);
      series.points.push_back(a.p);
    }
    out.push_back(std::move(series));
  }
  return out;
}

Result<PeriodPage<SessionSummary>> ClickHouseSpanStore::list_sessions(int64_t project_id, const PeriodListQuery& q) {
  auto got = rows(sql::session_page(target_, project_id, q));
  if (!got) return got.error();
  PeriodPage<SessionSummary> page;
  for (const auto& r : *got) {
    if (r.size() != 8) return make_error(ErrorCode::internal, "a session row from ClickHouse is malformed");
    if (static_cast<int>(page.rows.size()) == q.limit) {
      page.next_offset = q.offset + q.limit;
      break;
    }
    SessionSummary s;
    s.session_id = r[0];
    s.user_id = id_or_none(r[1]);
    s.first_us = to_i64(r[2]);
    s.last_us = to_i64(r[3]);
    s.traces = to_i64(r[4]);
    s.total_tokens = to_i64(r[5]);
    s.cost_usd = to_f64(r[6]);
    s.errors = to_i64(r[7]);
    page.rows.push_back(std::move(s));
  }
  return page;
}

Result<PeriodPage<UserSummary>> ClickHouseSpanStore::list_users(int64_t project_id, const PeriodListQuery& q) {
  auto got = rows(sql::user_page(target_, project_id, q));
  if (!got) return got.error();
  PeriodPage<UserSummary> page;
  for (const auto& r : *got) {
    if (r.size() != 8) return make_error(ErrorCode::internal, "a user row from ClickHouse is malformed");
    if (static_cast<int>(page.rows.size()) == q.limit) {
      page.next_offset = q.offset + q.limit;
      break;
    }
    UserSummary u;
    u.user_id = r[0];
    u.first_us = to_i64(r[1]);
    u.last_us = to_i64(r[2]);
    u.traces = to_i64(r[3]);
    u.sessions = to_i64(r[4]);
    u.total_tokens = to_i64(r[5]);
    u.cost_usd = to_f64(r[6]);
    u.errors = to_i64(r[7]);
    page.rows.push_back(std::move(u));
  }
  return page;
}

Result<int64_t> ClickHouseSpanStore::count_spans() {
  auto out = client_.query(sql::count_spans(target_));
  if (!out) return out.error();
  return to_i64(*out);
}

Status ClickHouseSpanStore::check_ready() {
  if (auto r = client_.query(sql::ping()); !r) return r.error();
  if (target_.cluster.empty()) return ok_status();
  auto state = rows(sql::replica_state(target_));
  if (!state) return state.error();
  for (const auto& r : *state)
    if (!r.empty() && r[0] == "1")
      return make_error(ErrorCode::unavailable,
                        client_.endpoint().describe() + ": the spans replica is read-only (ZooKeeper unreachable)");
  return ok_status();
}

}  // namespace stacklens::clickhouse
