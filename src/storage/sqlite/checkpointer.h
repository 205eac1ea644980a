#pragma once
// Moves spans.db's WAL into the database file on a thread of its own, so that commits never
// wait for it, and restarts the WAL before it grows long.
//
// Checkpoints are spaced out on purpose: index pages that commits dirty again and again are
// then copied into the database once per checkpoint rather than once per commit. As the WAL
// grows, the writer nudges the thread to copy what is there; once it is long, the writer
// checkpoints it itself right after a commit, when no other write can slip in, so the next
// transaction starts the WAL over.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "storage/sqlite/sqlite_db.h"

namespace stacklens::sqlite {

class Checkpointer {
 public:
  // Starts the thread (its own connection to `path`) and hooks the writer's commits, whose
  // WAL length it watches. The writer's connection must outlive this.
  Checkpointer(std::string path, Db& writer);
  // Stops the thread, which empties the WAL into the database first.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Writer thread, after each commit.
  void committed();

 private:
  void loop();

  const std::string path_;
  Db& writer_;
  int wal_frames_ = 0;  // set by the writer connection's WAL hook after each commit
  const int wal_frames_before_reset_;  // kWalBytesBeforeReset in this store's pages
  int next_nudge_;                     // writer thread only: WAL frames at which to set due_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool due_ = false;  // the WAL grew by a stretch (writer: next_nudge_): checkpoint now
  std::thread thread_;
};

}  // namespace stacklens::sqlite
