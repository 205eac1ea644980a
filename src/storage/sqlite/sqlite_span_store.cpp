#include <pthread.h>

#include "storage/sqlite/sqlite_span_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <charconv>
#include <map>
#include <numeric>
#include <span>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "storage/sqlite/latency_histogram.h"
#include "storage/sqlite/rollup_accumulator.h"
#include "storage/sqlite/span_codec.h"
#include "storage/sqlite/span_row.h"
#include "storage/sqlite/span_schema.h"
#include "storage/sqlite/text_log.h"

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

// Queries name the index they need (INDEXED BY): without statistics SQLite may
// otherwise pick a worse one and read far more rows than a trace has.
namespace {

constexpr std::string_view kSpanColumns =
    "trace_id, span_id, parent_span_id, name, kind, status, start_us, end_us, model, provider, input_tokens, "
    "output_tokens, total_tokens, cost_usd, temperature, max_tokens, is_streaming, finish_reason, prompt, prompt_key, "
    "completion, completion_key, attributes, tags, events, text_at, prompt_len, completion_len, attributes_len, "
    "packed";
// Positions in kSpanColumns that are read by name; a query's own columns follow at kSpanColumnCount.
constexpr int kAttributesColumn = 22, kAttributesLenColumn = 28, kPackedColumn = 29, kSpanColumnCount = 30;
// Checkpoints are spaced out on purpose: index pages that commits dirty again and again are
// then copied into the database once per checkpoint rather than once per commit (measured:
// 250 ms gave 25,600 spans/s, 2 s 30,100, 5 s 31,200 with twice the WAL).
constexpr auto kCheckpointEvery = std::chrono::milliseconds(2000);
constexpr int64_t kRebuildChunk = 50000;
// Rollups are merged into their table at most this often (and when this many sums are pending):
// a merge is an upsert per (bucket, dimension, group), which at every commit of a few spans cost
// more than the spans themselves.
constexpr auto kRollupMergeEvery = std::chrono::milliseconds(1000);
constexpr size_t kMaxPendingRollups = 10000;
// spans.db is made of 16 KiB pages rather than SQLite's 4 KiB: a span row with prompt and
// completion fits in one page instead of spilling into overflow pages, and the writer handles
// a quarter of the pages (B-tree cells, WAL frames and their checksums) for the same bytes.
// Measured in five alternating 20 s pairs: 4 KiB 71.7-78.6k spans/s, 16 KiB 78.1-84.5k. A store
// created with another page size keeps it.
constexpr int kPageSize = 16384;
// A WAL this long is checkpointed by the writer itself right after a commit, when no other
// write can slip in, so the next transaction starts the WAL over. The background checkpointer
// has usually copied most of it already, so this is short.
constexpr int64_t kWalBytesBeforeReset = 256 << 20;
// The checkpointer is woken this many times as the WAL grows towards that length, so the
// writer's own checkpoint copies and syncs a sixteenth of it (a quarter stalled it 100-250 ms).
constexpr int kNudgesPerWal = 16;
// A request's sealed text goes to spans.text (text_log.h) from this many bytes on; below, it
// stays in the rows. spans.text is written once instead of twice (WAL, then database), but it
// costs a commit a second fsync, which grows the file and so also commits the file system's
// journal: for batches that is far less than the bytes saved (batched ingest, 60 s, back to
// back: 76.4k -> 85.2k spans/s), for single-span requests it was more (25.3k -> 23.4k req/s).
constexpr size_t kTextLogFromBytes = 64 * 1024;

// sl_key(text): the 64-bit key of an id (migrations use it to key existing rows).
void sql_key(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(ctx, id_key(std::string_view(text ? text : "", static_cast<size_t>(n))));
}

// sl_histogram_merge(a, b): the sum of two encoded latency histograms.
void sql_histogram_merge(sqlite3_context* ctx, int, sqlite3_value** argv) {
  LatencyHistogram h;
  for (int i = 0; i < 2; ++i) {
    const auto* p = static_cast<const char*>(sqlite3_value_blob(argv[i]));
    const int n = sqlite3_value_bytes(argv[i]);
    if (p && !h.merge_encoded(std::string_view(p, static_cast<size_t>(n))))
      return sqlite3_result_error(ctx, "malformed latency histogram", -1);
  }
  const std::string out = h.encode();
  sqlite3_result_blob(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

Result<std::unique_ptr<Db>> open_connection(const std::string& path, int cache_kib, int page_size = 0) {
  auto db = Db::open(path, false, page_size);
  if (!db) return db.error();
  if (auto st = register_span_functions(**db); !st) return st.error();
  if (auto st = (*db)->exec(fmt::format("PRAGMA cache_size=-{}; PRAGMA temp_store=MEMORY;", cache_kib)); !st)
    return st.error();
  return db;
}

// A span row as read (kSpanColumns): the span without its attributes and sealed text kept in
// spans.text, and where those are.
struct SpanRow {
  SpanRecord record;
  // Where its text is (text_at set: in spans.text, see read_text) and its attributes' length in
  // the trace row (get_trace finds them there), as packed rows say it and wide rows' columns.
  PackedPlace place;
  // Rows stored before attributes_len (migration 9) hold their attributes themselves.
  std::optional<std::string> own_attributes;
};

Result<SpanRow> read_span(Stmt& s, int64_t project_id) {
  SpanRow row;
  SpanRecord& r = row.record;
  Span& sp = r.span;
  sp.project_id = project_id;
  sp.trace_id = s.text(0);
  sp.span_id = s.text(1);
  sp.name = s.text(3);
  parse_tags(s.text(23), sp.tags);
  if (!s.is_null(8)) {
    LlmData& l = sp.llm.emplace();
    l.model = s.text(8);
    l.provider = s.text(9);
  }
  if (!s.is_null(kPackedColumn)) {  // migration 10 on: the rest is packed (span_row.h)
    if (auto st = unpack_span(s.view(kPackedColumn), r, row.place); !st) return st.error();
    if (sp.llm.has_value() != !s.is_null(8)) return make_error(ErrorCode::internal, "a stored span row is corrupt (llm)");
    return row;
  }
  sp.parent_span_id = s.opt_text(2);
  sp.kind = s.text(4);
  sp.status = s.text(5);
  sp.start_us = s.i64(6);
  sp.end_us = s.i64(7);
  if (sp.llm) {
    LlmData& l = *sp.llm;
    l.input_tokens = s.i64(10);
    l.output_tokens = s.i64(11);
    l.total_tokens = s.i64(12);
    l.cost_usd = s.f64(13);
    l.temperature = s.opt_f64(14);
    l.max_tokens = s.opt_i64(15);
    l.is_streaming = s.i64(16) != 0;
    l.finish_reason = s.opt_text(17);
  }
  if (!s.is_null(18)) r.prompt = SealedText{s.text(18), static_cast<int>(s.i64(19))};
  if (!s.is_null(20)) r.completion = SealedText{s.text(20), static_cast<int>(s.i64(21))};
  if (!s.is_null(25)) {
    row.place.text_at = s.i64(25);
    if (!s.is_null(26)) r.prompt = SealedText{std::string(), static_cast<int>(s.i64(19))}, row.place.prompt_len = s.i64(26);
    if (!s.is_null(27))
      r.completion = SealedText{std::string(), static_cast<int>(s.i64(21))}, row.place.completion_len = s.i64(27);
  }
  parse_events(s.text(24), sp.events);
  if (s.is_null(kAttributesLenColumn)) row.own_attributes = s.text(kAttributesColumn);
  else row.place.attributes_len = s.i64(kAttributesLenColumn);
  return row;
}

// The row's sealed text kept in spans.text: the prompt, then the completion right after it,
// in one read.
Status read_text(const TextLog& texts, SpanRow& row) {
  if (!row.place.text_at) return ok_status();
  auto bytes = texts.read(*row.place.text_at, row.place.prompt_len + row.place.completion_len);
  if (!bytes) return bytes.error();
  const std::string_view both(*bytes);
  const auto prompt_len = static_cast<size_t>(row.place.prompt_len);
  if (row.record.prompt) row.record.prompt->bytes = std::string(both.substr(0, prompt_len));
  if (row.record.completion) row.record.completion->bytes = std::string(both.substr(prompt_len));
  return ok_status();
}

Result<std::pair<int64_t, int64_t>> parse_cursor(const std::string& c) {
  const auto colon = c.find(':');
  int64_t start = 0, id = 0;
  if (colon == std::string::npos || std::from_chars(c.data(), c.data() + colon, start).ec != std::errc() ||
      std::from_chars(c.data() + colon + 1, c.data() + c.size(), id).ptr != c.data() + c.size())
    return make_error(ErrorCode::bad_request, "cursor is malformed: pass back the nextCursor of a previous page");
  return std::make_pair(start, id);
}

// One commit's new spans summed per trace: one write of the trace row per trace, not per span.
// Views point into the commit's records; text is copied only for a trace with several spans.
struct TraceSum {
  std::string_view trace_id, name, attributes, tags;  // attributes, tags: the spans' JSON, concatenated
  bool has_root = false;
  Micros start_us = INT64_MAX, end_us = INT64_MIN;
  int64_t errors = 0, spans = 0, input_tokens = 0, output_tokens = 0, total_tokens = 0;
  double cost_usd = 0;

  void add(const Span& s, const std::string& attributes_text, const std::string& tags_text) {
    if (spans == 0) {
      attributes = attributes_text;
      tags = tags_text;
    } else {
      if (spans == 1) joined_attributes_.assign(attributes), joined_tags_.assign(tags);
      joined_attributes_ += attributes_text;
      joined_tags_ += tags_text;
      attributes = joined_attributes_;
      tags = joined_tags_;
    }
    const bool root = !s.parent_span_id;
    // The trace's name: its root span's, else its earliest span's.
    if ((root && !has_root) || (root == has_root && s.start_us < start_us)) name = s.name;
    has_root = has_root || root;
    trace_id = s.trace_id;
    start_us = std::min(start_us, s.start_us);
    end_us = std::max(end_us, s.end_us);
    errors += s.is_error() ? 1 : 0;
    spans++;
    if (s.llm) {
      input_tokens += s.llm->input_tokens;
      output_tokens += s.llm->output_tokens;
      total_tokens += s.llm->total_tokens;
      cost_usd += s.llm->cost_usd;
    }
  }

 private:
  std::string joined_attributes_, joined_tags_;
};

// A trace row's sums grow by a commit's new spans; the name follows the rules of TraceSum::add.
constexpr std::string_view kMergeTrace =
    "UPDATE traces SET "
    "name = CASE WHEN ?3 > has_root THEN ?2 WHEN ?3 = has_root AND ?4 < start_us THEN ?2 ELSE name END, "
    "has_root = max(has_root, ?3), start_us = min(start_us, ?4), end_us = max(end_us, ?5), errors = errors + ?6, "
    "span_count = span_count + ?7, input_tokens = input_tokens + ?8, output_tokens = output_tokens + ?9, "
    "total_tokens = total_tokens + ?10, cost_usd = cost_usd + ?11, attributes = attributes || ?12, "
    "tags = tags || ?13 WHERE id = ?1";

// One commit's spans of one trace, in arrival order.
struct TraceGroup {
  int64_t project_id = 0, trace_key = 0;
  std::span<const SpanRecord* const> spans;
};

// A span row as inserted: the columns SQL reads, and the rest packed (span_row.h). The columns
// of the wide form that are NOT NULL get constants (rows read them from `packed` instead);
// trace_key, which no query reads, gets 0. Values are bound at parameters base+1 ..
// base+kSpanParams; the records outlive the run, so nothing is copied into SQLite's memory.
constexpr std::string_view kSpanInsertColumns =
    "project_id, trace_key, span_key, trace_row, trace_id, span_id, name, kind, status, start_us, end_us, model, "
    "provider, attributes, tags, events, packed";
constexpr std::string_view kSpanInsertRow = "(?,0,?,?,?,?,?,'','',0,0,?,?,'',?,'',?)";
constexpr int kSpanParams = 10;
void bind_span(Stmt& st, int base, const SpanRecord& r, int64_t trace_row) {
  const Span& s = r.span;
  const SpanRecord::Encoded& e = *r.encoded;
  st.bind(base + 1, s.project_id).bind(base + 2, e.span_key).bind(base + 3, trace_row);
  st.bind_ref(base + 4, s.trace_id).bind_ref(base + 5, s.span_id).bind_ref(base + 6, s.name);
  if (s.llm) st.bind_ref(base + 7, s.llm->model).bind_ref(base + 8, s.llm->provider);
  st.bind_ref(base + 9, e.tags).bind_blob_ref(base + 10, e.packed);
}

// INSERT INTO spans of `rows` spans in one statement.
std::string span_insert_sql(int rows, std::string_view tail) {
  std::string sql = fmt::format("INSERT INTO spans({}) VALUES {}", kSpanInsertColumns, kSpanInsertRow);
  for (int i = 1; i < rows; ++i) sql += fmt::format(",{}", kSpanInsertRow);
  return sql + std::string(tail);
}

// Spans of new traces cannot conflict, so they go in this many rows per statement.
constexpr int kRowsPerInsert = 16;

// Groups a commit's (prepared) records by trace: one write of the trace's row per trace and
// commit. Groups come in the order of their first span, and their spans in arrival order; they
// point into `grouped`, which holds the records group after group. (By sorting: a hash map of
// vectors cost a few allocations per trace on the writer thread.)
std::vector<TraceGroup> group_by_trace(const std::vector<const SpanRecord*>& records,
                                       std::vector<const SpanRecord*>& grouped) {
  const auto trace_of = [&](size_t i) { return std::pair(records[i]->span.project_id, records[i]->encoded->trace_key); };
  std::vector<uint32_t> order(records.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return trace_of(a) < trace_of(b); });
  struct Run {
    size_t begin, end;  // in `order`; order[begin] is the trace's first span (the sort is stable)
  };
  std::vector<Run> runs;
  for (size_t i = 0, j = 0; i < order.size(); i = j) {
    for (j = i + 1; j < order.size() && trace_of(order[j]) == trace_of(order[i]);) ++j;
    runs.push_back(Run{i, j});
  }
  std::sort(runs.begin(), runs.end(), [&](const Run& a, const Run& b) { return order[a.begin] < order[b.begin]; });
  grouped.clear();
  grouped.reserve(records.size());  // no reallocation: the groups' spans point into it
  std::vector<TraceGroup> groups;
  groups.reserve(runs.size());
  for (const Run& run : runs) {
    const size_t first = grouped.size();
    for (size_t k = run.begin; k < run.end; ++k) grouped.push_back(records[order[k]]);
    const auto [project_id, trace_key] = trace_of(order[run.begin]);
    groups.push_back(TraceGroup{project_id, trace_key, std::span(grouped).subspan(first, run.end - run.begin)});
  }
  return groups;
}

}  // namespace

Status register_span_functions(Db& db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  if (sqlite3_create_function(db.raw(), "sl_key", 1, flags, nullptr, sql_key, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function(db.raw(), "sl_histogram_merge", 2, flags, nullptr, sql_histogram_merge, nullptr,
                              nullptr) != SQLITE_OK)
    return db.error("register functions");
  return ok_status();
}

SqliteSpanStore::SqliteSpanStore(std::string path, std::unique_ptr<Db> writer, std::unique_ptr<TextLog> text_log,
                                 uint64_t reserve_bytes, TraceIdentities::Tuning tuning)
    : path_(std::move(path)),
      reserve_bytes_(reserve_bytes),
      writer_(std::move(writer)),
      text_log_(std::move(text_log)),
      identities_(tuning),
      wal_frames_before_reset_(static_cast<int>(kWalBytesBeforeReset / writer_->page_size())),
      next_nudge_(wal_frames_before_reset_ / kNudgesPerWal),
      checkpointer_([this] { checkpoint_loop(); }) {
  sqlite3_wal_hook(
      writer_->raw(),
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<SqliteSpanStore*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
      },
      this);
}

SqliteSpanStore::~SqliteSpanStore() {
  if (auto st = merge_rollups(); !st) spdlog::warn("merging rollups at shutdown: {}", st.error().message);
  {
    std::lock_guard lock(checkpoint_mu_);
    stopping_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

Result<std::unique_ptr<SqliteSpanStore>> SqliteSpanStore::open(const std::string& path, uint64_t reserve_bytes,
                                                              TraceIdentities::Tuning tuning) {
  auto db = open_connection(path, 64 * 1024, kPageSize);
  if (!db) return db.error();
  if (auto st = migrate(**db, kSpanMigrations); !st) return st.error();
  // A spans.text shorter than what committed rows point at was lost or replaced.
  auto referenced_end = (*db)->query_int("SELECT coalesce(max(text_end), 0) FROM ingest_state");
  if (!referenced_end) return referenced_end.error();
  auto text_log = TextLog::open(std::filesystem::path(path).replace_extension(".text").string(), *referenced_end);
  if (!text_log) return text_log.error();
  if (!(*text_log)->direct())
    spdlog::info("spans.text is appended through the page cache: its file system refuses O_DIRECT");
  // Checkpoints run on their own thread (checkpoint_loop), never inside a commit.
  if (auto st = (*db)->exec("PRAGMA wal_autocheckpoint=0"); !st) return st.error();
  std::unique_ptr<SqliteSpanStore> store(new SqliteSpanStore(path, std::move(*db), std::move(*text_log), reserve_bytes, tuning));
  if (auto st = store->identities_.load(*store->writer_); !st) return st.error();
  if (auto st = store->catch_up_rollups(); !st) return st.error();
  return store;
}

void SqliteSpanStore::checkpoint_loop() {
  pthread_setname_np(pthread_self(), "sl-checkpoint");
  std::unique_ptr<Db> db;
  std::unique_lock lock(checkpoint_mu_);
  while (!stopping_) {
    checkpoint_cv_.wait_for(lock, kCheckpointEvery, [this] { return stopping_ || checkpoint_due_; });
    if (stopping_) break;
    checkpoint_due_ = false;
    if (!db) {
      auto opened = Db::open(path_);
      if (!opened) continue;
      db = std::move(*opened);
    }
    // PASSIVE: copies what it can without waiting for, or blocking, the writer and readers.
    // The lock is let go meanwhile, so the writer never waits to mark a checkpoint due.
    lock.unlock();
    if (auto st = db->exec("PRAGMA wal_checkpoint(PASSIVE)"); !st) spdlog::warn("checkpoint: {}", st.error().message);
    lock.lock();
  }
  if (db) (void)db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
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
  auto db = open_connection(path_, 8 * 1024);
  if (!db) return db.error();
  return ReaderLease(this, std::move(*db));
}

// Sums spans above rollup_state.through_id into the rollups: spans stored before rollups existed,
// or committed after the last merge before a crash.
Status SqliteSpanStore::catch_up_rollups() {
  auto state = writer_->prepare("SELECT through_id, generation FROM rollup_state");
  if (!state) return state.error();
  auto row = (*state)->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::internal, "spans.db has no rollup_state row");
  int64_t after = (*state)->i64(0);
  rollup_generation_ = (*state)->i64(1);
  (*state)->reset();
  auto scan = writer_->prepare(fmt::format(
      "SELECT {}, project_id, id FROM spans WHERE id > ?1 ORDER BY id LIMIT {}", kSpanColumns, kRebuildChunk));
  if (!scan) return scan.error();
  for (;;) {
    RollupAccumulator acc;
    Stmt& s = (*scan)->reset().bind(1, after);
    int64_t rows = 0;
    for (;;) {
      auto r = s.step();
      if (!r) return r.error();
      if (!*r) break;
      auto row = read_span(s, s.i64(kSpanColumnCount));  // rollups need no attributes or text
      if (!row) return row.error();
      acc.add(row->record.span);
      after = s.i64(kSpanColumnCount + 1);
      ++rows;
    }
    if (rows == 0) return ok_status();
    spdlog::info("summed {} stored spans into the metrics rollups", rows);
    Transaction tx(*writer_);
    if (!tx.begin_status()) return tx.begin_status();
    if (auto st = acc.flush(*writer_); !st) return st;
    auto mark = writer_->prepare("UPDATE rollup_state SET through_id = ?1, generation = generation + 1");
    if (!mark) return mark.error();
    if (auto st = (*mark)->reset().bind(1, after).run(); !st) return st;
    if (auto st = tx.commit(); !st) return st;
    ++rollup_generation_;
  }
}

// Inside the writer's transaction: the pending sums, plus `more` (spans of this transaction),
// go into the rollups table, which then counts every span stored so far.
Status SqliteSpanStore::merge_pending_rollups(const RollupAccumulator& more) {
  if (auto st = pending_rollups_.flush(*writer_); !st) return st;
  if (auto st = more.flush(*writer_); !st) return st;
  return writer_->exec(
      "UPDATE rollup_state SET through_id = (SELECT coalesce(max(id), 0) FROM spans), generation = generation + 1");
}

// After the transaction of merge_pending_rollups() committed.
void SqliteSpanStore::pending_rollups_merged() {
  std::lock_guard lock(rollups_mu_);
  pending_rollups_.clear();
  ++rollup_generation_;
  last_rollup_merge_ = std::chrono::steady_clock::now();
}

// Merges the pending rollups into the table in their own transaction (used when the writer stops).
Status SqliteSpanStore::merge_rollups() {
  if (pending_rollups_.empty()) return ok_status();
  Transaction tx(*writer_);
  if (!tx.begin_status()) return tx.begin_status();
  if (auto st = merge_pending_rollups(RollupAccumulator{}); !st) return st;
  if (auto st = tx.commit(); !st) return st;
  pending_rollups_merged();
  return ok_status();
}

Status SqliteSpanStore::check_free_space() const {
  struct statvfs vfs {};
  const std::string dir = std::filesystem::path(path_).parent_path().string();
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &vfs) != 0) return ok_status();
  const uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (free_bytes < reserve_bytes_)
    return make_error(ErrorCode::storage_full,
                      fmt::format("storage is full: {} MiB free in {}, {} MiB are kept in reserve", free_bytes >> 20,
                                  dir, reserve_bytes_ >> 20));
  return ok_status();
}

