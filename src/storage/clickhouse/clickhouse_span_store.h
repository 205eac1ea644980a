#pragma once
// Spans in ClickHouse (span-store-url), behind SpanStore, for nodes that share one store.
//
// Writes: the request thread encodes each span's row (ch_span_row.h, text already sealed by
// the ingest path); the writer thread sends a commit's rows as one INSERT. On a cluster the
// insert waits for a quorum of two replicas (insert_quorum), so an acknowledged span survives
// the loss of any one machine; a quorum not reached, or ClickHouse unreachable, is
// `unavailable`: the writer retries briefly, then ingest answers 503 with Retry-After. The
// writer's queue stays the bounded one of the SQLite store: nothing is held beyond it.
//
// Each span counts once: rows are keyed (project, trace, span) in a ReplacingMergeTree and
// every read goes through FINAL, so a span stored twice (a retry through another node) is read
// once in the list, the detail, the sums and the metrics. Sums and metrics are computed at
// query time from those rows: a materialized rollup would add each copy as it is inserted.
// write() cannot tell a copy from a new span, so its outcome counts every row as inserted.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/clickhouse/ch_client.h"
#include "storage/clickhouse/ch_statements.h"
#include "storage/span_store.h"

namespace stacklens::clickhouse {

class ClickHouseSpanStore final : public SpanStore {
 public:
  // Connects, checks the credentials and brings the schema up to date; any failure (server
  // unreachable, password refused, a newer schema) is one line naming it.
  static Result<std::unique_ptr<ClickHouseSpanStore>> open(const std::string& url);

  Status prepare(std::vector<SpanRecord>& records) override;
  using SpanStore::write;
  Result<WriteOutcome> write(const std::vector<const SpanRecord*>& records) override;
  Result<TracePage> list_traces(int64_t project_id, const TraceFilter& filter) override;
  Result<std::optional<TraceDetail>> get_trace(int64_t project_id, const std::string& trace_id) override;
  // The list's page, then its traces' spans in one statement (a few for a page of long ids).
  Result<TraceSpansPage> list_trace_spans(int64_t project_id, const TraceFilter& filter, bool with_text) override;
  Result<std::vector<MetricsSeries>> metrics(int64_t project_id, const MetricsQuery& q) override;
  Result<PeriodPage<SessionSummary>> list_sessions(int64_t project_id, const PeriodListQuery& q) override;
  Result<PeriodPage<UserSummary>> list_users(int64_t project_id, const PeriodListQuery& q) override;
  Result<int64_t> count_spans() override;
  // Repriced spans are inserted again with their version + 1: the ReplacingMergeTree keeps that
  // copy, and FINAL reads only it, so sums and metrics follow at once.
  Result<RecomputeProgress> recompute_costs(int64_t project_id, Micros from, Micros to, const Repricer& reprice,
                                            const ProgressFn& progress) override;
  Result<int64_t> expire(int64_t project_id, Micros before, const GoOn& go_on) override;
  Result<SpanDump> dump(const std::string& after, int max_spans) override;
  Status check_ready() override;

 private:
  explicit ClickHouseSpanStore(Endpoint endpoint);
  Result<std::vector<std::vector<std::string>>> rows(const std::string& sql);
  Result<std::vector<std::vector<std::string>>> newest_traces(
      int64_t project_id, const TraceFilter& f, const std::optional<std::pair<int64_t, std::string>>& after,
      int64_t offset);

  // dump()'s split of a project's traces into key ranges of about a page of spans each: their
  // first trace ids, in order (each range ends where the next begins).
  Result<std::vector<std::string>> dump_ranges(int64_t project_id, int max_spans);

  ChClient client_;
  const sql::Target target_;
  uint64_t last_arrival_ = 0;  // the writer thread's
  std::mutex ranges_mu_;
  std::map<int64_t, std::vector<std::string>> dump_ranges_;  // by project, made on its first page
};

}  // namespace stacklens::clickhouse
