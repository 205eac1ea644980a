#include "observability/metrics.h"

#include <fmt/format.h>

namespace stacklens {

void Metrics::count_request(const std::string& route, int status) {
  std::lock_guard lock(mu_);
  requests_[{route, status}]++;
}

void Metrics::observe_commit(double seconds) {
  std::lock_guard lock(mu_);
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  commit_buckets_[i]++;
  commit_sum_ += seconds;
  commit_count_++;
}

void Metrics::add_governai_findings(int64_t project_id, std::string_view type, std::string_view action, int64_t n) {
  std::lock_guard lock(mu_);
  governai_findings_[{project_id, std::string(type), std::string(action)}] += n;
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP stacklens_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE stacklens_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += fmt::format("stacklens_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, n);
  out += "# HELP stacklens_ingest_queue_spans Spans accepted for commit and not yet committed.\n";
  out += "# TYPE stacklens_ingest_queue_spans gauge\n";
  out += fmt::format("stacklens_ingest_queue_spans {}\n", queue_depth_.load());
  out += "# HELP stacklens_commit_seconds Time to commit one group of spans.\n";
  out += "# TYPE stacklens_commit_seconds histogram\n";
  int64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += commit_buckets_[i];
    out += fmt::format("stacklens_commit_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], cumulative);
  }
  cumulative += commit_buckets_.back();
  out += fmt::format("stacklens_commit_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("stacklens_commit_seconds_sum {}\nstacklens_commit_seconds_count {}\n", commit_sum_, commit_count_);
  out += "# HELP stacklens_spans_stored_total Spans committed to storage.\n# TYPE stacklens_spans_stored_total counter\n";
  out += fmt::format("stacklens_spans_stored_total {}\n", spans_stored_.load());
  out += "# HELP stacklens_spans_rejected_total Spans refused for bad input.\n# TYPE stacklens_spans_rejected_total counter\n";
  out += fmt::format("stacklens_spans_rejected_total {}\n", spans_rejected_.load());
  out += "# HELP stacklens_spans_duplicate_total Spans received again and stored once.\n";
  out += "# TYPE stacklens_spans_duplicate_total counter\n";
  out += fmt::format("stacklens_spans_duplicate_total {}\n", spans_duplicate_.load());
  out += "# HELP stacklens_ingest_overloaded_total Ingest requests refused with 429 because the queue was full.\n";
  out += "# TYPE stacklens_ingest_overloaded_total counter\n";
  out += fmt::format("stacklens_ingest_overloaded_total {}\n", overloaded_.load());
  out += "# HELP stacklens_governai_findings_total Personal data GovernAI found in ingested spans, by the action taken.\n";
  out += "# TYPE stacklens_governai_findings_total counter\n";
  for (const auto& [key, n] : governai_findings_)
    out += fmt::format("stacklens_governai_findings_total{{project=\"{}\",type=\"{}\",action=\"{}\"}} {}\n",
                       std::get<0>(key), std::get<1>(key), std::get<2>(key), n);
  return out;
}

}  // namespace stacklens
