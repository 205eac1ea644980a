#include "storage/sqlite/sqlite_score_store.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <variant>

#include "storage/sqlite/span_connection.h"

namespace stacklens::sqlite {
namespace {

constexpr std::string_view kColumns =
    "id, trace_id, span_id, name, data_type, number, category, comment, source, author, created_us, updated_us, row";

Score read_score(Stmt& r) {
  Score s;
  s.id = r.text(0);
  s.trace_id = r.text(1);
  s.span_id = r.opt_text(2);
  s.name = r.text(3);
  s.type = parse_score_type(r.view(4)).value_or(ScoreType::numeric);
  s.number = r.is_null(5) ? 0 : r.f64(5);
  s.category = r.opt_text(6).value_or("");
  s.comment = r.opt_text(7);
  s.source = r.text(8);
  s.author = r.opt_text(9);
  s.created_us = r.i64(10);
  s.updated_us = r.i64(11);
  return s;
}

Stmt& bind_value(Stmt& s, int number_at, const Score& score) {
  if (score.type == ScoreType::categorical) return s.bind_null(number_at).bind(number_at + 1, score.category);
  return s.bind(number_at, score.number).bind_null(number_at + 1);
}

Error score_missing(const std::string& id) {
  return make_error(ErrorCode::not_found, fmt::format("score '{}' does not exist in this project", id));
}

Result<std::optional<Score>> get_on(Db& db, int64_t project_id, const std::string& id) {
  auto s = db.prepare(fmt::format("SELECT {} FROM scores WHERE project_id = ?1 AND id = ?2", kColumns));
  if (!s) return s.error();
  (*s)->reset().bind(1, project_id).bind(2, id);
  auto row = (*s)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Score>{};
  Score out = read_score(**s);
  (*s)->reset();
  return std::optional<Score>(std::move(out));
}

Error conflict(const std::string& id) {
  return make_error(ErrorCode::conflict,
                    fmt::format("score '{}' already exists with other content: give a new id, or edit it", id));
}

}  // namespace

Result<std::unique_ptr<SqliteScoreStore>> SqliteScoreStore::open(const std::string& spans_db_path) {
  auto db = open_span_reader(spans_db_path);
  if (!db) return db.error();
  // The span store's checkpointer keeps the WAL short; a score's commit must not checkpoint it
  // inside a request.
  if (auto st = (*db)->exec("PRAGMA wal_autocheckpoint=0"); !st) return st.error();
  return std::unique_ptr<SqliteScoreStore>(new SqliteScoreStore(spans_db_path, std::move(*db)));
}

Result<ScorePut> SqliteScoreStore::put_locked(int64_t project_id, const Score& score) {
  auto existing = get_on(*writer_, project_id, score.id);
  if (!existing) return existing.error();
  if (*existing) {
    if (!same_content(**existing, score)) return conflict(score.id);
    return ScorePut::unchanged;
  }
  auto s = writer_->prepare(
      "INSERT INTO scores(project_id, id, trace_id, span_id, name, data_type, number, category, comment, source, "
      "author, created_us, updated_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)");
  if (!s) return s.error();
  Stmt& st = (*s)->reset();
  st.bind(1, project_id).bind(2, score.id).bind(3, score.trace_id).bind(4, score.span_id).bind(5, score.name);
  st.bind(6, score_type_name(score.type));
  bind_value(st, 7, score).bind(9, score.comment).bind(10, score.source).bind(11, score.author);
  st.bind(12, score.created_us);
  if (auto r = st.run(); !r) return r.error();
  return ScorePut::created;
}

Result<ScorePut> SqliteScoreStore::create(int64_t project_id, const Score& score) {
  auto all = create_all(project_id, {score});
  if (!all) return all.error();
  return all->front();
}

Result<std::vector<ScorePut>> SqliteScoreStore::create_all(int64_t project_id, const std::vector<Score>& scores) {
  std::lock_guard lock(mu_);
  Transaction tx(*writer_);
  if (!tx.begin_status()) return tx.begin_status().error();
  std::vector<ScorePut> out;
  out.reserve(scores.size());
  for (const auto& s : scores) {
    auto put = put_locked(project_id, s);
    if (!put) return put.error();
    out.push_back(*put);
  }
  if (auto st = tx.commit(); !st) return st.error();
  return out;
}

Result<std::optional<Score>> SqliteScoreStore::get(int64_t project_id, const std::string& id) {
  auto db = readers_.lease();
  if (!db) return db.error();
  return get_on(**db, project_id, id);
}

Result<Score> SqliteScoreStore::update(int64_t project_id, const Score& score) {
  std::lock_guard lock(mu_);
  auto s = writer_->prepare(
      "UPDATE scores SET data_type = ?3, number = ?4, category = ?5, comment = ?6, source = ?7, author = ?8, "
      "updated_us = ?9 WHERE project_id = ?1 AND id = ?2");
  if (!s) return s.error();
  Stmt& st = (*s)->reset();
  st.bind(1, project_id).bind(2, score.id).bind(3, score_type_name(score.type));
  bind_value(st, 4, score).bind(6, score.comment).bind(7, score.source).bind(8, score.author);
  st.bind(9, score.updated_us);
  if (auto r = st.run(); !r) return r.error();
  if (writer_->changes() == 0) return score_missing(score.id);
  auto stored = get_on(*writer_, project_id, score.id);
  if (!stored) return stored.error();
  if (!*stored) return score_missing(score.id);
  return **stored;
}

Status SqliteScoreStore::remove(int64_t project_id, const std::string& id) {
  std::lock_guard lock(mu_);
  auto s = writer_->prepare("DELETE FROM scores WHERE project_id = ?1 AND id = ?2");
  if (!s) return s.error();
  if (auto r = (*s)->reset().bind(1, project_id).bind(2, id).run(); !r) return r.error();
  if (writer_->changes() == 0) return score_missing(id);
  return ok_status();
}

Result<ScorePage> SqliteScoreStore::list(int64_t project_id, const ScoreFilter& f) {
  std::string sql = fmt::format("SELECT {} FROM scores WHERE project_id = ?1", kColumns);
  std::vector<std::variant<int64_t, double, std::string>> binds;
  auto ph = [&](auto v) {
    binds.emplace_back(v);
    return fmt::format("?{}", binds.size() + 1);
  };
  if (f.trace_id) sql += " AND trace_id = " + ph(*f.trace_id);
  if (f.span_id) sql += " AND span_id = " + ph(*f.span_id);
  if (f.name) sql += " AND name = " + ph(*f.name);
  if (f.source) sql += " AND source = " + ph(*f.source);
  if (f.min_value) sql += " AND number >= " + ph(*f.min_value);
  if (f.max_value) sql += " AND number <= " + ph(*f.max_value);
  if (f.from_us) sql += " AND created_us >= " + ph(*f.from_us);
  if (f.to_us) sql += " AND created_us < " + ph(*f.to_us);
  if (f.cursor) {
    // "created_us:row" of the last score of the previous page.
    const auto& c = *f.cursor;
    const auto colon = c.find(':');
    int64_t at = 0, row = 0;
    if (colon == std::string::npos || std::from_chars(c.data(), c.data() + colon, at).ec != std::errc() ||
        std::from_chars(c.data() + colon + 1, c.data() + c.size(), row).ptr != c.data() + c.size())
      return make_error(ErrorCode::bad_request, "cursor is malformed: pass back the nextCursor of a previous page");
    const auto a1 = ph(at), a2 = ph(at), r = ph(row);
    // The time's bound stands alone, so that the index walk starts at the cursor (as the trace list's).
    sql += fmt::format(" AND created_us <= {} AND (created_us < {} OR row < {})", a1, a2, r);
  }
  sql += " ORDER BY created_us DESC, row DESC LIMIT " + ph(static_cast<int64_t>(f.limit + 1));
  auto db = readers_.lease();
  if (!db) return db.error();
  auto st = (*db)->prepare(sql);
  if (!st) return st.error();
  Stmt& s = (*st)->reset();
  s.bind(1, project_id);
  for (size_t i = 0; i < binds.size(); ++i)
    std::visit([&](const auto& v) { s.bind(static_cast<int>(i + 2), v); }, binds[i]);
  ScorePage page;
  int64_t last_row = 0;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    if (static_cast<int>(page.scores.size()) == f.limit) {
      page.next_cursor = fmt::format("{}:{}", page.scores.back().created_us, last_row);
      s.reset();
      break;
    }
    page.scores.push_back(read_score(s));
    last_row = s.i64(12);
  }
  return page;
}

