#pragma once
// Experiment runs over a dataset: a task (the SDK's run_experiment, or any client) run over every
// item of one dataset version, each item's result linked to the trace that recorded it. Tokens,
// cost and scores are not stored here: they are read from the trace when a run is shown.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace stacklens {

inline constexpr std::string_view kRunStatuses[] = {"running", "finished", "failed"};

struct DatasetRun {
  int64_t id = 0;
  std::string dataset;
  int64_t dataset_version = 0;
  std::string name, description;
  std::optional<std::string> metadata;  // JSON text of an object (model, prompt version, ...)
  std::string status = "running";
  std::string created_by;
  Micros created_us = 0;
  std::optional<Micros> finished_us;
  int64_t item_count = 0;               // items of the dataset version
  std::optional<std::string> summary;   // JSON text of an object the client sent when finishing
};

// One item's result in a run; written again for the same item, it replaces the earlier one.
struct DatasetRunResult {
  std::string item_id;
  std::optional<std::string> trace_id;
  std::optional<std::string> output;  // JSON text
  std::optional<std::string> error;
  double latency_ms = 0;
  Micros created_us = 0;
};

struct DatasetRunResultQuery {
  int limit = 100;
  std::optional<std::string> cursor;  // the last item id of the previous page
};

struct DatasetRunResultPage {
  std::vector<DatasetRunResult> results;  // by item id
  std::optional<std::string> next_cursor;
};

}  // namespace stacklens
