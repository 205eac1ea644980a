#pragma once
// Sends notifications to a project's channels from a thread of its own: a webhook gets a JSON
// payload signed with its secret (webhook_signature.h), Slack its incoming-webhook shape
// ({"text": ...}). Each notification for a channel is queued in the metadata store
// (QueuedNotification) and claimed there before each attempt, so a restart sends what was still
// waiting and, on nodes sharing one store, one node makes each attempt. A delivery that fails (no
// answer, or not 2xx) is tried again after 1, 2, 4, 8 s (`Limits`), the same payload each time
// (same id); every attempt is recorded in the metadata store.
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

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
    // How often the queue is read for what is due: retries, another node's notifications, and
    // what a node that stopped left behind. A notification queued here is sent at once.
    Clock::duration poll = std::chrono::milliseconds(500);
    // How long a claim holds past an attempt's timeout: a node that dies while sending leaves its
    // notification to another node (or its own restart) after that.
    Clock::duration claim_margin = std::chrono::seconds(30);
  };
  Notifier(MetaStore& meta, const Sealer& sealer, Limits limits);
  ~Notifier() { stop(); }

  void start();
  void stop();  // an attempt under way finishes; what waits stays queued for the next start

  // Queues `n` for each channel of the project.
  Status notify(int64_t project_id, const Notification& n);
  // Queues `n` for one channel (a channel's test).
  Status send(const NotificationChannel& channel, const Notification& n);

  // A channel's secret as stored: sealed to the project and the channel's name.
  SealedText seal_secret(int64_t project_id, const std::string& channel, const std::string& secret) const;
  Result<std::string> open_secret(const NotificationChannel& channel) const;

 private:
  void run();
  void deliver(QueuedNotification q);  // one attempt, recorded with the notification's next state

  MetaStore& meta_;
  const Sealer& sealer_;
  const Limits limits_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool queued_ = false;  // something was queued since the queue was last read
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stacklens::alerts
