#pragma once
// API key authentication: "X-Api-Key: sl-..." or "Authorization: Bearer sl-...".
// 401 when the key is missing, unknown or revoked; 403 when it lacks the scope.
// Keys are looked up by hash on every request, so a revocation made by another
// process (the admin subcommand) takes effect on the next request.
#include <mutex>
#include <unordered_map>

#include "core/error.h"
#include "http/router.h"
#include "model/access.h"
#include "storage/meta_store.h"

namespace stacklens::api {

class Authenticator {
 public:
  explicit Authenticator(MetaStore& meta) : meta_(meta) {}
  Result<Principal> authenticate(const http::Context& ctx, Scope needed);

 private:
  MetaStore& meta_;
  std::mutex mu_;
  std::unordered_map<int64_t, Micros> last_touch_;  // key id -> when last_used was last written
};

}  // namespace stacklens::api
