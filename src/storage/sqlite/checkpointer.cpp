#include "storage/sqlite/checkpointer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace stacklens::sqlite {

namespace {

// How often the thread checkpoints unasked: often enough to keep the WAL short, rarely enough
// that a page dirtied by many commits is copied once (longer gained little and doubled the WAL).
constexpr auto kCheckpointEvery = std::chrono::milliseconds(2000);
// A WAL this long is checkpointed by the writer itself right after a commit. The thread has
// usually copied most of it already, so this is short.
constexpr int64_t kWalBytesBeforeReset = 256 << 20;
// The thread is woken this many times as the WAL grows towards that length, so the writer's
// own checkpoint copies and syncs a sixteenth of it (a quarter stalled it 100-250 ms).
constexpr int kNudgesPerWal = 16;

}  // namespace

Checkpointer::Checkpointer(std::string path, Db& writer)
    : path_(std::move(path)),
      writer_(writer),
      wal_frames_before_reset_(static_cast<int>(kWalBytesBeforeReset / writer.page_size())),
      next_nudge_(wal_frames_before_reset_ / kNudgesPerWal),
      thread_([this] { loop(); }) {
  sqlite3_wal_hook(
      writer_.raw(),
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<Checkpointer*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
      },
      this);
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  sqlite3_wal_hook(writer_.raw(), nullptr, nullptr);
}

void Checkpointer::committed() {
  if (wal_frames_ > wal_frames_before_reset_) {
    wal_frames_ = 0;
    next_nudge_ = wal_frames_before_reset_ / kNudgesPerWal;
    if (auto st = writer_.exec("PRAGMA wal_checkpoint(PASSIVE)"); !st) spdlog::warn("checkpoint: {}", st.error().message);
  } else if (wal_frames_ > next_nudge_) {
    // On the way: the thread copies what is there now, so the writer's checkpoint at the
    // restart only has the last stretch to copy.
    next_nudge_ += wal_frames_before_reset_ / kNudgesPerWal;
    {
      std::lock_guard lock(mu_);
      due_ = true;
    }
    cv_.notify_one();
  }
}

void Checkpointer::loop() {
  pthread_setname_np(pthread_self(), "sl-checkpoint");
  std::unique_ptr<Db> db;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kCheckpointEvery, [this] { return stopping_ || due_; });
    if (stopping_) break;
    due_ = false;
    if (!db) {
      auto opened = Db::open(path_);
      if (!opened) continue;
      db = std::move(*opened);
    }
    // PASSIVE: copies what it can without waiting for, or blocking, the writer and readers.
    // The lock is let go meanwhile, so the writer never waits to mark a checkpoint due.
    lock.unlock();
    if (auto st = db->exec("PRAGMA wal_checkpoint(PASSIVE)"); !st) spdlog::warn("checkpoint: {}", st.error().message);
    lock.lock();
  }
  if (db) (void)db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace stacklens::sqlite
