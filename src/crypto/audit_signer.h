#pragma once
// The Ed25519 key that signs the audit chain's checkpoints (model/audit.h), kept in a 0600 file
// beside the encryption key ring (Settings::audit_key_file). Every node of a cluster holds the
// same file, as it holds the same key ring, so any node can sign and `stacklens audit verify`
// checks every checkpoint with one public key.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.h"

namespace stacklens {

class AuditSigner {
 public:
  // Loads the key, creating it when absent (of several processes creating it at once, one wins
  // and all load its key).
  static Result<AuditSigner> open_or_create(const std::filesystem::path& key_file);
  // Loads the key; not_found when the file is absent.
  static Result<AuditSigner> open(const std::filesystem::path& key_file);

  // Hex signatures over the chain's entry_id and that entry's hash.
  std::string sign(int64_t entry_id, const std::string& hash) const;
  bool verify(int64_t entry_id, const std::string& hash, const std::string& signature) const;
  std::string public_key() const;  // hex

 private:
  std::string secret_;  // crypto_sign_SECRETKEYBYTES raw bytes (seed + public key)
  std::string public_;  // crypto_sign_PUBLICKEYBYTES raw bytes
};

}  // namespace stacklens
