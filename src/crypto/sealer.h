#pragma once
// Encryption at rest for prompt and completion text: XChaCha20-Poly1305 (libsodium)
// under a key ring kept in a 0600 file in the data directory. Each sealed value
// records the id of the key that sealed it, so keys can be rotated: new values use
// the newest key, old values stay readable with theirs.
//
// Sealed layout: nonce(24) | AEAD( flag(1) | payload ), flag 0 = raw, 3 = LZ4 (4-byte length, block),
// 2 = zstd (written by earlier versions, still read).
// The associated data binds a value to its place (project, trace, span, field).
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/span.h"

namespace stacklens {

class Sealer {
 public:
  // Loads the key ring, creating it (mode 0600) with one key when absent.
  static Result<Sealer> open_or_create(const std::filesystem::path& key_file);
  // Appends a new key; it becomes the one new values are sealed with.
  static Result<int> rotate(const std::filesystem::path& key_file);

  SealedText seal(std::string_view plain, std::string_view context) const;
  Result<std::string> open(const SealedText& sealed, std::string_view context) const;
  int active_key_id() const { return active_; }

 private:
  std::map<int, std::string> keys_;  // id -> 32 raw bytes
  int active_ = 0;
};

// The associated data that binds a span's sealed field to that span.
std::string seal_context(const Span& span, std::string_view field);

}  // namespace stacklens
