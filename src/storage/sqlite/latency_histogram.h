#pragma once
// Latency distribution kept in rollups: log-spaced buckets (each 20 % wider
// than the one before), so any percentile read back is within about 10 % of
// the exact value, whatever the range. Stored sparse: (bucket, count) varints.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace stacklens::sqlite {

class LatencyHistogram {
 public:
  static constexpr size_t kBuckets = 128;
  void add(int64_t latency_us, int64_t count = 1) { add_to_bucket(bucket_of(latency_us), count); }
  // The same with bucket_of(latency) computed by the caller (once for several histograms).
  void add_to_bucket(size_t bucket, int64_t count = 1) {
    counts_[bucket] += count;
    total_ += count;
  }
  void merge(const LatencyHistogram& other);
  bool merge_encoded(std::string_view encoded);  // false when malformed
  std::string encode() const;
  int64_t total() const { return total_; }
  // The p-quantile in milliseconds (0 when empty): the representative value of the bucket holding it.
  double quantile_ms(double p) const;

  static size_t bucket_of(int64_t latency_us);
  static double representative_us(size_t bucket);

 private:
  std::array<int64_t, kBuckets> counts_{};
  int64_t total_ = 0;
};

}  // namespace stacklens::sqlite
