#pragma once
// The span store's schema, brought to this binary's version on start (ch_statements.h's
// migrations). Safe when several nodes start at once: every statement is idempotent and a
// version recorded twice is still that version. A database at a newer version is refused.
#include "core/error.h"
#include "storage/clickhouse/ch_client.h"
#include "storage/clickhouse/ch_statements.h"

namespace stacklens::clickhouse {

Status migrate(ChClient& client, const sql::Target& target);

}  // namespace stacklens::clickhouse
