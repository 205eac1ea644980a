#pragma once
// How StackLens objects look in API responses (camelCase, like the wire format).
#include <boost/json.hpp>

#include "model/access.h"
#include "model/attribute_values.h"
#include "model/dataset.h"
#include "model/dataset_run.h"
#include "model/evaluator.h"
#include "model/prompt.h"
#include "model/query.h"
#include "model/score.h"
#include "query/trace_service.h"

namespace stacklens::api {

boost::json::object span_json(const Span& s);
inline boost::json::object span_attributes_json(const Span& s) { return attributes_object(s.attributes, s.typed_attributes); }
boost::json::object trace_summary_json(const TraceSummary& t);
boost::json::object trace_detail_json(const query::TraceView& v);
boost::json::object session_summary_json(const SessionSummary& s);
boost::json::object user_summary_json(const UserSummary& u);
boost::json::object session_view_json(const query::SessionView& v);
boost::json::object metrics_json(const MetricsQuery& q, const std::vector<MetricsSeries>& series);
boost::json::object prompt_json(const Prompt& p);
boost::json::object version_json(const PromptVersion& v, bool with_content = true);
boost::json::object promotion_json(const Promotion& p);
boost::json::object protection_json(const EnvironmentProtection& e);
boost::json::object request_json(const PromotionRequest& r);
// A variant's content only where it is served (a fetch's experiment).
boost::json::object variant_json(const ExperimentVariant& v, bool with_content);
boost::json::object experiment_json(const Experiment& e);
boost::json::object key_json(const ApiKeyInfo& k);
boost::json::object score_json(const Score& s);
boost::json::object score_config_json(const ScoreConfig& c);
boost::json::object score_summary_json(const ScoreSummaryQuery& q, const std::vector<ScoreBucket>& buckets);
boost::json::object dataset_json(const Dataset& d);
boost::json::object dataset_item_json(const DatasetItem& i);
boost::json::object dataset_run_json(const DatasetRun& r);
boost::json::object judge_schema_json(const JudgeSchema& s);
boost::json::object evaluator_json(const Evaluator& e);
boost::json::object eval_rule_json(const EvalRule& r, const EvalRunTotals& totals);
boost::json::object eval_run_json(const EvalRun& r);

// A page of a list: its rows under `key`, then the cursor of the next page (null on the last page).
template <typename Row>
boost::json::object list_page_json(std::string_view key, const std::vector<Row>& rows,
                                   boost::json::object (*row_json)(const Row&),
                                   const std::optional<std::string>& next_cursor) {
  boost::json::array out;
  for (const auto& r : rows) out.push_back(row_json(r));
  return boost::json::object{
      {key, std::move(out)},
      {"nextCursor", next_cursor ? boost::json::value(*next_cursor) : boost::json::value(nullptr)}};
}

}  // namespace stacklens::api
