#pragma once
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/span_store.h"
#include "storage/sqlite/rollup_accumulator.h"
#include "storage/sqlite/trace_identities.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/text_log.h"

namespace stacklens::sqlite {

// The SQL functions spans.db's migrations and queries use (sl_key, sl_histogram_merge).
Status register_span_functions(Db& db);

// spans.db: one writer connection (the writer thread's), a pool of readers, and
// a checkpointer thread that moves the WAL into the database file in the
// background so that commits never wait for it.
class SqliteSpanStore final : public SpanStore {
 public:
  // Writes are refused (storage_full) while the file system holds less than `reserve_bytes`
  // free, so SQLite never meets a full disk half-way through a commit or a checkpoint.
  static Result<std::unique_ptr<SqliteSpanStore>> open(const std::string& path, uint64_t reserve_bytes,
                                                       TraceIdentities::Tuning tuning = {});
  ~SqliteSpanStore() override;

  // Encodes the records and appends their sealed text to spans.text (text_log.h).
  Status prepare(std::vector<SpanRecord>& records) override;
  using SpanStore::write;
  Result<WriteOutcome> write(const std::vector<const SpanRecord*>& records) override;
  Result<TracePage> list_traces(int64_t project_id, const TraceFilter& filter) override;
  Result<std::optional<TraceDetail>> get_trace(int64_t project_id, const std::string& trace_id) override;
  Result<std::vector<MetricsSeries>> metrics(int64_t project_id, const MetricsQuery& q) override;
  Result<int64_t> count_spans() override;
  Status check_ready() override;

 private:
  class ReaderLease;
  SqliteSpanStore(std::string path, std::unique_ptr<Db> writer, std::unique_ptr<TextLog> text_log,
                  uint64_t reserve_bytes, TraceIdentities::Tuning tuning);
  Result<std::optional<int64_t>> trace_row(Db& db, int64_t project_id, const std::string& trace_id) const;
  Status check_free_space() const;
  Result<ReaderLease> reader();
  Status catch_up_rollups();
  Status merge_rollups();
  Status merge_pending_rollups(const RollupAccumulator& more);
  void pending_rollups_merged();
  void checkpoint_loop();

  std::string path_;
  uint64_t reserve_bytes_;
  std::unique_ptr<Db> writer_;
  std::unique_ptr<TextLog> text_log_;  // spans.text: the sealed prompt and completion text
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Db>> pool_;
  TraceIdentities identities_;
  int wal_frames_ = 0;  // set by the writer connection's WAL hook after each commit
  // Rollups of committed spans not merged into the rollups table yet. Changed by the writer
  // thread only, under rollups_mu_; readers add them to what they read (see metrics()).
  mutable std::mutex rollups_mu_;
  RollupAccumulator pending_rollups_;
  int64_t rollup_generation_ = 0;  // rollup_state.generation as of the last merge
  std::chrono::steady_clock::time_point last_rollup_merge_ = std::chrono::steady_clock::now();
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stopping_ = false;
  bool checkpoint_due_ = false;  // the WAL grew by a stretch (writer: next_nudge_): checkpoint now
  const int wal_frames_before_reset_;  // kWalBytesBeforeReset in this store's pages
  int next_nudge_;               // writer thread only: WAL frames at which to set checkpoint_due_
  std::thread checkpointer_;
};

}  // namespace stacklens::sqlite
