#pragma once
// Scores on traces and spans, and the per-project configurations that validate them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace stacklens {

enum class ScoreType { numeric, categorical, boolean };
std::string_view score_type_name(ScoreType t);
std::optional<ScoreType> parse_score_type(std::string_view s);

// Who or what gave a score: the API, the SDK, a person in the dashboard, an evaluation.
inline constexpr std::string_view kScoreSources[] = {"api", "sdk", "annotation", "eval"};

struct Score {
  std::string id;  // given by the client or generated; unique per project
  std::string trace_id;
  std::optional<std::string> span_id;
  std::string name;
  ScoreType type = ScoreType::numeric;
  double number = 0;     // numeric value; a boolean as 0 or 1
  std::string category;  // categorical value
  std::optional<std::string> comment;
  std::string source = "api";
  std::optional<std::string> author;  // the email of the person who gave it in the dashboard
  Micros created_us = 0, updated_us = 0;
};

// The same score in every field a client sends (an idempotent retry), times aside.
bool same_content(const Score& a, const Score& b);

struct ScoreConfig {
  std::string name;
  ScoreType type = ScoreType::numeric;
  std::optional<double> min_value, max_value;  // numeric only
  std::vector<std::string> categories;         // categorical only
  std::string description;
  Micros created_us = 0;
};

// A configuration's categories as stored: one per line.
std::string join_categories(const std::vector<std::string>& categories);
std::vector<std::string> split_categories(std::string_view stored);

struct ScoreFilter {
  std::optional<std::string> trace_id, span_id, name, source;
  std::optional<double> min_value, max_value;  // on numeric and boolean values
  std::optional<Micros> from_us, to_us;        // on the creation time, [from, to)
  int limit = 100;
  std::optional<std::string> cursor;
};

struct ScorePage {
  std::vector<Score> scores;  // newest first
  std::optional<std::string> next_cursor;
};

// Averages and distribution of one score name over time (numeric and boolean: count, average;
// categorical: count per category).
struct ScoreSummaryQuery {
  std::string name;
  Micros from_us = 0, to_us = 0;
  int64_t interval_us = 3600LL * 1000000;
};

struct ScoreBucket {
  Micros bucket_us = 0;
  int64_t count = 0;
  double average = 0;                                      // numeric and boolean scores
  std::vector<std::pair<std::string, int64_t>> categories;  // categorical: count per value
};

}  // namespace stacklens
