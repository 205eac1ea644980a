#include "storage/sqlite/rollup_accumulator.h"

#include <algorithm>

namespace stacklens::sqlite {

size_t RollupAccumulator::KeyHash::operator()(const KeyView& k) const {
  const auto& [project, level, dim, bucket, group, llm] = k;
  size_t h = std::hash<std::string_view>()(group);
  for (int64_t v : {project, level, dim, bucket, llm}) h = (h ^ static_cast<size_t>(v)) * 0x100000001b3ULL;
  return h;
}

RollupAccumulator::Sum& RollupAccumulator::at(const KeyView& key) {
  if (auto it = index_.find(key); it != index_.end()) return *it->second;
  const auto& [project, level, dim, bucket, group, llm] = key;
  auto node = sums_.emplace(Key{project, level, dim, bucket, std::string(group), llm}, Sum{}).first;
  const auto& k = node->first;
  index_.emplace(KeyView{std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), std::get<4>(k), std::get<5>(k)},
                 &node->second);
  return node->second;
}

template <typename F>
void RollupAccumulator::each_sum(const Span& s, F&& f) {
  const int64_t secs = s.start_us >= 0 ? s.start_us / 1000000 : (s.start_us - 999999) / 1000000;
  const int64_t llm = s.llm ? 1 : 0;
  const std::string none;
  const std::string* groups[] = {&none, s.llm ? &s.llm->model : &none, s.llm ? &s.llm->provider : &none, &s.name};
  for (int64_t level : kRollupLevels) {
    const int64_t bucket = secs - ((secs % level) + level) % level;
    for (int64_t dim = dim_all; dim <= dim_name; ++dim) f(at(KeyView{s.project_id, level, dim, bucket, *groups[dim], llm}));
  }
}

namespace {
// A span the price table could not price, and its tokens (a span that gives its tokens only as
// a total is unpriced too: count that total).
std::pair<int64_t, int64_t> unpriced_of(const Span& s) {
  if (!s.llm || s.llm->cost_source != CostSource::unpriced) return {0, 0};
  return {1, std::max(s.llm->total_tokens, s.llm->input_tokens + s.llm->output_tokens)};
}
}  // namespace

void RollupAccumulator::add(const Span& s) {
  const size_t latency_bucket = LatencyHistogram::bucket_of(s.latency_us());
  const auto [unpriced_spans, unpriced_tokens] = unpriced_of(s);
  each_sum(s, [&](Sum& sum) {
    sum.requests++;
    sum.errors += s.is_error() ? 1 : 0;
    if (s.llm) {
      sum.input_tokens += s.llm->input_tokens;
      sum.output_tokens += s.llm->output_tokens;
      sum.cost_usd += s.llm->cost_usd;
      sum.unpriced_spans += unpriced_spans;
      sum.unpriced_tokens += unpriced_tokens;
    }
    sum.latency.add_to_bucket(latency_bucket);
  });
}

void RollupAccumulator::add_cost_change(const Span& before, const Span& after) {
  if (!before.llm || !after.llm) return;
  const auto [spans_before, tokens_before] = unpriced_of(before);
  const auto [spans_after, tokens_after] = unpriced_of(after);
  each_sum(after, [&](Sum& sum) {
    sum.cost_usd += after.llm->cost_usd - before.llm->cost_usd;
    sum.unpriced_spans += spans_after - spans_before;
    sum.unpriced_tokens += tokens_after - tokens_before;
  });
}

Status RollupAccumulator::flush(Db& db) const {
  auto st = db.prepare(
      "INSERT INTO rollups(project_id, level, dim, bucket, grp, llm, requests, errors, input_tokens, output_tokens, "
      "cost_usd, latency, unpriced_spans, unpriced_tokens) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
      "?13, ?14) "
      "ON CONFLICT(project_id, level, dim, bucket, grp, llm) DO UPDATE SET requests = requests + excluded.requests, "
      "errors = errors + excluded.errors, input_tokens = input_tokens + excluded.input_tokens, "
      "output_tokens = output_tokens + excluded.output_tokens, cost_usd = cost_usd + excluded.cost_usd, "
      "latency = sl_histogram_merge(latency, excluded.latency), unpriced_spans = unpriced_spans + excluded.unpriced_spans, "
      "unpriced_tokens = unpriced_tokens + excluded.unpriced_tokens");
  if (!st) return st.error();
  for (const auto& [key, sum] : sums_) {
    const auto& [project, level, dim, bucket, group, llm] = key;
    Stmt& s = (*st)->reset();
    s.bind(1, project).bind(2, level).bind(3, dim).bind(4, bucket).bind(5, group).bind(6, llm);
    s.bind(7, sum.requests).bind(8, sum.errors).bind(9, sum.input_tokens).bind(10, sum.output_tokens);
    s.bind(11, sum.cost_usd).bind_blob(12, sum.latency.encode()).bind(13, sum.unpriced_spans).bind(14, sum.unpriced_tokens);
    if (auto r = s.run(); !r) return r;
  }
  return ok_status();
}

}  // namespace stacklens::sqlite
