#include "model/experiment_choice.h"

#include <fmt/format.h>
#include <sodium.h>

namespace stacklens {

size_t choose_variant(const Experiment& e, std::optional<std::string_view> user_id) {
  uint64_t total = 0;
  for (const auto& v : e.variants) total += static_cast<uint64_t>(v.weight);
  uint64_t x = 0;
  if (user_id) {
    const std::string key = fmt::format("{}:{}", e.id, *user_id);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    uint64_t h = 0;
    for (int i = 0; i < 8; ++i) h = (h << 8) | digest[i];
    x = h % total;
  } else {
    uint64_t r = 0;
    randombytes_buf(&r, sizeof r);
    x = r % total;  // total is at most 10 variants x 10,000: the bias is below 1e-14
  }
  uint64_t sum = 0;
  for (size_t i = 0; i < e.variants.size(); ++i) {
    sum += static_cast<uint64_t>(e.variants[i].weight);
    if (x < sum) return i;
  }
  return e.variants.size() - 1;
}

}  // namespace stacklens
