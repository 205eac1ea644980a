#include "query/experiment_results.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace stacklens::query {
namespace {

double quantile_ms(std::vector<Micros>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto at = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(at, sorted.size() - 1)]) / 1000.0;
}

struct Sums {
  int64_t count = 0;
  double total = 0;
};

}  // namespace

Result<ExperimentResults> experiment_results(SpanStore& spans, ScoreStore& scores, int64_t project_id,
                                             const Experiment& e, Micros now_us) {
  ExperimentResults out;
  out.from_us = e.started_us;
  out.to_us = e.ended_us.value_or(now_us) + 1;
  std::unordered_map<std::string, size_t> variant_of_trace;
  for (const ExperimentVariant& v : e.variants) {
    VariantResult r;
    r.variant = v;
    TraceFilter f;
    f.from_us = out.from_us;
    f.to_us = out.to_us;
    f.attributes = {{std::string(kExperimentAttribute), std::to_string(e.id)},
                    {std::string(kVariantAttribute), v.label}};
    f.limit = 500;
    std::vector<Micros> latencies;
    for (;;) {
      auto page = spans.list_traces(project_id, f);
      if (!page) return page.error();
      for (const TraceSummary& t : page->traces) {
        ++r.traces;
        if (t.status == "error") ++r.errors;
        latencies.push_back(t.end_us - t.start_us);
        r.input_tokens += t.input_tokens;
        r.output_tokens += t.output_tokens;
        r.total_tokens += t.total_tokens;
        r.cost_usd += t.cost_usd;
        variant_of_trace.emplace(t.trace_id, out.variants.size());
      }
      if (!page->next_cursor) break;
      if (r.traces >= kMaxTraces) {
        out.capped = true;
        break;
      }
      f.cursor = page->next_cursor;
    }
    std::sort(latencies.begin(), latencies.end());
    r.latency_p50_ms = quantile_ms(latencies, 0.50);
    r.latency_p95_ms = quantile_ms(latencies, 0.95);
    out.variants.push_back(std::move(r));
  }

  // Scores come after their traces: every score given since the experiment began is looked at.
  std::vector<std::map<std::string, Sums>> by_name(out.variants.size());
  ScoreFilter sf;
  sf.from_us = out.from_us;
  sf.limit = 1000;
  int64_t read = 0;
  if (!variant_of_trace.empty())
    for (;;) {
      auto page = scores.list(project_id, sf);
      if (!page) return page.error();
      for (const Score& s : page->scores) {
        ++read;
        if (s.type == ScoreType::categorical) continue;
        auto it = variant_of_trace.find(s.trace_id);
        if (it == variant_of_trace.end()) continue;
        Sums& sums = by_name[it->second][s.name];
        ++sums.count;
        sums.total += s.number;
      }
      if (!page->next_cursor) break;
      if (read >= kMaxScores) {
        out.capped = true;
        break;
      }
      sf.cursor = page->next_cursor;
    }
  for (size_t i = 0; i < out.variants.size(); ++i)
    for (const auto& [name, sums] : by_name[i])
      out.variants[i].scores.push_back(ScoreAverage{name, sums.count, sums.total / static_cast<double>(sums.count)});
  return out;
}

}  // namespace stacklens::query
