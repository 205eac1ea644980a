#pragma once
// API key and password material. Keys are "sl-" + 48 hex characters (192 random
// bits); only their SHA-256 is stored. Passwords are hashed with argon2id.
#include <optional>
#include <string>
#include <string_view>

namespace stacklens::secrets {

struct NewApiKey {
  std::string secret;  // shown once
  std::string prefix;  // "sl-" + first 8 hex characters, stored and listed
  std::string hash;    // hex SHA-256 of the secret, stored
};

NewApiKey generate_api_key();
std::string hash_api_key(std::string_view secret);
bool looks_like_api_key(std::string_view s);

std::string random_token(size_t bytes);  // hex
std::string random_uuid();                // version 4, lowercase
std::string generate_password();         // 20 characters, letters and digits
std::optional<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password);

}  // namespace stacklens::secrets
