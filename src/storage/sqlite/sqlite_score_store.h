#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "storage/score_store.h"
#include "storage/sqlite/reader_pool.h"
#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

// The scores table of spans.db. Scores arrive rarely next to spans (people and evaluations give
// them), so they are written on a connection of their own, one small transaction at a time, under
// the busy timeout the span writer also waits with, instead of through the span writer's queue.
// Open it after the SqliteSpanStore, which migrates spans.db.
class SqliteScoreStore final : public ScoreStore {
 public:
  static Result<std::unique_ptr<SqliteScoreStore>> open(const std::string& spans_db_path);

  Result<ScorePut> create(int64_t project_id, const Score& score) override;
  Result<std::vector<ScorePut>> create_all(int64_t project_id, const std::vector<Score>& scores) override;
  Result<std::optional<Score>> get(int64_t project_id, const std::string& id) override;
  Result<Score> update(int64_t project_id, const Score& score) override;
  Status remove(int64_t project_id, const std::string& id) override;
  Result<ScorePage> list(int64_t project_id, const ScoreFilter& filter) override;
  Result<std::vector<Score>> of_trace(int64_t project_id, const std::string& trace_id) override;
  Result<std::vector<ScoreBucket>> summary(int64_t project_id, const ScoreSummaryQuery& q) override;
  Result<ScoreDump> dump(const std::string& after, int max) override;

 private:
  SqliteScoreStore(const std::string& path, std::unique_ptr<Db> writer)
      : writer_(std::move(writer)), readers_(path) {}
  Result<ScorePut> put_locked(int64_t project_id, const Score& score);

  std::mutex mu_;  // writer_
  std::unique_ptr<Db> writer_;
  ReaderPool readers_;
};

}  // namespace stacklens::sqlite
