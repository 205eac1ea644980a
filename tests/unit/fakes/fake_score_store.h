#pragma once
// A ScoreStore holding nothing, for handler tests that do not exercise scores.
#include "storage/score_store.h"

namespace stacklens::testing {

class EmptyScoreStore final : public ScoreStore {
 public:
  Result<ScorePut> create(int64_t, const Score&) override { return refused(); }
  Result<std::vector<ScorePut>> create_all(int64_t, const std::vector<Score>&) override { return refused(); }
  Result<std::optional<Score>> get(int64_t, const std::string&) override { return std::optional<Score>{}; }
  Result<Score> update(int64_t, const Score&) override { return refused(); }
  Status remove(int64_t, const std::string&) override { return refused(); }
  Result<ScorePage> list(int64_t, const ScoreFilter&) override { return ScorePage{}; }
  Result<std::vector<Score>> of_trace(int64_t, const std::string&) override { return std::vector<Score>{}; }
  Result<std::vector<ScoreBucket>> summary(int64_t, const ScoreSummaryQuery&) override {
    return std::vector<ScoreBucket>{};
  }
  Result<ScoreDump> dump(const std::string&, int) override { return ScoreDump{}; }

 private:
  static Error refused() { return make_error(ErrorCode::unavailable, "no score store in this test"); }
};

}  // namespace stacklens::testing
