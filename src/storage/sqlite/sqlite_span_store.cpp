#include "storage/sqlite/sqlite_span_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "core/json.h"
#include "storage/sqlite/span_schema.h"

namespace stacklens::sqlite {

class SqliteSpanStore::ReaderLease {
 public:
  ReaderLease(SqliteSpanStore* store, std::unique_ptr<Db> db) : store_(store), db_(std::move(db)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (!db_) return;
    std::lock_guard lock(store_->pool_mu_);
    store_->pool_.push_back(std::move(db_));
  }
  Db& operator*() { return *db_; }
  Db* operator->() { return db_.get(); }

 private:
  SqliteSpanStore* store_;
  std::unique_ptr<Db> db_;
};

namespace {

constexpr std::string_view kSpanColumns =
    "trace_id, span_id, parent_span_id, name, kind, status, start_us, end_us, model, provider, input_tokens, "
    "output_tokens, total_tokens, cost_usd, temperature, max_tokens, is_streaming, finish_reason, prompt, prompt_key, "
    "completion, completion_key, attributes, tags, events";

SpanRecord read_span(Stmt& s, int64_t project_id) {
  SpanRecord r;
  Span& sp = r.span;
  sp.project_id = project_id;
  sp.trace_id = s.text(0);
  sp.span_id = s.text(1);
  sp.parent_span_id = s.opt_text(2);
  sp.name = s.text(3);
  sp.kind = s.text(4);
  sp.status = s.text(5);
  sp.start_us = s.i64(6);
  sp.end_us = s.i64(7);
  if (!s.is_null(8)) {
    LlmData l;
    l.model = s.text(8);
    l.provider = s.text(9);
    l.input_tokens = s.i64(10);
    l.output_tokens = s.i64(11);
    l.total_tokens = s.i64(12);
    l.cost_usd = s.f64(13);
    l.temperature = s.opt_f64(14);
    l.max_tokens = s.opt_i64(15);
    l.is_streaming = s.i64(16) != 0;
    l.finish_reason = s.opt_text(17);
    sp.llm = std::move(l);
  }
  if (!s.is_null(18)) r.prompt = SealedText{s.text(18), static_cast<int>(s.i64(19))};
  if (!s.is_null(20)) r.completion = SealedText{s.text(20), static_cast<int>(s.i64(21))};
  if (auto attrs = json::parse(s.text(22)); attrs && attrs->is_object())
    for (const auto& kv : attrs->get_object()) sp.attributes.emplace_back(kv.key(), json::to_attribute_string(kv.value()));
  if (auto tags = json::parse(s.text(23)); tags && tags->is_array())
    for (const auto& t : tags->get_array())
      if (t.is_string()) sp.tags.emplace_back(t.get_string());
  if (auto events = json::parse(s.text(24)); events && events->is_array())
    for (const auto& e : events->get_array()) {
      if (!e.is_object()) continue;
      const auto& o = e.get_object();
      SpanEvent ev;
      if (auto n = o.if_contains("name"); n && n->is_string()) ev.name = n->get_string();
      if (auto t = o.if_contains("time_us"); t && t->is_int64()) ev.time_us = t->get_int64();
      if (auto a = o.if_contains("attributes"); a && a->is_object())
        for (const auto& kv : a->get_object()) ev.attributes.emplace_back(kv.key(), json::to_attribute_string(kv.value()));
      sp.events.push_back(std::move(ev));
    }
  return r;
}

std::string attributes_json(const Attributes& attrs) {
  boost::json::object o;
  for (const auto& [k, v] : attrs) o[k] = v;
  return json::serialize(o);
}

std::string events_json(const std::vector<SpanEvent>& events) {
  boost::json::array a;
  for (const auto& e : events) {
    boost::json::object attrs;
    for (const auto& [k, v] : e.attributes) attrs[k] = v;
    a.push_back(boost::json::object{{"name", e.name}, {"time_us", e.time_us}, {"attributes", std::move(attrs)}});
  }
  return json::serialize(a);
}

std::string tags_json(const std::vector<std::string>& tags) {
  boost::json::array a;
  for (const auto& t : tags) a.emplace_back(t);
  return json::serialize(a);
}

Result<std::pair<int64_t, int64_t>> parse_cursor(const std::string& c) {
  const auto colon = c.find(':');
  int64_t start = 0, id = 0;
  if (colon == std::string::npos ||
      std::from_chars(c.data(), c.data() + colon, start).ec != std::errc() ||
      std::from_chars(c.data() + colon + 1, c.data() + c.size(), id).ptr != c.data() + c.size())
    return make_error(ErrorCode::bad_request, "cursor is malformed: pass back the nextCursor of a previous page");
  return std::make_pair(start, id);
}

double percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  // Nearest rank: the smallest value with at least p of the values at or below it.
  const double rank = std::ceil(p * static_cast<double>(v.size()));
  const size_t idx = std::min(v.size() - 1, static_cast<size_t>(std::max(1.0, rank)) - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(idx), v.end());
  return static_cast<double>(v[idx]) / 1000.0;
}

}  // namespace

