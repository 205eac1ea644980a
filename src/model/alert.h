#pragma once
// Budgets (spend limits a project sets on itself) and the notification channels that hear when
// one is crossed (api/openapi.yaml, "Budgets" and "Notifications"). Plain data; the checks and
// the sending live in alerts/.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "model/span.h"

namespace stacklens {

inline constexpr std::array<std::string_view, 2> kBudgetPeriods = {"daily", "monthly"};  // UTC days and months
// project: all the project's spend; tag: traces carrying the tag; user: traces of the user id.
inline constexpr std::array<std::string_view, 3> kBudgetScopes = {"project", "tag", "user"};

struct Budget {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string name;
  std::string period = "monthly";
  std::string scope = "project";
  std::string scope_value;  // the tag or user id; empty for the project
  std::optional<double> soft_limit_usd;  // notify only
  double hard_limit_usd = 0;             // the application should stop calling models
  std::string created_by;
  Micros created_us = 0, updated_us = 0;
};

// webhook: a JSON payload signed with the channel's secret; slack: Slack's incoming webhook.
inline constexpr std::array<std::string_view, 2> kChannelKinds = {"webhook", "slack"};

struct NotificationChannel {
  int64_t id = 0;
  int64_t project_id = 0;
  std::string name;
  std::string kind = "webhook";
  std::string url;
  SealedText sealed_secret;  // webhook: the signing secret, sealed to the project and name
  std::string created_by;
  Micros created_us = 0;
};

// A notification for one channel, kept in the metadata store until it is sent or given up, so
// that its retries outlive a restart and each attempt is made by one node (a claim, lapsing at
// `claimed_until_us`, while it is sent).
struct QueuedNotification {
  int64_t id = 0;
  NotificationChannel channel;  // as stored when the notification was claimed
  std::string event;
  std::string body;                // the same bytes on every attempt
  std::string state = "pending";   // pending; sent or failed (given up): it leaves the queue
  int64_t attempts = 0;            // made so far
  Micros next_attempt_us = 0;
  Micros created_us = 0;
};

// One attempt to deliver one notification to one channel.
struct NotificationDelivery {
  int64_t id = 0;
  int64_t channel_id = 0;
  std::string event;   // budget.soft, budget.hard, test
  std::string status;  // delivered, failed (will be retried), gave_up
  int64_t attempt = 1;
  std::optional<int64_t> status_code;
  std::optional<std::string> error;
  Micros created_us = 0;
};

}  // namespace stacklens
