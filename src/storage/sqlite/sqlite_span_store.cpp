#include "storage/sqlite/sqlite_span_store.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "storage/sqlite/batch_commit.h"
#include "storage/sqlite/batch_prepare.h"
#include "storage/sqlite/cost_recompute.h"
#include "storage/sqlite/expiry.h"
#include "storage/sqlite/span_connection.h"
#include "storage/sqlite/span_readers.h"

namespace stacklens::sqlite {

Result<std::unique_ptr<SqliteSpanStore>> SqliteSpanStore::open(const std::string& path, uint64_t reserve_bytes,
                                                              TraceIdentities::Tuning tuning) {
  auto db = open_span_writer(path);
  if (!db) return db.error();
  // A spans.text shorter than what committed rows point at was lost or replaced.
  auto referenced_end = (*db)->query_int("SELECT coalesce(max(text_end), 0) FROM ingest_state");
  if (!referenced_end) return referenced_end.error();
  auto text_log = TextLog::open(std::filesystem::path(path).replace_extension(".text").string(), *referenced_end);
  if (!text_log) return text_log.error();
  if (!(*text_log)->direct())
    spdlog::info("spans.text is appended through the page cache: its file system refuses O_DIRECT");
  std::unique_ptr<SqliteSpanStore> store(
      new SqliteSpanStore(path, std::move(*db), std::move(*text_log), reserve_bytes, tuning));
  if (auto st = store->identities_.load(*store->writer_); !st) return st.error();
  if (auto st = store->id_traces_.load(*store->writer_); !st) return st.error();
  if (auto st = store->rollups_.catch_up(*store->writer_); !st) return st.error();
  return store;
}

SqliteSpanStore::SqliteSpanStore(const std::string& path, std::unique_ptr<Db> writer,
                                 std::unique_ptr<TextLog> text_log, uint64_t reserve_bytes,
                                 TraceIdentities::Tuning tuning)
    : disk_(path, reserve_bytes),
      writer_(std::move(writer)),
      text_log_(std::move(text_log)),
      readers_(path),
      identities_(tuning),
      id_traces_(tuning.merge_at, tuning.slice, tuning.id_hash),
      checkpointer_(path, *writer_) {}

SqliteSpanStore::~SqliteSpanStore() {
  if (auto st = rollups_.merge_now(*writer_); !st) spdlog::warn("merging rollups at shutdown: {}", st.error().message);
}

Status SqliteSpanStore::prepare(std::vector<SpanRecord>& records) { return prepare_batch(records, *text_log_, disk_); }

Result<WriteOutcome> SqliteSpanStore::write(const std::vector<const SpanRecord*>& records) {
  std::lock_guard lock(write_mu_);
  last_write_us_.store(now_micros(), std::memory_order_relaxed);
  return commit_batch(WriterParts{*writer_, *text_log_, identities_, id_traces_, rollups_, checkpointer_, disk_}, records);
}

Result<RecomputeProgress> SqliteSpanStore::recompute_costs(int64_t project_id, Micros from, Micros to,
                                                          const Repricer& reprice, const ProgressFn& progress) {
  return sqlite::recompute_costs(RecomputeParts{*writer_, write_mu_, rollups_, disk_}, project_id, from, to, reprice,
                                 progress);
}

Result<int64_t> SqliteSpanStore::expire(int64_t project_id, Micros before, const GoOn& go_on) {
  return sqlite::expire(ExpiryParts{*writer_, write_mu_, rollups_, *text_log_, identities_, id_traces_, last_write_us_}, project_id, before, go_on);
}

Result<TracePage> SqliteSpanStore::list_traces(int64_t project_id, const TraceFilter& filter) {
  auto db = readers_.lease();
  if (!db) return db.error();
  return read_trace_page(**db, id_traces_, project_id, filter);
}

Result<TracePage> SqliteSpanStore::list_trace_summaries(int64_t project_id, const TraceFilter& filter) {
  auto db = readers_.lease();
  if (!db) return db.error();
  SL_TRY(rows, read_trace_rows(**db, id_traces_, project_id, filter));
  return std::move(rows.page);
}

Result<std::optional<TraceDetail>> SqliteSpanStore::get_trace(int64_t project_id, const std::string& trace_id) {
  auto db = readers_.lease();
  if (!db) return db.error();
  return read_trace_detail(**db, identities_, *text_log_, project_id, trace_id);
}

Result<TraceSpansPage> SqliteSpanStore::list_trace_spans(int64_t project_id, const TraceFilter& filter,
                                                        bool with_text) {
  auto db = readers_.lease();
  if (!db) return db.error();
  return read_trace_spans(**db, id_traces_, *text_log_, project_id, filter, with_text);
}

Result<std::vector<MetricsSeries>> SqliteSpanStore::metrics(int64_t project_id, const MetricsQuery& q) {
  auto db = readers_.lease();
  if (!db) return db.error();
  return read_metrics(**db, rollups_, project_id, q);
}

Result<PeriodPage<SessionSummary>> SqliteSpanStore::list_sessions(int64_t project_id, const PeriodListQuery& q) {
  auto db = readers_.lease();
  if (!db) return db.error();
  return read_session_page(**db, id_traces_, project_id, q);
}

Result<PeriodPage<UserSummary>> SqliteSpanStore::list_users(int64_t project_id, const PeriodListQuery& q) {
  auto db = readers_.lease();
  if (!db) return db.error();
  return read_user_page(**db, id_traces_, project_id, q);
}

Result<int64_t> SqliteSpanStore::count_spans() {
  // A skipped duplicate takes no rowid, so the largest rowid counts every span ever stored (a
  // count(*) would read the whole table; retention's removals are not subtracted).
  auto db = readers_.lease();
  if (!db) return db.error();
  return (*db)->query_int("SELECT coalesce(max(id), 0) FROM spans");
}

Result<SpanDump> SqliteSpanStore::dump(const std::string& after, int max_spans) {
  auto db = readers_.lease();
  if (!db) return db.error();
  return read_span_dump(**db, *text_log_, after, max_spans);
}

Status SqliteSpanStore::check_ready() {
  if (auto st = disk_.check(); !st) return st;
  if (auto st = text_log_->health(); !st) return st;
  auto n = count_spans();
  if (!n) return n.error();
  return ok_status();
}

}  // namespace stacklens::sqlite
