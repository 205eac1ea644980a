#include "alerts/notifier.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "alerts/webhook_signature.h"
#include "core/json.h"
#include "crypto/secrets.h"
#include "providers/https_post.h"

namespace stacklens::alerts {
namespace {

std::string secret_context(int64_t project_id, const std::string& channel) {
  return fmt::format("notification-channel|{}|{}", project_id, channel);
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

void Notifier::start() {
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
  for (const auto& c : channels) send(c, n);
  return ok_status();
}

void Notifier::send(const NotificationChannel& channel, const Notification& n) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(Pending{channel, n.event, body_of(channel, n), 1, Clock::now()});
  }
  cv_.notify_all();
}

void Notifier::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto next = std::min_element(pending_.begin(), pending_.end(),
                                 [](const Pending& a, const Pending& b) { return a.due < b.due; });
    if (next->due > Clock::now()) {
      cv_.wait_until(lock, next->due);
      continue;
    }
    Pending p = std::move(*next);
    pending_.erase(next);
    lock.unlock();
    deliver(p);
    lock.lock();
  }
}

void Notifier::deliver(Pending& p) {
  providers::Headers headers{{"User-Agent", "StackLens-Notifications"}, {"X-StackLens-Event", p.event}};
  NotificationDelivery d{0, p.channel.id, p.event, "delivered", p.attempt, std::nullopt, std::nullopt, now_micros()};
  if (p.channel.kind == "webhook") {
    auto secret = sealer_.open(p.channel.sealed_secret, secret_context(p.channel.project_id, p.channel.name));
    if (!secret) {
      d.status = "gave_up";
      d.error = "the channel's secret cannot be opened: " + secret.error().message;
      if (auto st = meta_.add_delivery(d); !st) spdlog::warn("notifications: delivery not recorded: {}", st.error().message);
      return;
    }
    headers.emplace_back(std::string(kSignatureHeader),
                         signature_header(*secret, now_micros() / 1000000, p.body));
  }
  auto answer = providers::https_post(p.channel.url, headers, p.body, Clock::now() + limits_.timeout);
  if (answer) d.status_code = answer->status;
  const bool ok = answer && answer->status >= 200 && answer->status < 300;
  if (!ok) {
    d.error = answer ? fmt::format("the receiver answered {}: {}", answer->status, answer->body.substr(0, 200))
                     : answer.error().message;
    d.status = p.attempt < limits_.max_attempts ? "failed" : "gave_up";
  }
  if (auto st = meta_.add_delivery(d); !st) spdlog::warn("notifications: delivery not recorded: {}", st.error().message);
  if (ok || p.attempt >= limits_.max_attempts) return;
  p.due = Clock::now() + limits_.first_retry * (1 << (p.attempt - 1));
  ++p.attempt;
  std::lock_guard lock(mu_);
  pending_.push_back(std::move(p));
}

}  // namespace stacklens::alerts
