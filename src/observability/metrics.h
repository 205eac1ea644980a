#pragma once
// The server's own metrics, rendered in the Prometheus text format at /metrics.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace stacklens {

class Metrics {
 public:
  void count_request(const std::string& route, int status);
  void observe_commit(double seconds);
  void add_rejected(int64_t n) { spans_rejected_ += n; }
  void set_spans_stored(int64_t n) { spans_stored_ = n; }
  void add_spans_stored(int64_t n) { spans_stored_ += n; }
  void add_duplicates(int64_t n) { spans_duplicate_ += n; }
  void set_queue_depth(int64_t n) { queue_depth_ = n; }
  void add_overloaded() { overloaded_ += 1; }
  // Personal data GovernAI found at ingest, by project, type and the action taken.
  void add_governai_findings(int64_t project_id, std::string_view type, std::string_view action, int64_t n);
  int64_t spans_stored() const { return spans_stored_; }
  std::string render() const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  std::map<std::tuple<int64_t, std::string, std::string>, int64_t> governai_findings_;
  std::array<int64_t, kBuckets.size() + 1> commit_buckets_{};
  double commit_sum_ = 0;
  int64_t commit_count_ = 0;
  std::atomic<int64_t> spans_stored_{0}, spans_rejected_{0}, spans_duplicate_{0}, queue_depth_{0}, overloaded_{0};
};

}  // namespace stacklens
