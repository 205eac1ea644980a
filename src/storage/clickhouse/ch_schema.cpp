#include "storage/clickhouse/ch_schema.h"

#include <fmt/format.h>

#include "core/time.h"
#include "storage/clickhouse/ch_text.h"

namespace stacklens::clickhouse {

Status migrate(ChClient& client, const sql::Target& target) {
  for (const auto& statement : {sql::create_database(target), sql::create_version_table(target)})
    if (auto r = client.query(statement); !r) return r.error();
  auto read = client.query(sql::read_version(target));
  if (!read) return read.error();
  const int64_t version = to_i64(*read);
  if (version > sql::kSchemaVersion)
    return make_error(ErrorCode::unavailable,
                      fmt::format("{} holds span store schema version {}, newer than this binary's {}: run a newer "
                                  "stacklens",
                                  client.endpoint().describe(), version, sql::kSchemaVersion));
  const auto all = sql::migrations(target);
  for (int64_t v = version + 1; v <= sql::kSchemaVersion; ++v) {
    for (const auto& statement : all[static_cast<size_t>(v - 1)])
      if (auto r = client.query(statement); !r) return r.error();
    if (auto r = client.query(sql::record_version(target, static_cast<int>(v), now_micros())); !r) return r.error();
  }
  return ok_status();
}

}  // namespace stacklens::clickhouse