Status SqliteSpanStore::prepare(std::vector<SpanRecord>& records) {
  std::vector<SpanRecord*> with_text;
  std::vector<std::string_view> pieces;
  size_t text_bytes = 0;
  for (SpanRecord& r : records) {
    if (r.encoded) continue;
    Span& s = r.span;
    r.encoded = SpanRecord::Encoded{attributes_json(s.attributes), tags_json(s.tags), events_json(s.events),
                                    id_key(s.trace_id), id_key(s.span_id), std::nullopt, 0, 0, {}};
    // Freed here, on the request thread, rather than by the writer.
    s.attributes = {};
    s.tags = {};
    s.events = {};
    if (!r.prompt && !r.completion) continue;
    with_text.push_back(&r);
    for (const auto* sealed : {&r.prompt, &r.completion})
      if (*sealed) pieces.push_back((*sealed)->bytes), text_bytes += (*sealed)->bytes.size();
  }
  if (text_bytes >= kTextLogFromBytes) {  // else kept in the rows
    // The text goes to spans.text now, in one write, made durable by the commit that stores the rows.
    if (auto st = check_free_space(); !st) return st;
    auto at = text_log_->append(pieces);
    if (!at) return at.error();
    int64_t next = *at;
    for (SpanRecord* r : with_text) {
      SpanRecord::Encoded& e = *r->encoded;
      e.text_at = next;
      if (r->prompt) e.prompt_len = static_cast<int64_t>(r->prompt->bytes.size());
      if (r->completion) e.completion_len = static_cast<int64_t>(r->completion->bytes.size());
      next += e.prompt_len + e.completion_len;
    }
  }
  for (SpanRecord& r : records) {
    if (!r.encoded || !r.encoded->packed.empty()) continue;
    r.encoded->packed = pack_span(r);
    for (auto* sealed : {&r.prompt, &r.completion})
      if (*sealed) std::string().swap((*sealed)->bytes);  // stored or packed: the queue no longer holds it
  }
  return ok_status();
}

