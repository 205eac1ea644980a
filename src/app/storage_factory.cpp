#include "app/storage_factory.h"

#include <sys/stat.h>

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
