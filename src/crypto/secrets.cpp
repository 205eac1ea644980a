#include "crypto/secrets.h"

#include <fmt/format.h>
#include <sodium.h>

namespace stacklens::secrets {
namespace {
constexpr size_t kKeyHexChars = 48;

std::string hex(const unsigned char* data, size_t len) {
  std::string out(len * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, len);
  out.pop_back();
  return out;
}
}  // namespace

std::string random_uuid() {
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", b[i]);
  }
  return out;
}

std::string random_token(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), bytes);
  return hex(reinterpret_cast<const unsigned char*>(raw.data()), bytes);
}

NewApiKey generate_api_key() {
  NewApiKey k;
  k.secret = "sl-" + random_token(kKeyHexChars / 2);
  k.prefix = k.secret.substr(0, 11);
  k.hash = hash_api_key(k.secret);
  return k;
}

std::string hash_api_key(std::string_view secret) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  return hex(out, sizeof out);
}

bool looks_like_api_key(std::string_view s) { return s.size() > 3 && s.substr(0, 3) == "sl-" && s.size() <= 128; }

std::string generate_password() {
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (int i = 0; i < 20; ++i) out += kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
  return out;
}

std::optional<std::string> hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return std::nullopt;
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

}  // namespace stacklens::secrets
