#pragma once
// Opens the configured storage backends: embedded SQLite files in the data directory, or
// PostgreSQL for the metadata when metadata-url is set.
#include <memory>

#include "config/settings.h"
#include "core/error.h"
#include "storage/meta_store.h"
#include "storage/score_store.h"
#include "storage/span_store.h"

namespace stacklens::app {

Status prepare_data_dir(const Settings& settings);

// The embedded store serves one process: `serve` holds this lock (flock on DIR/stacklens.lock)
// while it runs on spans.db, and `migrate` takes it so it never copies a store still written.
class DataDirLock {
 public:
  static Result<std::unique_ptr<DataDirLock>> take(const std::filesystem::path& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};
// The stores the settings name, passwords hidden: "postgres://u:***@host/db http://...".
std::string describe_stores(const Settings& settings);
Result<std::unique_ptr<MetaStore>> open_meta_store(const Settings& settings);
Result<std::unique_ptr<SpanStore>> open_span_store(const Settings& settings);
// Scores live in spans.db: open the span store first (it migrates the file).
Result<std::unique_ptr<ScoreStore>> open_score_store(const Settings& settings);

}  // namespace stacklens::app
