#include "storage/sqlite/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace stacklens::sqlite {
namespace {
constexpr double kGrowth = 1.2;
// Bucket 0 holds 0 µs; bucket b >= 1 holds [kGrowth^(b-1), kGrowth^b) µs.
const double kLogGrowth = std::log(kGrowth);

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}
}  // namespace

size_t LatencyHistogram::bucket_of(int64_t latency_us) {
  if (latency_us <= 0) return 0;
  const double b = std::floor(std::log(static_cast<double>(latency_us)) / kLogGrowth) + 1;
  return std::min(kBuckets - 1, static_cast<size_t>(std::max(1.0, b)));
}

double LatencyHistogram::representative_us(size_t bucket) {
  if (bucket == 0) return 0;
  // Geometric middle of [g^(b-1), g^b).
  return std::pow(kGrowth, static_cast<double>(bucket) - 0.5);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
}

bool LatencyHistogram::merge_encoded(std::string_view in) {
  while (!in.empty()) {
    uint64_t bucket = 0, count = 0;
    if (!get_varint(in, bucket) || !get_varint(in, count) || bucket >= kBuckets) return false;
    counts_[bucket] += static_cast<int64_t>(count);
    total_ += static_cast<int64_t>(count);
  }
  return true;
}

std::string LatencyHistogram::encode() const {
  std::string out;
  for (size_t i = 0; i < kBuckets; ++i)
    if (counts_[i] > 0) {
      put_varint(out, i);
      put_varint(out, static_cast<uint64_t>(counts_[i]));
    }
  return out;
}

double LatencyHistogram::quantile_ms(double p) const {
  if (total_ == 0) return 0;
  // Nearest rank: the smallest bucket with at least p of the values at or below it.
  const auto rank = static_cast<int64_t>(std::max(1.0, std::ceil(p * static_cast<double>(total_))));
  int64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return representative_us(i) / 1000.0;
  }
  return representative_us(kBuckets - 1) / 1000.0;
}

}  // namespace stacklens::sqlite
