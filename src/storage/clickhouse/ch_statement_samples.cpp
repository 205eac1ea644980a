#include <fmt/format.h>

#include "storage/clickhouse/ch_score_store.h"
#include "storage/clickhouse/ch_span_row.h"
#include "storage/clickhouse/ch_statements.h"

namespace stacklens::clickhouse::sql {

std::vector<Sample> samples(const Target& t) {
  std::vector<Sample> out;
  out.push_back({"create_database", create_database(t), ""});
  out.push_back({"create_version_table", create_version_table(t), ""});
  out.push_back({"read_version", read_version(t), ""});
  out.push_back({"record_version", record_version(t, kSchemaVersion, 1700000000000000), ""});
  const auto all = migrations(t);
  for (size_t v = 0; v < all.size(); ++v)
    for (size_t i = 0; i < all[v].size(); ++i) out.push_back({fmt::format("migration_{}_{}", v + 1, i + 1), all[v][i], ""});

  // A span with every field set, binary sealed text and characters the formats escape.
  SpanRecord r;
  Span& s = r.span;
  s.project_id = 1;
  s.trace_id = "trace-'1'";
  s.span_id = "span\t1";
  s.parent_span_id = "root";
  s.name = "chat\\completion";
  s.kind = "llm";
  s.status = "error";
  s.start_us = 1700000000000000;
  s.end_us = 1700000001500000;
  s.attributes = {{"session_id", "s1"}, {"user_id", "u1"}, {"k", "v\n2"}, {"retries", "3"}, {"latency", "2.5"},
                  {"score", "-2"}};
  s.typed_attributes = {"retries", "latency"};  // numbers; score is a string holding one
  s.tags = {"prod"};
  s.events = {SpanEvent{"retry", 1700000000500000, {{"attempt", "2"}}, {}}};
  LlmData& l = s.llm.emplace();
  l.model = "gpt-4o";
  l.provider = "openai";
  l.input_tokens = 10;
  l.output_tokens = 5;
  l.total_tokens = 15;
  l.cost_usd = 0.25;
  l.temperature = 0.5;
  l.max_tokens = 100;
  l.finish_reason = "stop";
  l.cost_source = CostSource::unpriced;
  r.prompt = SealedText{std::string("\x00\x01\t\n\\'\xff", 7), 1};
  r.completion = SealedText{"sealed", 2};
  encode_span_row(r);
  out.push_back({"insert_spans", insert_spans(t), r.encoded->packed + "1\n"});

  out.push_back({"trace_spans", trace_spans(t, 1, s.trace_id), ""});
  out.push_back({"traces_spans", traces_spans(t, 1, {s.trace_id, "t2"}, true), ""});
  out.push_back({"traces_spans_without_text", traces_spans(t, 1, {s.trace_id, "t2"}, false), ""});
  out.push_back({"count_spans", count_spans(t), ""});
  out.push_back({"ping", ping(), ""});
  out.push_back({"expired_span_count", expired_span_count(t, 1, 1700000000000000), ""});
  out.push_back({"expire_spans", expire_spans(t, 1, 1700000000000000), ""});
  out.push_back({"expire_scores", expire_scores(t, 1, 1700000000000000), ""});
  out.push_back({"running_mutations", running_mutations(t), ""});
  out.push_back({"replica_state", replica_state(t), ""});

  TraceFilter f;
  out.push_back({"trace_page", trace_page(t, 1, f, std::nullopt), ""});
  f.from_us = 1600000000000000;
  f.to_us = 1800000000000000;
  f.name = "chat\\completion";
  f.model = "gpt-4o";
  f.provider = "openai";
  f.status = "error";
  f.tags = {"prod"};
  f.attributes = {{"k", "v\n2"}, {"retries", "3"}};
  f.attribute_numbers = {{"latency", ">=", 2.5}, {"score", "<", -1}};
  f.min_latency_ms = 1;
  f.min_cost_usd = 0.1;
  f.unpriced = true;
  f.session_id = "s1";
  f.user_id = "u1";
  out.push_back({"trace_page_filtered", trace_page(t, 1, f, std::make_pair(int64_t{1800000000000000}, "z")), ""});
  f.oldest_first = true;
  f.status = "ok";
  f.unpriced = false;
  f.session_id.reset();
  out.push_back({"trace_page_of_user_oldest_first", trace_page(t, 1, f, std::make_pair(int64_t{0}, "a")), ""});

  TraceFilter scored;
  scored.scores = {ScoreCondition{"accuracy", ">", 0.5, ""}, ScoreCondition{"label", "=", std::nullopt, "good"}};
  scored.sort_score = "accuracy";
  out.push_back({"trace_page_by_score", trace_page(t, 1, scored, std::nullopt, 50), ""});

  Score score;
  score.id = "score-1";
  score.trace_id = s.trace_id;
  score.name = "accuracy";
  score.number = 0.75;
  score.created_us = score.updated_us = 1700000000000000;
  out.push_back({"insert_scores", insert_scores(t), score_row(1, score, false, 1)});
  out.push_back({"score_by_id", score_by_id(t, 1, score.id), ""});
  ScoreFilter sf;
  sf.trace_id = s.trace_id;
  sf.span_id = "span";
  sf.name = "accuracy";
  sf.source = "api";
  sf.min_value = 0;
  sf.max_value = 1;
  sf.from_us = 1600000000000000;
  sf.to_us = 1800000000000000;
  out.push_back({"score_page", score_page(t, 1, ScoreFilter{}, std::nullopt), ""});
  out.push_back({"score_page_filtered", score_page(t, 1, sf, std::make_pair(int64_t{1800000000000000}, "z")), ""});
  out.push_back({"scores_of_trace", scores_of_trace(t, 1, s.trace_id), ""});
  out.push_back({"score_summary", score_summary(t, 1, ScoreSummaryQuery{"accuracy", 1600000000000000,
                                                                        1800000000000000, 3600000000}), ""});

  PeriodListQuery q;
  q.from_us = 1600000000000000;
  q.to_us = 1800000000000000;
  for (auto sort : kSessionSorts) {
    q.sort = std::string(sort);
    out.push_back({"session_page_" + q.sort, session_page(t, 1, q), ""});
  }
  q.user_id = "u1";
  q.ascending = true;
  q.offset = 1;
  out.push_back({"session_page_of_user", session_page(t, 1, q), ""});
  q.user_id.reset();
  for (auto sort : kUserSorts) {
    q.sort = std::string(sort);
    out.push_back({"user_page_" + q.sort, user_page(t, 1, q), ""});
  }

  out.push_back({"span_dump_page", span_dump_page(t, 1, {"t1", "s1"}, "t9", 1000), ""});
  out.push_back({"span_dump_page_to_the_end", span_dump_page(t, 1, {"t1", "s1"}, "", 1000), ""});
  out.push_back({"project_span_count", project_span_count(t, 1), ""});
  out.push_back({"span_dump_ranges", span_dump_ranges(t, 1, 7), ""});
  out.push_back({"next_span_project", next_span_project(t, 1), ""});
  out.push_back({"score_dump_page", score_dump_page(t, {1, "sc1"}, 1000), ""});
  out.push_back({"period_span_count", period_span_count(t, 1, 1600000000000000, 1800000000000000), ""});
  out.push_back({"period_span_page", period_span_page(t, 1, 1600000000000000, 1800000000000000, {"", ""}, 1000), ""});

  MetricsQuery m;
  m.from_us = 1699990000000000;
  m.to_us = 1700090000000000;
  for (GroupBy g : {GroupBy::none, GroupBy::model, GroupBy::provider, GroupBy::name}) {
    m.group_by = g;
    out.push_back({fmt::format("metrics_group_{}", static_cast<int>(g)), metrics(t, 1, m, 3600, 1699988400, 1700090000), ""});
  }
  m.kind = "llm";
  out.push_back({"metrics_llm_minutes", metrics(t, 1, m, 60, 1699990000, 1700090000), ""});
  return out;
}

}  // namespace stacklens::clickhouse::sql
