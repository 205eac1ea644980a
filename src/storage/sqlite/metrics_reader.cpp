#include "storage/sqlite/span_readers.h"

#include <algorithm>
#include <map>

#include "storage/sqlite/latency_histogram.h"

namespace stacklens::sqlite {

Result<std::vector<MetricsSeries>> read_metrics(Db& db, const RollupState& rollups, int64_t project_id,
                                                const MetricsQuery& q) {
  const int64_t level = q.interval_us % 3600000000LL == 0 ? 3600 : 60;
  int64_t dim = dim_all;
  switch (q.group_by) {
    case GroupBy::none: dim = dim_all; break;
    case GroupBy::model: dim = dim_model; break;
    case GroupBy::provider: dim = dim_provider; break;
    case GroupBy::name: dim = dim_name; break;
  }
  auto st = db.prepare(
      "SELECT bucket, grp, requests, errors, input_tokens, output_tokens, cost_usd, latency, unpriced_spans, "
      "unpriced_tokens FROM rollups "
      "WHERE project_id = ?1 AND level = ?2 AND dim = ?3 AND bucket >= ?4 AND bucket < ?5 AND llm >= ?6");
  auto generation = db.prepare("SELECT generation FROM rollup_state");
  if (!st) return st.error();
  if (!generation) return generation.error();
  const int64_t from_s = q.from_us / 1000000 / level * level;
  const int64_t to_s = (q.to_us + 999999) / 1000000;
  const int64_t min_llm = q.kind ? 1 : 0;
  struct Acc {
    MetricsPoint p;
    LatencyHistogram latency;
  };
  std::map<std::string, std::map<Micros, Acc>> groups;
  const auto add = [&](int64_t bucket_s, const std::string& group, int64_t requests, int64_t errors,
                       int64_t input_tokens, int64_t output_tokens, double cost_usd, int64_t unpriced_spans,
                       int64_t unpriced_tokens) -> Acc& {
    const Micros at = std::max(q.from_us, bucket_s * 1000000);
    const Micros bucket = q.from_us + (at - q.from_us) / q.interval_us * q.interval_us;
    Acc& a = groups[group][bucket];
    a.p.bucket_us = bucket;
    a.p.requests += requests;
    a.p.errors += errors;
    a.p.input_tokens += input_tokens;
    a.p.output_tokens += output_tokens;
    a.p.cost_usd += cost_usd;
    a.p.unpriced_spans += unpriced_spans;
    a.p.unpriced_tokens += unpriced_tokens;
    return a;
  };
  // The table's rows plus the writer's pending sums: both as of the same merge (generation),
  // else a merge happened in between and the read starts over.
  for (int attempt = 0;; ++attempt) {
    groups.clear();
    const int64_t pending_generation = rollups.for_each_pending(
        project_id, level, dim, from_s, to_s, min_llm,
        [&](int64_t bucket, const std::string& group, const RollupAccumulator::Sum& sum) {
          add(bucket, group, sum.requests, sum.errors, sum.input_tokens, sum.output_tokens, sum.cost_usd,
              sum.unpriced_spans, sum.unpriced_tokens)
              .latency.merge(sum.latency);
        });
    Transaction tx(db, false);
    if (!tx.begin_status()) return tx.begin_status().error();
    auto row = (*generation)->reset().step();
    if (!row) return row.error();
    const int64_t table_generation = *row ? (*generation)->i64(0) : 0;
    (*generation)->reset();
    if (table_generation != pending_generation && attempt < 10) continue;
    Stmt& s = (*st)->reset();
    s.bind(1, project_id).bind(2, level).bind(3, dim).bind(4, from_s).bind(5, to_s).bind(6, min_llm);
    for (;;) {
      auto r = s.step();
      if (!r) return r.error();
      if (!*r) break;
      Acc& a = add(s.i64(0), s.text(1), s.i64(2), s.i64(3), s.i64(4), s.i64(5), s.f64(6), s.i64(8), s.i64(9));
      if (!a.latency.merge_encoded(s.text(7)))
        return make_error(ErrorCode::internal, "a stored latency histogram is malformed");
    }
    break;
  }
  std::vector<MetricsSeries> out;
  for (auto& [group, buckets] : groups) {
    MetricsSeries series{group, {}};
    for (auto& [bucket, a] : buckets) {
      a.p.latency_p50_ms = a.latency.quantile_ms(0.50);
      a.p.latency_p95_ms = a.latency.quantile_ms(0.95);
      a.p.latency_p99_ms = a.latency.quantile_ms(0.99);
      series.points.push_back(a.p);
    }
    out.push_back(std::move(series));
  }
  return out;
}

}  // namespace stacklens::sqlite
