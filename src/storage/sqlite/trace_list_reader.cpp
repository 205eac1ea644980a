#include "storage/sqlite/span_readers.h"

#include <fmt/format.h>

#include <charconv>
#include <set>
#include <variant>

#include "storage/sqlite/span_codec.h"

namespace stacklens::sqlite {

namespace {

Result<std::pair<int64_t, int64_t>> parse_cursor(const std::string& c) {
  const auto colon = c.find(':');
  int64_t start = 0, id = 0;
  if (colon == std::string::npos || std::from_chars(c.data(), c.data() + colon, start).ec != std::errc() ||
      std::from_chars(c.data() + colon + 1, c.data() + c.size(), id).ptr != c.data() + c.size())
    return make_error(ErrorCode::bad_request, "cursor is malformed: pass back the nextCursor of a previous page");
  return std::make_pair(start, id);
}

}  // namespace

Result<TraceListSql> trace_list_sql(const IdTraces& id_traces, int64_t project_id, const TraceFilter& f) {
  TraceListSql out;
  std::string& sql = out.sql;
  sql =
      "SELECT t.id, t.trace_id, t.name, t.start_us, t.end_us, t.errors, t.span_count, t.input_tokens, "
      "t.output_tokens, t.total_tokens, t.cost_usd, t.session_id, t.user_id, t.unpriced_spans FROM traces t";
  // A session's or a user's traces are read by their rows (NOT INDEXED: not by walking trace_time).
  if (f.session_id || f.user_id) sql += " NOT INDEXED";
  sql += " WHERE t.project_id = ?1";
  auto& binds = out.binds;
  auto ph = [&](auto v) {
    binds.emplace_back(v);
    return fmt::format("?{}", binds.size() + 1);
  };
  if (f.session_id || f.user_id) {
    // Their rows: in id_traces (within the period), or in memory (id_traces.h); the id of each
    // row is compared below.
    const auto kind = f.session_id ? IdTraces::session : IdTraces::user;
    const std::string& id = f.session_id ? *f.session_id : *f.user_id;
    sql += fmt::format(" AND t.id IN (SELECT trace_row FROM id_traces WHERE project_id = ?1 AND kind = {} AND id_key = {} "
                       "AND id = {}",
                       static_cast<int>(kind), ph(id_traces.key(id)), ph(id));
    if (f.from_us) sql += " AND start_us >= " + ph(*f.from_us);
    if (f.to_us) sql += " AND start_us < " + ph(*f.to_us);
    sql += " UNION ALL SELECT value FROM json_each(" + ph(id_traces.recent_rows(project_id, kind, id)) + "))";
  }
  if (f.from_us) sql += " AND t.start_us >= " + ph(*f.from_us);
  if (f.to_us) sql += " AND t.start_us < " + ph(*f.to_us);
  if (f.status == "error") sql += " AND t.errors > 0";
  if (f.status == "ok") sql += " AND t.errors = 0";
  if (f.min_latency_ms) sql += " AND (t.end_us - t.start_us) >= " + ph(static_cast<int64_t>(*f.min_latency_ms * 1000.0));
  if (f.min_cost_usd) sql += " AND t.cost_usd >= " + ph(*f.min_cost_usd);
  if (f.unpriced) sql += *f.unpriced ? " AND t.unpriced_spans > 0" : " AND t.unpriced_spans = 0";
  if (f.session_id) sql += " AND t.session_id = " + ph(*f.session_id);
  if (f.user_id) sql += " AND t.user_id = " + ph(*f.user_id);
  // Span-level filters: some span of the trace matches (found through span_in_trace's prefix).
  const auto some_span = [&](const std::string& condition) {
    sql += " AND EXISTS(SELECT 1 FROM spans s INDEXED BY span_in_trace WHERE s.trace_row = t.id AND " + condition + ")";
  };
  if (f.name) some_span("s.name = " + ph(*f.name));
  if (f.model) some_span("s.model = " + ph(*f.model));
  if (f.provider) some_span("s.provider = " + ph(*f.provider));
  for (const auto& tag : f.tags) sql += " AND instr(t.tags, " + ph(tag_needle(tag)) + ") > 0";
  for (const auto& [k, v] : f.attributes) {
    const std::string needle = "instr(t.attributes, " + ph(attribute_needle(k, v)) + ") > 0";
    if (auto n = decimal_number(v))
      sql += " AND (" + needle + " OR sl_attr_number(t.attributes, " + ph(attribute_key_needle(k)) + ", '=', " + ph(*n) +
             ", 0))";
    else
      sql += " AND " + needle;
  }
  for (const auto& c : f.attribute_numbers)
    sql += " AND sl_attr_number(t.attributes, " + ph(attribute_key_needle(c.key)) + ", " + ph(c.op) + ", " +
           ph(c.number) + ", 1)";
  // Scores: a score of the trace or of any of its spans (score_trace's prefix).
  const auto score_of_trace = [&](const std::string& name) {
    return "FROM scores sc INDEXED BY score_trace WHERE sc.project_id = ?1 AND sc.trace_id = t.trace_id AND sc.name = " +
           ph(name);
  };
  for (const auto& c : f.scores) {
    const std::string value = c.number ? "sc.number " + c.op + " " + ph(*c.number) : "sc.category " + c.op + " " + ph(c.text);
    sql += " AND EXISTS(SELECT 1 " + score_of_trace(c.name) + " AND " + value + ")";
  }
  std::string order = f.oldest_first ? " ORDER BY t.start_us, t.id" : " ORDER BY t.start_us DESC, t.id DESC";
  int64_t& offset = out.offset;
  if (f.sort_score) {
    // Only traces with that score, by its average; pages by offset (cursor "o:<offset>").
    const std::string avg = "(SELECT avg(sc.number) " + score_of_trace(*f.sort_score) + ")";
    sql += " AND " + avg + " IS NOT NULL";
    order = " ORDER BY " + avg + (f.sort_ascending ? " ASC" : " DESC") + ", t.start_us DESC, t.id DESC";
    if (f.cursor) {
      const auto& c = *f.cursor;
      if (c.size() < 3 || c.compare(0, 2, "o:") != 0 ||
          std::from_chars(c.data() + 2, c.data() + c.size(), offset).ptr != c.data() + c.size() || offset < 0)
        return make_error(ErrorCode::bad_request, "cursor is malformed: pass back the nextCursor of a previous page");
      // Sorted by a score, a page is found by sorting the range's scored traces: deep pages cost
      // what they skip.
      if (offset > 10000)
        return make_error(ErrorCode::bad_request,
                          "cursor is past the 10000th trace: narrow the time range or filter by the score");
    }
  } else if (f.cursor) {
    auto c = parse_cursor(*f.cursor);
    if (!c) return c.error();
    const auto s1 = ph(c->first), s2 = ph(c->first), i = ph(c->second);
    const char* past = f.oldest_first ? ">" : "<";
    // The start time's bound stands alone so that the walk of trace_time starts at the cursor: with
    // bound values SQLite seeks only on a plain range, and would otherwise read every trace of
    // the pages before from the index again (each page of a deep walk costing all the ones before).
    sql += fmt::format(" AND t.start_us {3}= {0} AND (t.start_us {3} {1} OR t.id {3} {2})", s1, s2, i, past);
  }
  sql += order + " LIMIT " + ph(static_cast<int64_t>(f.limit + 1));
  if (f.sort_score) sql += " OFFSET " + ph(offset);

  return out;
}

Result<TraceRows> read_trace_rows(Db& db, const IdTraces& id_traces, int64_t project_id, const TraceFilter& f) {
  SL_TRY(list, trace_list_sql(id_traces, project_id, f));
  const auto& [sql, binds, offset] = list;
  auto st = db.prepare(sql);
  if (!st) return st.error();
  Stmt& s = **st;
  s.bind(1, project_id);
  for (size_t i = 0; i < binds.size(); ++i)
    std::visit([&](const auto& v) { s.bind(static_cast<int>(i + 2), v); }, binds[i]);

  TraceRows rows;
  TracePage& page = rows.page;
  std::vector<int64_t>& ids = rows.ids;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    if (static_cast<int>(page.traces.size()) == f.limit) {
      page.next_cursor = f.sort_score ? fmt::format("o:{}", offset + f.limit)
                                      : fmt::format("{}:{}", page.traces.back().start_us, ids.back());
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
    t.session_id = s.opt_text(11);
    t.user_id = s.opt_text(12);
    t.unpriced_spans = s.i64(13);
    page.traces.push_back(std::move(t));
  }
  return rows;
}

Result<TracePage> read_trace_page(Db& db, const IdTraces& id_traces, int64_t project_id, const TraceFilter& f) {
  auto rows = read_trace_rows(db, id_traces, project_id, f);
  if (!rows) return rows.error();
  TracePage& page = rows->page;
  const std::vector<int64_t>& ids = rows->ids;
  // Models, providers and tags of the page's traces.
  auto facets = db.prepare("SELECT model, provider, tags FROM spans INDEXED BY span_in_trace WHERE trace_row = ?1");
  if (!facets) return facets.error();
  for (size_t i = 0; i < page.traces.size(); ++i) {
    TraceSummary& t = page.traces[i];
    Stmt& fs = (*facets)->reset().bind(1, ids[i]);
    std::set<std::string> models, providers, tags;
    for (;;) {
      auto row = fs.step();
      if (!row) return row.error();
      if (!*row) break;
      if (!fs.is_null(0)) models.insert(fs.text(0)), providers.insert(fs.text(1));
      std::vector<std::string> span_tags;
      parse_tags(fs.text(2), span_tags);
      tags.insert(span_tags.begin(), span_tags.end());
    }
    t.models.assign(models.begin(), models.end());
    t.providers.assign(providers.begin(), providers.end());
    t.tags.assign(tags.begin(), tags.end());
  }
  return page;
}

}  // namespace stacklens::sqlite
