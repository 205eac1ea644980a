#pragma once
// Connections to spans.db: the SQL functions its migrations and queries use, the page and
// cache sizes, and the writer's WAL setting (checkpoints are the Checkpointer's job).
#include <memory>
#include <string>

#include "core/error.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

// The SQL functions spans.db's migrations and queries use (sl_key, sl_histogram_merge).
Status register_span_functions(Db& db);

// A reader's connection.
Result<std::unique_ptr<Db>> open_span_reader(const std::string& path);

// The writer's connection, with the schema migrated; SQLite never checkpoints on its own.
Result<std::unique_ptr<Db>> open_span_writer(const std::string& path);

}  // namespace stacklens::sqlite
