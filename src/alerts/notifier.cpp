#include "alerts/notifier.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "alerts/webhook_signature.h"
#include "core/json.h"
#include "crypto/secrets.h"
#include "providers/https_post.h"

namespace stacklens::alerts {
namespace {

std::string secret_context(int64_t project_id, const std::string& channel) {
  return fmt::format("notification-channel|{}|{}", project_id, channel);
}

Micros micros(Notifier::Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

std::string body_of(const NotificationChannel& c, const Notification& n) {
  if (c.kind == "slack") return json::serialize(boost::json::object{{"text", n.text}});
  return json::serialize(boost::json::object{{"id", secrets::random_uuid()},
                                             {"event", n.event},
                                             {"projectId", c.project_id},
                                             {"channel", c.name},
                                             {"createdAt", format_iso8601(now_micros())},
                                             {"text", n.text},
                                             {"data", n.data}});
}

}  // namespace

Notifier::Notifier(MetaStore& meta, const Sealer& sealer, Limits limits)
    : meta_(meta), sealer_(sealer), limits_(limits) {}

SealedText Notifier::seal_secret(int64_t project_id, const std::string& channel, const std::string& secret) const {
  return sealer_.seal(secret, secret_context(project_id, channel));
}

Result<std::string> Notifier::open_secret(const NotificationChannel& channel) const {
  return sealer_.open(channel.sealed_secret, secret_context(channel.project_id, channel.name));
}

void Notifier::start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "sl-notify");
    run();
  });
}

void Notifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Notifier::notify(int64_t project_id, const Notification& n) {
  SL_TRY(channels, meta_.list_channels(project_id));
  for (const auto& c : channels)
    if (auto st = send(c, n); !st) return st;
  return ok_status();
}

Status Notifier::send(const NotificationChannel& channel, const Notification& n) {
  if (auto id = meta_.queue_notification(channel.id, n.event, body_of(channel, n)); !id) return id.error();
  {
    std::lock_guard lock(mu_);
    queued_ = true;
  }
  cv_.notify_all();
  return ok_status();
}

void Notifier::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    queued_ = false;
    lock.unlock();
    const Micros now = now_micros();
    // One at a time: a notification claimed is attempted before the next is taken, so a stop
    // leaves none held by a claim.
    auto claimed = meta_.claim_notifications(now, now + micros(limits_.timeout + limits_.claim_margin), 1);
    if (!claimed) spdlog::warn("notifications: the queue cannot be read: {}", claimed.error().message);
    const bool found = claimed && !claimed->empty();
    if (found) deliver(std::move(claimed->front()));
    lock.lock();
    if (!found) cv_.wait_for(lock, limits_.poll, [this] { return stopping_ || queued_; });
  }
}

void Notifier::deliver(QueuedNotification q) {
  const NotificationChannel& c = q.channel;
  const int64_t attempt = q.attempts + 1;
  providers::Headers headers{{"User-Agent", "StackLens-Notifications"}, {"X-StackLens-Event", q.event}};
  NotificationDelivery d{0, c.id, q.event, "delivered", attempt, std::nullopt, std::nullopt, now_micros()};
  q.attempts = attempt;
  q.state = "sent";
  const auto record = [&] {
    if (auto st = meta_.record_notification_attempt(q, d); !st && st.error().code != ErrorCode::not_found)
      spdlog::warn("notifications: delivery not recorded: {}", st.error().message);
    // not_found: the channel was deleted meanwhile, with its notifications and deliveries.
  };
  if (c.kind == "webhook") {
    auto secret = open_secret(c);
    if (!secret) {
      d.status = "gave_up";
      d.error = "the channel's secret cannot be opened: " + secret.error().message;
      q.state = "failed";
      return record();
    }
    headers.emplace_back(std::string(kSignatureHeader), signature_header(*secret, now_micros() / 1000000, q.body));
  }
  auto answer = providers::https_post(c.url, headers, q.body, Clock::now() + limits_.timeout);
  if (answer) d.status_code = answer->status;
  const bool ok = answer && answer->status >= 200 && answer->status < 300;
  if (!ok) {
    d.error = answer ? fmt::format("the receiver answered {}: {}", answer->status, answer->body.substr(0, 200))
                     : answer.error().message;
    const bool again = attempt < limits_.max_attempts;
    d.status = again ? "failed" : "gave_up";
    q.state = again ? "pending" : "failed";
    if (again)
      q.next_attempt_us = now_micros() + micros(limits_.first_retry * (1 << (attempt - 1)));
  }
  record();
}

}  // namespace stacklens::alerts