// In row order; the cursor is the last row read.
Result<ScoreDump> SqliteScoreStore::dump(const std::string& after, int max) {
  auto db = readers_.lease();
  if (!db) return db.error();
  auto st = (*db)->prepare(fmt::format("SELECT {}, project_id FROM scores WHERE row > ?1 ORDER BY row LIMIT ?2", kColumns));
  if (!st) return st.error();
  Stmt& s = (*st)->reset().bind(1, after.empty() ? int64_t{0} : static_cast<int64_t>(std::stoll(after))).bind(2, int64_t{max});
  ScoreDump page;
  int64_t last_row = 0;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    page.scores.emplace_back(s.i64(13), read_score(s));
    last_row = s.i64(12);
  }
  if (static_cast<int>(page.scores.size()) == max) page.cursor = std::to_string(last_row);
  return page;
}

Result<std::vector<Score>> SqliteScoreStore::of_trace(int64_t project_id, const std::string& trace_id) {
  auto db = readers_.lease();
  if (!db) return db.error();
  auto s = (*db)->prepare(fmt::format(
      "SELECT {} FROM scores INDEXED BY score_trace WHERE project_id = ?1 AND trace_id = ?2 ORDER BY created_us, row",
      kColumns));
  if (!s) return s.error();
  Stmt& st = (*s)->reset().bind(1, project_id).bind(2, trace_id);
  std::vector<Score> out;
  for (;;) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_score(st));
  }
}

