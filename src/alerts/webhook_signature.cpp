#include "alerts/webhook_signature.h"

#include <fmt/format.h>
#include <sodium.h>

#include <array>

#include "crypto/secrets.h"

namespace stacklens::alerts {

std::string signature_header(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(t.data()), t.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>("."), 1);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&st, mac.data());
  std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  return fmt::format("t={},v1={}", t, hex.data());
}

std::string new_channel_secret() { return "whsec_" + secrets::random_token(24); }

}  // namespace stacklens::alerts
