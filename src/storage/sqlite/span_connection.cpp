#include "storage/sqlite/span_connection.h"

#include <fmt/format.h>

#include <string_view>

#include "storage/sqlite/latency_histogram.h"
#include "storage/sqlite/span_codec.h"
#include "storage/sqlite/span_schema.h"

namespace stacklens::sqlite {

namespace {

// spans.db is made of 16 KiB pages rather than SQLite's 4 KiB: a span row with prompt and
// completion fits in one page instead of spilling into overflow pages, and the writer handles
// a quarter of the pages (B-tree cells, WAL frames and their checksums) for the same bytes.
// A store created with another page size keeps it.
constexpr int kPageSize = 16384;
constexpr int kWriterCacheKib = 64 * 1024, kReaderCacheKib = 8 * 1024;

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

// sl_id_key(id): id_key(id) (span_codec.h), NULL for NULL.
void sql_id_key(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(ctx, id_key(std::string_view(p ? p : "", static_cast<size_t>(n))));
}

// sl_attr_number(attributes, key needle, op, number, strings too): attribute_number_matches
// (span_codec.h) for the trace list's numeric attribute filters; a string holding a number counts
// only when the last argument is 1.
void sql_attr_number(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto text = [&](int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[i]));
    return std::string_view(p ? p : "", static_cast<size_t>(sqlite3_value_bytes(argv[i])));
  };
  const std::string needle(text(1));
  sqlite3_result_int(ctx, attribute_number_matches(text(0), needle, text(2), sqlite3_value_double(argv[3]),
                                                   sqlite3_value_int(argv[4]) != 0));
}

// The SQL functions of spans.db: sl_histogram_merge, for the rollups table (rollup_accumulator.h),
// sl_id_key, for id_traces (id_traces.h), and sl_attr_number, for the trace list.
Status register_span_functions(Db& db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  if (sqlite3_create_function(db.raw(), "sl_histogram_merge", 2, flags, nullptr, sql_histogram_merge, nullptr,
                              nullptr) != SQLITE_OK ||
      sqlite3_create_function(db.raw(), "sl_id_key", 1, flags, nullptr, sql_id_key, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_create_function(db.raw(), "sl_attr_number", 5, flags, nullptr, sql_attr_number, nullptr, nullptr) !=
          SQLITE_OK)
    return db.error("register functions");
  return ok_status();
}

Result<std::unique_ptr<Db>> open_connection(const std::string& path, int cache_kib, int page_size = 0) {
  auto db = Db::open(path, false, page_size);
  if (!db) return db.error();
  if (auto st = register_span_functions(**db); !st) return st.error();
  if (auto st = (*db)->exec(fmt::format("PRAGMA cache_size=-{}; PRAGMA temp_store=MEMORY;", cache_kib)); !st)
    return st.error();
  return db;
}

}  // namespace

Result<std::unique_ptr<Db>> open_span_reader(const std::string& path) { return open_connection(path, kReaderCacheKib); }

Result<std::unique_ptr<Db>> open_span_writer(const std::string& path) {
  auto db = open_connection(path, kWriterCacheKib, kPageSize);
  if (!db) return db.error();
  if (auto st = migrate(**db, kSpanMigrations); !st) return st.error();
  // Checkpoints run on their own thread (checkpointer.h), never inside a commit.
  if (auto st = (*db)->exec("PRAGMA wal_autocheckpoint=0"); !st) return st.error();
  return db;
}

}  // namespace stacklens::sqlite
