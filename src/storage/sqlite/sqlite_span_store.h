#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/span_store.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

// spans.db: one writer connection (the writer thread's) and a pool of readers.
class SqliteSpanStore final : public SpanStore {
 public:
  static Result<std::unique_ptr<SqliteSpanStore>> open(const std::string& path);

  Result<WriteOutcome> write(const std::vector<SpanRecord>& records) override;
  Result<TracePage> list_traces(int64_t project_id, const TraceFilter& filter) override;
  Result<std::optional<TraceDetail>> get_trace(int64_t project_id, const std::string& trace_id) override;
  Result<std::vector<MetricsSeries>> metrics(int64_t project_id, const MetricsQuery& q) override;
  Result<int64_t> count_spans() override;
  Status check_readable() override;

 private:
  class ReaderLease;
  explicit SqliteSpanStore(std::string path, std::unique_ptr<Db> writer) : path_(std::move(path)), writer_(std::move(writer)) {}
  Result<ReaderLease> reader();
  Status insert_one(const SpanRecord& r, bool& inserted);

  std::string path_;
  std::unique_ptr<Db> writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Db>> pool_;
};

}  // namespace stacklens::sqlite