Result<std::unique_ptr<SqliteSpanStore>> SqliteSpanStore::open(const std::string& path) {
  auto db = Db::open(path);
  if (!db) return db.error();
  if (auto st = migrate(**db, kSpanMigrations); !st) return st.error();
  return std::unique_ptr<SqliteSpanStore>(new SqliteSpanStore(path, std::move(*db)));
}

Result<SqliteSpanStore::ReaderLease> SqliteSpanStore::reader() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto db = std::move(pool_.back());
      pool_.pop_back();
      return ReaderLease(this, std::move(db));
    }
  }
  auto db = Db::open(path_);
  if (!db) return db.error();
  return ReaderLease(this, std::move(*db));
}

Status SqliteSpanStore::insert_one(const SpanRecord& r, bool& inserted) {
  const Span& s = r.span;
  auto ins = writer_->prepare(fmt::format(
      "INSERT INTO spans(project_id, {}) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
      "?21,?22,?23,?24,?25,?26) ON CONFLICT(project_id, trace_id, span_id) DO NOTHING",
      kSpanColumns));
  if (!ins) return ins.error();
  Stmt& st = **ins;
  st.bind(1, s.project_id).bind(2, s.trace_id).bind(3, s.span_id).bind(4, s.parent_span_id).bind(5, s.name);
  st.bind(6, s.kind).bind(7, s.status).bind(8, s.start_us).bind(9, s.end_us);
  if (s.llm) {
    const LlmData& l = *s.llm;
    st.bind(10, l.model).bind(11, l.provider).bind(12, l.input_tokens).bind(13, l.output_tokens);
    st.bind(14, l.total_tokens).bind(15, l.cost_usd).bind(16, l.temperature).bind(17, l.max_tokens);
    st.bind(18, static_cast<int64_t>(l.is_streaming)).bind(19, l.finish_reason);
  }
  if (r.prompt) st.bind_blob(20, r.prompt->bytes).bind(21, r.prompt->key_id);
  if (r.completion) st.bind_blob(22, r.completion->bytes).bind(23, r.completion->key_id);
  st.bind(24, attributes_json(s.attributes)).bind(25, tags_json(s.tags)).bind(26, events_json(s.events));
  if (auto rs = st.run(); !rs) return rs;
  inserted = writer_->changes() == 1;
  if (!inserted) return ok_status();

  auto up = writer_->prepare(
      "INSERT INTO traces(project_id, trace_id, name, has_root, start_us, end_us, errors, span_count, input_tokens, "
      "output_tokens, total_tokens, cost_usd) VALUES(?1,?2,?3,?4,?5,?6,?7,1,?8,?9,?10,?11) "
      "ON CONFLICT(project_id, trace_id) DO UPDATE SET "
      "name = CASE WHEN excluded.has_root > traces.has_root THEN excluded.name "
      "  WHEN excluded.has_root = traces.has_root AND excluded.start_us < traces.start_us THEN excluded.name "
      "  ELSE traces.name END, "
      "has_root = max(traces.has_root, excluded.has_root), start_us = min(traces.start_us, excluded.start_us), "
      "end_us = max(traces.end_us, excluded.end_us), errors = traces.errors + excluded.errors, "
      "span_count = traces.span_count + 1, input_tokens = traces.input_tokens + excluded.input_tokens, "
      "output_tokens = traces.output_tokens + excluded.output_tokens, "
      "total_tokens = traces.total_tokens + excluded.total_tokens, cost_usd = traces.cost_usd + excluded.cost_usd");
  if (!up) return up.error();
  const LlmData none{};
  const LlmData& l = s.llm ? *s.llm : none;
  (*up)->bind(1, s.project_id).bind(2, s.trace_id).bind(3, s.name).bind(4, static_cast<int64_t>(!s.parent_span_id));
  (*up)->bind(5, s.start_us).bind(6, s.end_us).bind(7, static_cast<int64_t>(s.is_error()));
  (*up)->bind(8, l.input_tokens).bind(9, l.output_tokens).bind(10, l.total_tokens).bind(11, l.cost_usd);
  if (auto rs = (*up)->run(); !rs) return rs;

  auto tag = writer_->prepare("INSERT INTO span_tags(project_id, trace_id, tag) VALUES(?1,?2,?3)");
  if (!tag) return tag.error();
  for (const auto& t : s.tags)
    if (auto rs = (*tag)->reset().bind(1, s.project_id).bind(2, s.trace_id).bind(3, t).run(); !rs) return rs;
  auto attr = writer_->prepare("INSERT INTO span_attrs(project_id, trace_id, key, value) VALUES(?1,?2,?3,?4)");
  if (!attr) return attr.error();
  for (const auto& [k, v] : s.attributes)
    if (auto rs = (*attr)->reset().bind(1, s.project_id).bind(2, s.trace_id).bind(3, k).bind(4, v).run(); !rs)
      return rs;
  return ok_status();
}

