#pragma once
// The metadata schema as data: one list of statements per version, applied in order on start.
#include <string_view>
#include <vector>

#include "storage/postgres/pg_connection.h"

namespace stacklens::postgres {

using Migration = std::vector<std::string_view>;

extern const std::vector<Migration> kMetaMigrations;

// Brings the database to migrations.size(), all in one transaction holding an advisory lock,
// so that nodes starting at once apply each version once and the others find it done. A
// database newer than `migrations` is refused, naming both versions.
Status migrate(PgConn& conn, const std::vector<Migration>& migrations);

}  // namespace stacklens::postgres
