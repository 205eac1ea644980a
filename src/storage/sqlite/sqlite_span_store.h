#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/span_store.h"
#include "storage/sqlite/checkpointer.h"
#include "storage/sqlite/disk_guard.h"
#include "storage/sqlite/id_traces.h"
#include "storage/sqlite/reader_pool.h"
#include "storage/sqlite/rollup_state.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/text_log.h"
#include "storage/sqlite/trace_identities.h"

namespace stacklens::sqlite {

// spans.db (+ spans.text) behind SpanStore. Each job has a part of its own:
// batch_prepare (request threads) and batch_commit (the writer thread's connection) write,
// span_readers read on connections of the reader_pool, rollup_state keeps the metrics
// rollups, trace_identities finds a trace's row, id_traces a session's or a user's traces,
// the checkpointer moves the WAL into the database on its own thread, and the disk_guard
// refuses writes while the disk is nearly full.
class SqliteSpanStore final : public SpanStore {
 public:
  // Writes are refused (storage_full) while the file system holds less than `reserve_bytes`
  // free, so SQLite never meets a full disk half-way through a commit or a checkpoint.
  static Result<std::unique_ptr<SqliteSpanStore>> open(const std::string& path, uint64_t reserve_bytes,
                                                       TraceIdentities::Tuning tuning = {});
  ~SqliteSpanStore() override;

  // Encodes the records and appends their sealed text to spans.text (batch_prepare.h).
  Status prepare(std::vector<SpanRecord>& records) override;
  using SpanStore::write;
  Result<WriteOutcome> write(const std::vector<const SpanRecord*>& records) override;
  Result<TracePage> list_traces(int64_t project_id, const TraceFilter& filter) override;
  Result<std::optional<TraceDetail>> get_trace(int64_t project_id, const std::string& trace_id) override;
  Result<TracePage> list_trace_summaries(int64_t project_id, const TraceFilter& filter) override;
  Result<TraceSpansPage> list_trace_spans(int64_t project_id, const TraceFilter& filter, bool with_text) override;
  Result<std::vector<MetricsSeries>> metrics(int64_t project_id, const MetricsQuery& q) override;
  Result<PeriodPage<SessionSummary>> list_sessions(int64_t project_id, const PeriodListQuery& q) override;
  Result<PeriodPage<UserSummary>> list_users(int64_t project_id, const PeriodListQuery& q) override;
  Result<int64_t> count_spans() override;
  Result<RecomputeProgress> recompute_costs(int64_t project_id, Micros from, Micros to, const Repricer& reprice,
                                            const ProgressFn& progress) override;
  Result<int64_t> expire(int64_t project_id, Micros before, const GoOn& go_on) override;
  Result<SpanDump> dump(const std::string& after, int max_spans) override;
  Status check_ready() override;

 private:
  SqliteSpanStore(const std::string& path, std::unique_ptr<Db> writer, std::unique_ptr<TextLog> text_log,
                  uint64_t reserve_bytes, TraceIdentities::Tuning tuning);

  DiskGuard disk_;
  std::unique_ptr<Db> writer_;         // the writer thread's connection
  std::mutex write_mu_;                // write() and each step of a cost recompute or a retention pass
  std::atomic<int64_t> last_write_us_{0};  // when write() last ran (retention yields to ingest)
  std::unique_ptr<TextLog> text_log_;  // spans.text: the sealed prompt and completion text
  ReaderPool readers_;
  TraceIdentities identities_;
  IdTraces id_traces_;
  RollupState rollups_;
  Checkpointer checkpointer_;  // last: stopped first, before the connections close
};

}  // namespace stacklens::sqlite
