#include "storage/audit_chain.h"

#include <sodium.h>

#include <array>

namespace stacklens {
namespace {

void put_u64(crypto_generichash_state& st, uint64_t v) {
  std::array<unsigned char, 8> b{};
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  crypto_generichash_update(&st, b.data(), b.size());
}

void put_text(crypto_generichash_state& st, const std::string& s) {
  put_u64(st, s.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

}  // namespace

std::string audit_entry_hash(const AuditEntry& e) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, crypto_generichash_BYTES);
  put_text(st, "stacklens-audit-v1");
  put_u64(st, static_cast<uint64_t>(e.id));
  put_u64(st, static_cast<uint64_t>(e.time_us));
  put_u64(st, static_cast<uint64_t>(e.project_id));
  for (const std::string* s : {&e.data_type, &e.policy, &e.field, &e.model, &e.provider, &e.trace_id, &e.span_id,
                               &e.prev_hash})
    put_text(st, *s);
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash_final(&st, out.data(), out.size());
  std::string hex(out.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), out.data(), out.size());
  hex.pop_back();
  return hex;
}

}  // namespace stacklens