Result<std::vector<ScoreBucket>> SqliteScoreStore::summary(int64_t project_id, const ScoreSummaryQuery& q) {
  auto db = readers_.lease();
  if (!db) return db.error();
  auto s = (*db)->prepare(
      "SELECT (created_us - ?3) / ?5, count(*), avg(number), category FROM scores INDEXED BY score_name_time "
      "WHERE project_id = ?1 AND name = ?2 AND created_us >= ?3 AND created_us < ?4 "
      "GROUP BY 1, category ORDER BY 1, category");
  if (!s) return s.error();
  Stmt& st = (*s)->reset().bind(1, project_id).bind(2, q.name).bind(3, q.from_us).bind(4, q.to_us).bind(5, q.interval_us);
  std::map<int64_t, ScoreBucket> buckets;
  std::map<int64_t, double> sums;
  for (;;) {
    auto row = st.step();
    if (!row) return row.error();
    if (!*row) break;
    ScoreBucket& b = buckets[st.i64(0)];
    b.bucket_us = q.from_us + st.i64(0) * q.interval_us;
    const int64_t n = st.i64(1);
    b.count += n;
    if (!st.is_null(3)) b.categories.emplace_back(st.text(3), n);
    else if (!st.is_null(2)) sums[st.i64(0)] += st.f64(2) * static_cast<double>(n);
  }
  std::vector<ScoreBucket> out;
  for (auto& [k, b] : buckets) {
    int64_t numeric = b.count;
    for (const auto& [c, n] : b.categories) numeric -= n;
    if (numeric > 0) b.average = sums[k] / static_cast<double>(numeric);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace stacklens::sqlite
