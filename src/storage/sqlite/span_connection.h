#pragma once
// Connections to spans.db: the SQL functions it uses (sl_histogram_merge, sl_id_key), the page and
// cache sizes, the schema, and the writer's WAL setting (checkpoints are the Checkpointer's job).
#include <memory>
#include <string>

#include "core/error.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

// A reader's connection.
Result<std::unique_ptr<Db>> open_span_reader(const std::string& path);

// The writer's connection, with the schema migrated; SQLite never checkpoints on its own.
Result<std::unique_ptr<Db>> open_span_writer(const std::string& path);

}  // namespace stacklens::sqlite
