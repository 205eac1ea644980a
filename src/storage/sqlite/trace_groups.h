#pragma once
// A commit's spans grouped by trace, and summed per trace: the writer writes each trace's row
// once per commit, not once per span.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/span.h"

namespace stacklens::sqlite {

// One commit's spans of one trace, in arrival order.
struct TraceGroup {
  int64_t project_id = 0, trace_key = 0;
  std::span<const SpanRecord* const> spans;
};

// Groups a commit's (prepared) records by trace. Groups come in the order of their first span,
// and their spans in arrival order; they point into `grouped`, which holds the records group
// after group. (By sorting: a hash map of vectors cost a few allocations per trace on the
// writer thread.)
std::vector<TraceGroup> group_by_trace(const std::vector<const SpanRecord*>& records,
                                       std::vector<const SpanRecord*>& grouped);

// One commit's new spans of a trace, summed. Views point into the commit's records; text is
// copied only for a trace with several spans.
struct TraceSum {
  std::string_view trace_id, name, attributes, tags;  // attributes, tags: the spans' JSON, concatenated
  std::string_view session_id, user_id;  // the first non-empty of its spans' (empty: none)
  bool has_root = false;
  Micros start_us = INT64_MAX, end_us = INT64_MIN;
  int64_t errors = 0, spans = 0, input_tokens = 0, output_tokens = 0, total_tokens = 0, unpriced_spans = 0;
  double cost_usd = 0;

  void add(const Span& s, const SpanRecord::Encoded& e) {
    const std::string& attributes_text = e.attributes;
    const std::string& tags_text = e.tags;
    if (session_id.empty()) session_id = e.session_id;
    if (user_id.empty()) user_id = e.user_id;
    if (spans == 0) {
      attributes = attributes_text;
      tags = tags_text;
    } else {
      if (spans == 1) joined_attributes_.assign(attributes), joined_tags_.assign(tags);
      joined_attributes_ += attributes_text;
      joined_tags_ += tags_text;
      attributes = joined_attributes_;
      tags = joined_tags_;
    }
    const bool root = !s.parent_span_id;
    // The trace's name: its root span's, else its earliest span's.
    if ((root && !has_root) || (root == has_root && s.start_us < start_us)) name = s.name;
    has_root = has_root || root;
    trace_id = s.trace_id;
    start_us = std::min(start_us, s.start_us);
    end_us = std::max(end_us, s.end_us);
    errors += s.is_error() ? 1 : 0;
    spans++;
    if (s.llm) {
      input_tokens += s.llm->input_tokens;
      output_tokens += s.llm->output_tokens;
      total_tokens += s.llm->total_tokens;
      cost_usd += s.llm->cost_usd;
      unpriced_spans += s.llm->cost_source == CostSource::unpriced ? 1 : 0;
    }
  }

 private:
  std::string joined_attributes_, joined_tags_;
};

}  // namespace stacklens::sqlite
