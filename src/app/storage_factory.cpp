#include "app/storage_factory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "storage/clickhouse/ch_score_store.h"
#include "storage/clickhouse/clickhouse_span_store.h"
#include "storage/postgres/postgres_meta_store.h"
#include "storage/sqlite/sqlite_meta_store.h"
#include "storage/sqlite/sqlite_score_store.h"
#include "storage/sqlite/sqlite_span_store.h"

namespace stacklens::app {
Status prepare_data_dir(const Settings& settings) {
  std::error_code ec;
  std::filesystem::create_directories(settings.data_dir, ec);
  if (ec)
    return make_error(ErrorCode::unavailable,
                      fmt::format("cannot create data directory {}: {}", settings.data_dir.string(), ec.message()));
  ::chmod(settings.data_dir.c_str(), 0700);
  return ok_status();
}

Result<std::unique_ptr<DataDirLock>> DataDirLock::take(const std::filesystem::path& dir) {
  const auto path = dir / "stacklens.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(ErrorCode::unavailable, fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return make_error(ErrorCode::conflict,
                        fmt::format("another StackLens process is using the data directory {} (stop it first)",
                                    dir.string()));
    return make_error(ErrorCode::unavailable, fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

std::string describe_stores(const Settings& settings) {
  auto one = [&](const std::string& url, const char* file) {
    return url.empty() ? (settings.data_dir / file).string() : postgres::redact_url(url);
  };
  return one(settings.metadata_url, "meta.db") + " " + one(settings.span_store_url, "spans.db");
}

Result<std::unique_ptr<MetaStore>> open_meta_store(const Settings& settings) {
  if (!settings.metadata_url.empty()) {
    auto store = postgres::PostgresMetaStore::open(settings.metadata_url, settings.metadata_pool_size,
                                                   settings.metadata_statement_timeout_ms);
    if (!store) return store.error();
    return std::unique_ptr<MetaStore>(std::move(*store));
  }
  if (auto st = prepare_data_dir(settings); !st) return st.error();
  auto store = sqlite::SqliteMetaStore::open(settings.meta_db().string());
  if (!store) return store.error();
  return std::unique_ptr<MetaStore>(std::move(*store));
}

Result<std::unique_ptr<SpanStore>> open_span_store(const Settings& settings) {
  if (!settings.span_store_url.empty()) {
    auto store = clickhouse::ClickHouseSpanStore::open(settings.span_store_url);
    if (!store) return store.error();
    return std::unique_ptr<SpanStore>(std::move(*store));
  }
  if (auto st = prepare_data_dir(settings); !st) return st.error();
  auto store = sqlite::SqliteSpanStore::open(settings.spans_db().string(), settings.disk_reserve_mb << 20);
  if (!store) return store.error();
  return std::unique_ptr<SpanStore>(std::move(*store));
}

Result<std::unique_ptr<ScoreStore>> open_score_store(const Settings& settings) {
  // Scores live beside the spans: the trace list filters and sorts by them.
  if (!settings.span_store_url.empty()) {
    auto store = clickhouse::ClickHouseScoreStore::open(settings.span_store_url);
    if (!store) return store.error();
    return std::unique_ptr<ScoreStore>(std::move(*store));
  }
  auto store = sqlite::SqliteScoreStore::open(settings.spans_db().string());
  if (!store) return store.error();
  return std::unique_ptr<ScoreStore>(std::move(*store));
}

}  // namespace stacklens::app
