#include "cli/audit_verify.h"

#include <cstdio>

#include "app/storage_factory.h"
#include "audit/chain_verifier.h"

namespace stacklens::cli {

int audit_verify(const Settings& s) {
  auto signer = AuditSigner::open(s.audit_key_file());
  if (!signer) {
    std::fprintf(stderr, "error: %s\n", signer.error().message.c_str());
    return 1;
  }
  auto meta = app::open_meta_store(s);
  if (!meta) {
    std::fprintf(stderr, "error: %s\n", meta.error().message.c_str());
    return 1;
  }
  auto check = audit::verify_chain(**meta, *signer);
  if (!check) {
    std::fprintf(stderr, "error: %s\n", check.error().message.c_str());
    return 1;
  }
  if (!check->intact()) {
    std::printf("audit chain BROKEN at entry %lld: %s\n", static_cast<long long>(*check->first_bad),
                check->problem.c_str());
    return 1;
  }
  std::printf("audit chain intact: %lld entries, %lld signed checkpoints, signed through entry %lld\n",
              static_cast<long long>(check->entries), static_cast<long long>(check->checkpoints),
              static_cast<long long>(check->signed_through));
  return 0;
}

}  // namespace stacklens::cli