Result<WriteOutcome> SqliteSpanStore::write(const std::vector<SpanRecord>& records) {
  Transaction tx(*writer_);
  if (!tx.begin_status()) return tx.begin_status().error();
  WriteOutcome out;
  for (const auto& r : records) {
    bool inserted = false;
    if (auto st = insert_one(r, inserted); !st) return st.error();
    (inserted ? out.inserted : out.duplicates)++;
  }
  if (auto st = tx.commit(); !st) return st.error();
  return out;
}

Result<TracePage> SqliteSpanStore::list_traces(int64_t project_id, const TraceFilter& f) {
  auto db = reader();
  if (!db) return db.error();
  std::string sql =
      "SELECT t.id, t.trace_id, t.name, t.start_us, t.end_us, t.errors, t.span_count, t.input_tokens, "
      "t.output_tokens, t.total_tokens, t.cost_usd FROM traces t WHERE t.project_id = ?1";
  // Values are bound in order after ?1; the SQL only ever holds placeholders.
  std::vector<std::variant<int64_t, double, std::string>> binds;
  auto ph = [&](auto v) {
    binds.emplace_back(v);
    return fmt::format("?{}", binds.size() + 1);
  };
  if (f.from_us) sql += " AND t.start_us >= " + ph(*f.from_us);
  if (f.to_us) sql += " AND t.start_us < " + ph(*f.to_us);
  if (f.status == "error") sql += " AND t.errors > 0";
  if (f.status == "ok") sql += " AND t.errors = 0";
  if (f.min_latency_ms) sql += " AND (t.end_us - t.start_us) >= " + ph(static_cast<int64_t>(*f.min_latency_ms * 1000.0));
  if (f.min_cost_usd) sql += " AND t.cost_usd >= " + ph(*f.min_cost_usd);
  const auto span_has = [&](std::string_view column, const std::string& v) {
    sql += fmt::format(" AND EXISTS(SELECT 1 FROM spans s WHERE s.project_id = t.project_id AND s.trace_id = t.trace_id "
                       "AND s.{} = {})",
                       column, ph(v));
  };
  if (f.name) span_has("name", *f.name);
  if (f.model) span_has("model", *f.model);
  if (f.provider) span_has("provider", *f.provider);
  for (const auto& tag : f.tags)
    sql += " AND EXISTS(SELECT 1 FROM span_tags g WHERE g.project_id = t.project_id AND g.tag = " + ph(tag) +
           " AND g.trace_id = t.trace_id)";
  for (const auto& [k, v] : f.attributes) {
    sql += " AND EXISTS(SELECT 1 FROM span_attrs a WHERE a.project_id = t.project_id AND a.key = " + ph(k);
    sql += " AND a.value = " + ph(v) + " AND a.trace_id = t.trace_id)";
  }
  if (f.cursor) {
    auto c = parse_cursor(*f.cursor);
    if (!c) return c.error();
    const auto s1 = ph(c->first), s2 = ph(c->first), i = ph(c->second);
    sql += fmt::format(" AND (t.start_us < {} OR (t.start_us = {} AND t.id < {}))", s1, s2, i);
  }
  sql += " ORDER BY t.start_us DESC, t.id DESC LIMIT " + ph(static_cast<int64_t>(f.limit + 1));

  auto st = (*db)->prepare(sql);
  if (!st) return st.error();
  Stmt& s = **st;
  s.bind(1, project_id);
  for (size_t i = 0; i < binds.size(); ++i)
    std::visit([&](const auto& v) { s.bind(static_cast<int>(i + 2), v); }, binds[i]);

  TracePage page;
  std::vector<int64_t> ids;
  std::map<std::string, size_t> index;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    if (static_cast<int>(page.traces.size()) == f.limit) {
      page.next_cursor = fmt::format("{}:{}", page.traces.back().start_us, ids.back());
      s.reset();
      break;
    }
    TraceSummary t;
    ids.push_back(s.i64(0));
    t.trace_id = s.text(1);
    t.name = s.text(2);
    t.start_us = s.i64(3);
    t.end_us = s.i64(4);
    t.status = s.i64(5) > 0 ? "error" : "ok";
    t.span_count = s.i64(6);
    t.input_tokens = s.i64(7);
    t.output_tokens = s.i64(8);
    t.total_tokens = s.i64(9);
    t.cost_usd = s.f64(10);
    index[t.trace_id] = page.traces.size();
    page.traces.push_back(std::move(t));
  }
  // Models, providers and tags of the page's traces.
  auto facets = (*db)->prepare(
      "SELECT model, provider, tags FROM spans WHERE project_id = ?1 AND trace_id = ?2");
  if (!facets) return facets.error();
  for (auto& t : page.traces) {
    Stmt& fs = (*facets)->reset().bind(1, project_id).bind(2, t.trace_id);
    std::set<std::string> models, providers, tags;
    for (;;) {
      auto row = fs.step();
      if (!row) return row.error();
      if (!*row) break;
      if (!fs.is_null(0)) models.insert(fs.text(0)), providers.insert(fs.text(1));
      if (auto arr = json::parse(fs.text(2)); arr && arr->is_array())
        for (const auto& tag : arr->get_array())
          if (tag.is_string()) tags.insert(std::string(tag.get_string()));
    }
    t.models.assign(models.begin(), models.end());
    t.providers.assign(providers.begin(), providers.end());
    t.tags.assign(tags.begin(), tags.end());
  }
  return page;
}

