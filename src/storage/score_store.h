#pragma once
// Where scores live. They are trace data (many per trace, filtered with the traces), so the
// SQLite backend keeps them in spans.db, beside the traces the list filters them with.
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/score.h"

namespace stacklens {

enum class ScorePut { created, unchanged };

// A page of every stored score (ScoreStore::dump), each with its project.
struct ScoreDump {
  std::vector<std::pair<int64_t, Score>> scores;
  std::string cursor;  // resumes after this page; empty when no score follows
};

class ScoreStore {
 public:
  virtual ~ScoreStore() = default;
  // Idempotent on (project, id): the same content again is `unchanged`; other content under a
  // stored id is a conflict.
  virtual Result<ScorePut> create(int64_t project_id, const Score& score) = 0;
  // Every score of the batch committed together, each created or unchanged (conflicts are
  // reported per item by the caller, which checks them first with get()).
  virtual Result<std::vector<ScorePut>> create_all(int64_t project_id, const std::vector<Score>& scores) = 0;
  virtual Result<std::optional<Score>> get(int64_t project_id, const std::string& id) = 0;
  // Replaces value, comment, source and author of a stored score (not_found when absent).
  virtual Result<Score> update(int64_t project_id, const Score& score) = 0;
  virtual Status remove(int64_t project_id, const std::string& id) = 0;
  virtual Result<ScorePage> list(int64_t project_id, const ScoreFilter& filter) = 0;
  virtual Result<std::vector<Score>> of_trace(int64_t project_id, const std::string& trace_id) = 0;
  virtual Result<std::vector<ScoreBucket>> summary(int64_t project_id, const ScoreSummaryQuery& q) = 0;
  // Every stored score, `max` at a time in an order of the backend's own (for `stacklens
  // migrate`, like SpanStore::dump). `after`: the previous page's cursor, empty for the first.
  virtual Result<ScoreDump> dump(const std::string& after, int max) = 0;
};

}  // namespace stacklens
