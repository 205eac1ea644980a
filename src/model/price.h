#pragma once
// A project's own model prices, and the recomputes of stored costs that follow a change.
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace stacklens {

// One price a project gives a model (pricing::PriceDefinition as JSON in `definition`; the
// columns beside it are what lists and uniqueness need).
struct ModelPrice {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string model;
  std::string provider;  // empty: any provider
  Micros effective_from = 0;
  std::string definition;  // JSON: model, provider, pattern, effective_from, prices, tiers
  std::string updated_by;  // "user:<email>" or "key:<prefix>"
  Micros created_us = 0, updated_us = 0;
};

enum class RecomputeState { running, done, failed };
inline constexpr std::string_view kRecomputeStates[] = {"running", "done", "failed"};

// Recomputing the cost of a project's stored spans over a period, in the background.
struct CostRecompute {
  int64_t id = 0;
  int64_t project_id = 0;
  Micros from_us = 0, to_us = 0;  // the traces that started in [from, to)
  RecomputeState state = RecomputeState::running;
  int64_t spans_total = 0;    // spans of those traces, counted at the start
  int64_t spans_done = 0;     // looked at so far
  int64_t spans_changed = 0;  // whose cost or cost source changed
  std::string error;          // why it failed
  std::string started_by;
  Micros created_us = 0, updated_us = 0;
  std::optional<Micros> finished_us;
};

}  // namespace stacklens
