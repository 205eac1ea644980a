#pragma once
// Signs the audit chain's head: once a second, when entries were appended since the last
// checkpoint (by this node or any other), and once more when stopped. Nodes signing the same
// head at once store one checkpoint (MetaStore::add_audit_checkpoint keeps the first).
#include <condition_variable>
#include <mutex>
#include <thread>

#include "crypto/audit_signer.h"
#include "storage/meta_store.h"

namespace stacklens::audit {

class Checkpointer {
 public:
  Checkpointer(MetaStore& meta, AuditSigner signer);
  ~Checkpointer();  // stops, after a last checkpoint
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Signs the head now if it moved; the store's error when it could not.
  Status checkpoint();

 private:
  void run();

  MetaStore& meta_;
  const AuditSigner signer_;
  std::mutex sign_mu_;  // one checkpoint at a time
  int64_t signed_through_ = 0;
  bool failing_ = false;  // the last checkpoint failed (the thread's own)
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace stacklens::audit
