#include "storage/sqlite/trace_groups.h"

#include <numeric>
#include <utility>

namespace stacklens::sqlite {

std::vector<TraceGroup> group_by_trace(const std::vector<const SpanRecord*>& records,
                                       std::vector<const SpanRecord*>& grouped) {
  const auto trace_of = [&](size_t i) { return std::pair(records[i]->span.project_id, records[i]->encoded->trace_key); };
  std::vector<uint32_t> order(records.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return trace_of(a) < trace_of(b); });
  struct Run {
    size_t begin, end;  // in `order`; order[begin] is the trace's first span (the sort is stable)
  };
  std::vector<Run> runs;
  for (size_t i = 0, j = 0; i < order.size(); i = j) {
    for (j = i + 1; j < order.size() && trace_of(order[j]) == trace_of(order[i]);) ++j;
    runs.push_back(Run{i, j});
  }
  std::sort(runs.begin(), runs.end(), [&](const Run& a, const Run& b) { return order[a.begin] < order[b.begin]; });
  grouped.clear();
  grouped.reserve(records.size());  // no reallocation: the groups' spans point into it
  std::vector<TraceGroup> groups;
  groups.reserve(runs.size());
  for (const Run& run : runs) {
    const size_t first = grouped.size();
    for (size_t k = run.begin; k < run.end; ++k) grouped.push_back(records[order[k]]);
    const auto [project_id, trace_key] = trace_of(order[run.begin]);
    groups.push_back(TraceGroup{project_id, trace_key, std::span(grouped).subspan(first, run.end - run.begin)});
  }
  return groups;
}

}  // namespace stacklens::sqlite
