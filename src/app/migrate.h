#pragma once
// `stacklens migrate`: a single node's embedded store (meta.db, spans.db and spans.text) copied
// into the stores the settings name (metadata-url: PostgreSQL, span-store-url: ClickHouse), then
// source and copy read again and compared (docs/cluster.md, "Moving up").
#include <filesystem>

#include "config/settings.h"

namespace stacklens::app {

struct MigrateOptions {
  std::filesystem::path from;  // the single node's data directory (its server stopped)
  int page_spans = 5000;       // spans read and inserted together
  bool verify_only = false;    // compare only
};

// Exit code: 0 when every count and checksum matched, 1 when they did not or a step failed
// (what was copied stays: run it again to resume), 2 for a refused start.
int migrate(const Settings& target, const MigrateOptions& options);

}  // namespace stacklens::app
