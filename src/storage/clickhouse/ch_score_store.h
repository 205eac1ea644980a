#pragma once
// Scores in ClickHouse, beside the spans (the trace list filters and sorts by them there): the
// scores table of ch_statements.h, created by the span store's migrations. A score is one row
// per (project, id); an edit or a removal inserts a newer row (a removal marks it deleted), and
// reads go through FINAL. Creating is idempotent as on SQLite (the same content again is
// `unchanged`, other content under a stored id a conflict), checked on this node: two nodes
// creating the same id with different content at the same moment keep the later one.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/clickhouse/ch_client.h"
#include "storage/clickhouse/ch_statements.h"
#include "storage/score_store.h"

namespace stacklens::clickhouse {

// A score as a TabSeparated row of insert_scores (ch_statements.h).
std::string score_row(int64_t project_id, const Score& s, bool deleted, uint64_t version);

class ClickHouseScoreStore final : public ScoreStore {
 public:
  // Connects only: the span store opened on the same URL has migrated the schema.
  static Result<std::unique_ptr<ClickHouseScoreStore>> open(const std::string& url);

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
  explicit ClickHouseScoreStore(Endpoint endpoint);
  Result<std::vector<Score>> read(const std::string& sql);
  // Inserts the rows (quorum on a cluster) with versions newer than any before on this node.
  Status put(int64_t project_id, const std::vector<const Score*>& scores, bool deleted);

  ChClient client_;
  const sql::Target target_;
  std::mutex mu_;  // creates and edits on this node, one at a time: check, then insert
  uint64_t last_version_ = 0;
};

}  // namespace stacklens::clickhouse
