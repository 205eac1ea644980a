#include "audit/checkpointer.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace stacklens::audit {

Checkpointer::Checkpointer(MetaStore& meta, AuditSigner signer)
    : meta_(meta), signer_(std::move(signer)), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (auto s = checkpoint(); !s) spdlog::warn("audit checkpoint at shutdown failed: {}", s.error().message);
}

Status Checkpointer::checkpoint() {
  std::lock_guard lock(sign_mu_);
  auto head = meta_.last_audit_entry();
  if (!head) return head.error();
  if (!*head || (*head)->id <= signed_through_) return ok_status();
  const AuditEntry& e = **head;
  if (auto s = meta_.add_audit_checkpoint({e.id, e.hash, signer_.sign(e.id, e.hash), now_micros()}); !s) return s;
  signed_through_ = e.id;
  return ok_status();
}

void Checkpointer::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    // Said once per outage (the metadata store out of reach), not every second.
    const Status s = checkpoint();
    if (!s && !failing_) spdlog::warn("audit checkpoint failed: {}", s.error().message);
    if (s && failing_) spdlog::info("audit checkpoints resumed");
    failing_ = !s;
    lock.lock();
  }
}

}  // namespace stacklens::audit