Result<std::optional<TraceDetail>> SqliteSpanStore::get_trace(int64_t project_id, const std::string& trace_id) {
  auto db = reader();
  if (!db) return db.error();
  auto st = (*db)->prepare(fmt::format(
      "SELECT {} FROM spans WHERE project_id = ?1 AND trace_id = ?2 ORDER BY start_us, id", kSpanColumns));
  if (!st) return st.error();
  (*st)->bind(1, project_id).bind(2, trace_id);
  TraceDetail d;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return row.error();
    if (!*row) break;
    d.spans.push_back(read_span(**st, project_id));
  }
  if (d.spans.empty()) return std::optional<TraceDetail>{};
  TraceSummary& t = d.summary;
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

Result<std::vector<MetricsSeries>> SqliteSpanStore::metrics(int64_t project_id, const MetricsQuery& q) {
  auto db = reader();
  if (!db) return db.error();
  std::string_view group_col = "''";
  switch (q.group_by) {
    case GroupBy::none: break;
    case GroupBy::model: group_col = "coalesce(model, '')"; break;
    case GroupBy::provider: group_col = "coalesce(provider, '')"; break;
    case GroupBy::name: group_col = "name"; break;
  }
  auto st = (*db)->prepare(fmt::format(
      "SELECT start_us, end_us - start_us, status = 'error', coalesce(input_tokens, 0), coalesce(output_tokens, 0), "
      "coalesce(cost_usd, 0), {} FROM spans WHERE project_id = ?1 AND start_us >= ?2 AND start_us < ?3 "
      "AND (?4 IS NULL OR kind = ?4)",
      group_col));
  if (!st) return st.error();
  Stmt& s = **st;
  s.bind(1, project_id).bind(2, q.from_us).bind(3, q.to_us).bind(4, q.kind);
  struct Acc {
    MetricsPoint p;
    std::vector<int64_t> latencies;
  };
  std::map<std::string, std::map<Micros, Acc>> groups;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    const Micros bucket = q.from_us + (s.i64(0) - q.from_us) / q.interval_us * q.interval_us;
    Acc& a = groups[s.text(6)][bucket];
    a.p.bucket_us = bucket;
    a.p.requests++;
    a.p.errors += s.i64(2);
    a.p.input_tokens += s.i64(3);
    a.p.output_tokens += s.i64(4);
    a.p.cost_usd += s.f64(5);
    a.latencies.push_back(s.i64(1));
  }
  std::vector<MetricsSeries> out;
  for (auto& [group, buckets] : groups) {
    MetricsSeries series{group, {}};
    for (auto& [bucket, a] : buckets) {
      a.p.latency_p50_ms = percentile(a.latencies, 0.50);
      a.p.latency_p95_ms = percentile(a.latencies, 0.95);
      a.p.latency_p99_ms = percentile(a.latencies, 0.99);
      series.points.push_back(a.p);
    }
    out.push_back(std::move(series));
  }
  return out;
}

Result<int64_t> SqliteSpanStore::count_spans() {
  auto db = reader();
  if (!db) return db.error();
  auto st = (*db)->prepare("SELECT count(*) FROM spans");
  if (!st) return st.error();
  auto row = (*st)->step();
  if (!row) return row.error();
  const int64_t n = (*st)->i64(0);
  (*st)->reset();
  return n;
}

Status SqliteSpanStore::check_readable() {
  auto n = count_spans();
  if (!n) return n.error();
  return ok_status();
}

}  // namespace stacklens::sqlite