Result<WriteOutcome> SqliteSpanStore::write(const std::vector<const SpanRecord*>& records) {
  if (auto st = check_free_space(); !st) return st.error();
  // Records that did not come through prepare() (tests, tools) are encoded here.
  // (Reserved to their count: pointers into `unprepared` must stay valid.)
  std::vector<SpanRecord> unprepared;
  unprepared.reserve(static_cast<size_t>(
      std::count_if(records.begin(), records.end(), [](const SpanRecord* r) { return !r->encoded; })));
  std::vector<const SpanRecord*> all;
  all.reserve(records.size());
  for (const SpanRecord* r : records) {
    if (r->encoded) {
      all.push_back(r);
      continue;
    }
    unprepared.push_back(*r);
  }
  if (auto st = prepare(unprepared); !st) return st.error();
  for (const auto& r : unprepared) all.push_back(&r);
  // The rows' text was appended to spans.text before they were queued: it is made durable
  // while the rows are inserted, and the commit waits for it.
  text_log_->start_sync();
  std::vector<const SpanRecord*> grouped;
  const std::vector<TraceGroup> groups = group_by_trace(all, grouped);
  Transaction tx(*writer_);
  if (!tx.begin_status()) return tx.begin_status().error();
  auto add_trace = writer_->prepare(
      "INSERT INTO traces(project_id, trace_key, trace_id, name, has_root, start_us, end_us, errors, span_count, "
      "input_tokens, output_tokens, total_tokens, cost_usd, attributes, tags) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)");
  auto merge_trace = writer_->prepare(kMergeTrace);
  static const std::string kInsertOne = span_insert_sql(1, " ON CONFLICT(trace_row, span_key) DO NOTHING");
  static const std::string kInsertNew = span_insert_sql(1, "");
  static const std::string kInsertMany = span_insert_sql(kRowsPerInsert, "");
  auto ins = writer_->prepare(kInsertOne);
  auto ins_new = writer_->prepare(kInsertNew);
  auto ins_many = writer_->prepare(kInsertMany);
  for (auto* st : {&add_trace, &merge_trace, &ins, &ins_new, &ins_many})
    if (!*st) return st->error();
  WriteOutcome out;
  std::vector<const Span*> inserted;  // this commit's new spans, for the rollups
  inserted.reserve(all.size());
  std::unordered_set<int64_t> seen;  // span keys of a new trace's group
  std::vector<std::pair<const SpanRecord*, int64_t>> fresh;  // spans of new traces, with their trace row
  std::vector<TraceIdentities::Entry> added;  // this commit's new traces
  for (const TraceGroup& g : groups) {
    auto found = identities_.find(*writer_, g.project_id, g.trace_key);
    if (!found) return found.error();
    const bool existing = found->has_value();
    TraceSum sum;
    int64_t trace_row = existing ? **found : 0;
    if (!existing) {
      // A new trace: every distinct span of the group is new, so its sums are known up front.
      seen.clear();
      const size_t first = fresh.size();
      for (const SpanRecord* r : g.spans) {
        if (!seen.insert(r->encoded->span_key).second) {
          out.duplicates++;  // the same span twice in one commit
          continue;
        }
        sum.add(r->span, r->encoded->attributes, r->encoded->tags);
        fresh.emplace_back(r, 0);
      }
      Stmt& a = (*add_trace)->reset();
      a.bind(1, g.project_id).bind(2, g.trace_key).bind_view(3, sum.trace_id).bind_view(4, sum.name);
      a.bind(5, static_cast<int64_t>(sum.has_root)).bind(6, sum.start_us).bind(7, sum.end_us).bind(8, sum.errors);
      a.bind(9, sum.spans).bind(10, sum.input_tokens).bind(11, sum.output_tokens).bind(12, sum.total_tokens);
      a.bind(13, sum.cost_usd).bind_view(14, sum.attributes).bind_view(15, sum.tags);
      if (auto rs = a.run(); !rs) return rs.error();
      trace_row = writer_->last_insert_rowid();
      added.push_back(TraceIdentities::Entry{g.project_id, g.trace_key, trace_row});
      for (size_t i = first; i < fresh.size(); ++i) fresh[i].second = trace_row;
      continue;  // its spans are inserted below, many per statement
    }
    // A trace stored before: each span may be a retry of one stored already.
    for (const SpanRecord* r : g.spans) {
      Stmt& st = (*ins)->reset();
      bind_span(st, 0, *r, trace_row);
      if (auto rs = st.run(); !rs) return rs.error();
      if (writer_->changes() != 1) {
        out.duplicates++;
        continue;
      }
      out.inserted++;
      sum.add(r->span, r->encoded->attributes, r->encoded->tags);
      inserted.push_back(&r->span);
    }
    if (sum.spans > 0) {
      Stmt& m = (*merge_trace)->reset();
      m.bind(1, trace_row).bind_view(2, sum.name).bind(3, static_cast<int64_t>(sum.has_root)).bind(4, sum.start_us);
      m.bind(5, sum.end_us).bind(6, sum.errors).bind(7, sum.spans).bind(8, sum.input_tokens);
      m.bind(9, sum.output_tokens).bind(10, sum.total_tokens).bind(11, sum.cost_usd).bind_view(12, sum.attributes);
      m.bind_view(13, sum.tags);
      if (auto rs = m.run(); !rs) return rs.error();
    }
  }
  // Spans of new traces: none can be stored already, so no conflict is possible (one would fail the commit).
  size_t next = 0;
  for (; next + kRowsPerInsert <= fresh.size(); next += kRowsPerInsert) {
    Stmt& st = (*ins_many)->reset();
    for (int j = 0; j < kRowsPerInsert; ++j) bind_span(st, j * kSpanParams, *fresh[next + j].first, fresh[next + j].second);
    if (auto rs = st.run(); !rs) return rs.error();
  }
  for (; next < fresh.size(); ++next) {
    Stmt& st = (*ins_new)->reset();
    bind_span(st, 0, *fresh[next].first, fresh[next].second);
    if (auto rs = st.run(); !rs) return rs.error();
  }
  for (const auto& [r, row] : fresh) inserted.push_back(&r->span);
  out.inserted += static_cast<int64_t>(fresh.size());
  // Rollups: merged into their table about once a second, with the spans they count. Until
  // then they are pending in memory (readers add them); after a crash catch_up_rollups() sums
  // the spans above through_id again.
  const bool merge = std::chrono::steady_clock::now() - last_rollup_merge_ >= kRollupMergeEvery ||
                     pending_rollups_.size() > kMaxPendingRollups;
  if (merge) {
    RollupAccumulator rollups;
    for (const Span* s : inserted) rollups.add(*s);
    if (auto st = merge_pending_rollups(rollups); !st) return st.error();
  }
  auto merged_to = identities_.merge_step(*writer_);
  if (!merged_to) return merged_to.error();
  int64_t text_end = 0;  // the end of the text this commit's rows point at
  for (const SpanRecord* r : all)
    if (r->encoded->text_at)
      text_end = std::max(text_end, *r->encoded->text_at + r->encoded->prompt_len + r->encoded->completion_len);
  if (text_end > 0) {
    auto mark = writer_->prepare("UPDATE ingest_state SET text_end = max(text_end, ?1)");
    if (!mark) return mark.error();
    if (auto st = (*mark)->reset().bind(1, text_end).run(); !st) return st.error();
  }
  if (auto st = text_log_->wait_synced(); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();
  identities_.committed(added, *merged_to);
  if (merge) {
    pending_rollups_merged();
  } else {
    std::lock_guard lock(rollups_mu_);
    for (const Span* s : inserted) pending_rollups_.add(*s);
  }
  if (wal_frames_ > wal_frames_before_reset_) {
    wal_frames_ = 0;
    next_nudge_ = wal_frames_before_reset_ / kNudgesPerWal;
    if (auto st = writer_->exec("PRAGMA wal_checkpoint(PASSIVE)"); !st) spdlog::warn("checkpoint: {}", st.error().message);
  } else if (wal_frames_ > next_nudge_) {
    // On the way: the checkpointer copies what is there now on its own thread, so the writer's
    // checkpoint at the restart only has the last stretch to copy.
    next_nudge_ += wal_frames_before_reset_ / kNudgesPerWal;
    {
      std::lock_guard lock(checkpoint_mu_);
      checkpoint_due_ = true;
    }
    checkpoint_cv_.notify_one();
  }
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
  // Span-level filters: some span of the trace matches (found through span_in_trace's prefix).
  const auto some_span = [&](const std::string& condition) {
    sql += " AND EXISTS(SELECT 1 FROM spans s INDEXED BY span_in_trace WHERE s.trace_row = t.id AND " + condition + ")";
  };
  if (f.name) some_span("s.name = " + ph(*f.name));
  if (f.model) some_span("s.model = " + ph(*f.model));
  if (f.provider) some_span("s.provider = " + ph(*f.provider));
  for (const auto& tag : f.tags) sql += " AND instr(t.tags, " + ph(tag_needle(tag)) + ") > 0";
  for (const auto& [k, v] : f.attributes) sql += " AND instr(t.attributes, " + ph(attribute_needle(k, v)) + ") > 0";
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
    page.traces.push_back(std::move(t));
  }
  // Models, providers and tags of the page's traces.
  auto facets = (*db)->prepare("SELECT model, provider, tags FROM spans INDEXED BY span_in_trace WHERE trace_row = ?1");
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

// The row of a trace: recent traces are in memory, looked at before trace_keys (see trace_identities.h).
Result<std::optional<int64_t>> SqliteSpanStore::trace_row(Db& db, int64_t project_id, const std::string& trace_id) const {
  const int64_t key = id_key(trace_id);
  if (auto recent = identities_.find_recent(project_id, key)) return recent;
  return TraceIdentities::find_stored(db, project_id, key);
}

Result<std::optional<TraceDetail>> SqliteSpanStore::get_trace(int64_t project_id, const std::string& trace_id) {
  auto db = reader();
  if (!db) return db.error();
  auto row = trace_row(**db, project_id, trace_id);
  if (!row) return row.error();
  if (!*row) return std::optional<TraceDetail>{};
  // Every span of the trace row in id order, as its attributes follow one another in the trace
  // row; spans of another trace id with the same key (a 64-bit collision) are skipped after
  // their attributes are counted.
  auto st = (*db)->prepare(fmt::format(
      "SELECT {}, id FROM spans INDEXED BY span_in_trace WHERE trace_row = ?1 ORDER BY id", kSpanColumns));
  if (!st) return st.error();
  (*st)->bind(1, **row);
  struct Read {
    SpanRecord record;
    int64_t id = 0;
    std::optional<std::pair<size_t, size_t>> in_trace_row;  // where its attributes are: (offset, length)
  };
  std::vector<Read> read;
  size_t at = 0;
  for (;;) {
    auto step = (*st)->step();
    if (!step) return step.error();
    if (!*step) break;
    Stmt& s = **st;
    auto span = read_span(s, project_id);
    if (!span) return span.error();
    const auto& own = span->own_attributes;
    const size_t len = own ? own->size() : static_cast<size_t>(span->place.attributes_len);
    at += len;
    if (span->record.span.trace_id != trace_id) continue;
    if (auto text = read_text(*text_log_, *span); !text) return text.error();
    Read r{std::move(span->record), s.i64(kSpanColumnCount), std::nullopt};
    if (own) parse_attributes(*own, r.record.span.attributes);
    else r.in_trace_row = std::pair(at - len, len);
    read.push_back(std::move(r));
  }
  // Read after the spans: the trace row's attributes only ever grow at the end, so they hold
  // every span read above, at the same place.
  if (std::any_of(read.begin(), read.end(), [](const Read& r) { return r.in_trace_row.has_value(); })) {
    auto ta = (*db)->prepare("SELECT attributes FROM traces WHERE id = ?1");
    if (!ta) return ta.error();
    Stmt& t = (*ta)->reset().bind(1, **row);
    auto found = t.step();
    if (!found) return found.error();
    const std::string joined = *found ? t.text(0) : std::string();
    t.reset();
    for (Read& r : read) {
      if (!r.in_trace_row) continue;
      const auto [offset, length] = *r.in_trace_row;
      if (offset + length > joined.size())
        return make_error(ErrorCode::internal,
                          fmt::format("trace {} is corrupt: its row lacks its spans' attributes", trace_id));
      parse_attributes(std::string_view(joined).substr(offset, length), r.record.span.attributes);
    }
  }
  // Shown by start time, then arrival.
  std::sort(read.begin(), read.end(), [](const Read& a, const Read& b) {
    return std::pair(a.record.span.start_us, a.id) < std::pair(b.record.span.start_us, b.id);
  });
  TraceDetail d;
  d.spans.reserve(read.size());
  for (Read& r : read) d.spans.push_back(std::move(r.record));
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
  const int64_t level = q.interval_us % 3600000000LL == 0 ? 3600 : 60;
  int64_t dim = dim_all;
  switch (q.group_by) {
    case GroupBy::none: dim = dim_all; break;
    case GroupBy::model: dim = dim_model; break;
    case GroupBy::provider: dim = dim_provider; break;
    case GroupBy::name: dim = dim_name; break;
  }
  auto db = reader();
  if (!db) return db.error();
  auto st = (*db)->prepare(
      "SELECT bucket, grp, requests, errors, input_tokens, output_tokens, cost_usd, latency FROM rollups "
      "WHERE project_id = ?1 AND level = ?2 AND dim = ?3 AND bucket >= ?4 AND bucket < ?5 AND llm >= ?6");
  auto generation = (*db)->prepare("SELECT generation FROM rollup_state");
  if (!st) return st.error();
  if (!generation) return generation.error();
  const int64_t from_s = q.from_us / 1000000 / level * level;
  const int64_t to_s = (q.to_us + 999999) / 1000000;
  const int64_t min_llm = q.kind ? 1 : 0;
  struct Acc {
    MetricsPoint p;
    LatencyHistogram latency;
  };
  std::map<std::string, std::map<Micros, Acc>> groups;
  const auto add = [&](int64_t bucket_s, const std::string& group, int64_t requests, int64_t errors,
                       int64_t input_tokens, int64_t output_tokens, double cost_usd) -> Acc& {
    const Micros at = std::max(q.from_us, bucket_s * 1000000);
    const Micros bucket = q.from_us + (at - q.from_us) / q.interval_us * q.interval_us;
    Acc& a = groups[group][bucket];
    a.p.bucket_us = bucket;
    a.p.requests += requests;
    a.p.errors += errors;
    a.p.input_tokens += input_tokens;
    a.p.output_tokens += output_tokens;
    a.p.cost_usd += cost_usd;
    return a;
  };
  // The table's rows plus the writer's pending sums: both as of the same merge (generation),
  // else a merge happened in between and the read starts over.
  for (int attempt = 0;; ++attempt) {
    groups.clear();
    int64_t pending_generation = 0;
    {
      std::lock_guard lock(rollups_mu_);
      pending_generation = rollup_generation_;
      pending_rollups_.for_each(project_id, level, dim, from_s, to_s, min_llm,
                                [&](int64_t bucket, const std::string& group, const RollupAccumulator::Sum& sum) {
                                  add(bucket, group, sum.requests, sum.errors, sum.input_tokens, sum.output_tokens,
                                      sum.cost_usd)
                                      .latency.merge(sum.latency);
                                });
    }
    Transaction tx(**db, false);
    if (!tx.begin_status()) return tx.begin_status().error();
    auto row = (*generation)->reset().step();
    if (!row) return row.error();
    const int64_t table_generation = *row ? (*generation)->i64(0) : 0;
    (*generation)->reset();
    if (table_generation != pending_generation && attempt < 10) continue;
    Stmt& s = (*st)->reset();
    s.bind(1, project_id).bind(2, level).bind(3, dim).bind(4, from_s).bind(5, to_s).bind(6, min_llm);
    for (;;) {
      auto r = s.step();
      if (!r) return r.error();
      if (!*r) break;
      Acc& a = add(s.i64(0), s.text(1), s.i64(2), s.i64(3), s.i64(4), s.i64(5), s.f64(6));
      if (!a.latency.merge_encoded(s.text(7)))
        return make_error(ErrorCode::internal, "a stored latency histogram is malformed");
    }
    break;
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

Result<int64_t> SqliteSpanStore::count_spans() {
  // Rows are never deleted and a skipped duplicate takes no rowid, so the largest rowid counts them.
  auto db = reader();
  if (!db) return db.error();
  return (*db)->query_int("SELECT coalesce(max(id), 0) FROM spans");
}

Status SqliteSpanStore::check_ready() {
  if (auto st = check_free_space(); !st) return st;
  if (auto st = text_log_->health(); !st) return st;
  auto n = count_spans();
  if (!n) return n.error();
  return ok_status();
}

}  // namespace stacklens::sqlite
