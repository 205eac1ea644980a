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
Result<std::unique_ptr<MetaStore>> open_meta_store(const Settings& settings);
Result<std::unique_ptr<SpanStore>> open_span_store(const Settings& settings);
// Scores live in spans.db: open the span store first (it migrates the file).
Result<std::unique_ptr<ScoreStore>> open_score_store(const Settings& settings);

}  // namespace stacklens::app
