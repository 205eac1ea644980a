#pragma once
// Sends notifications to a project's channels from a thread of its own: a webhook gets a JSON
// payload signed with its secret (webhook_signature.h), Slack its incoming-webhook shape
// ({"text": ...}). A delivery that fails (no answer, or not 2xx) is tried again after 1, 2, 4,
// 8 s (`Limits`), the same payload each time (same id); every attempt is recorded in the
// metadata store. Pending deliveries live in memory: a restart drops the ones not yet sent.
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/sealer.h"
#include "model/alert.h"
#include "storage/meta_store.h"

namespace stacklens::alerts {

struct Notification {
  std::string event;  // budget.soft, budget.hard, test
  std::string text;   // one line for people (Slack's text)
  boost::json::object data;
};

class Notifier {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    int max_attempts = 5;
    Clock::duration first_retry = std::chrono::seconds(1);  // doubled after each failure
    Clock::duration timeout = std::chrono::seconds(10);     // per attempt
  };
  Notifier(MetaStore& meta, const Sealer& sealer, Limits limits);
  ~Notifier() { stop(); }

  void start();
  void stop();  // pending deliveries are dropped

  // Queues `n` for each channel of the project.
  Status notify(int64_t project_id, const Notification& n);
  // Queues `n` for one channel (a channel's test).
  void send(const NotificationChannel& channel, const Notification& n);

  // A channel's secret as stored: sealed to the project and the channel's name.
  SealedText seal_secret(int64_t project_id, const std::string& channel, const std::string& secret) const;

 private:
  struct Pending {
    NotificationChannel channel;
    std::string event;
    std::string body;
    int attempt = 1;
    Clock::time_point due;
  };
  void run();
  void deliver(Pending& p);  // one attempt; re-queues it when it failed and may be tried again

  MetaStore& meta_;
  const Sealer& sealer_;
  const Limits limits_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stacklens::alerts
