// The metadata stores' alert methods on SQLite and PostgreSQL (meta_store_fixture.h): budgets
// and the alerts they raise once, notification channels and their deliveries, and the
// notification queue claimed by one node at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "meta_store_fixture.h"

using namespace stacklens;
using namespace stacklens::test;

namespace {

class AlertStoreTest : public MetaStoreTest {
 protected:
  void SetUp() override {
    MetaStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto p = store_->create_project("alerts");
    ASSERT_TRUE(p);
    project_ = p->id;
  }

  NotificationChannel channel(const std::string& name, const std::string& url = "http://127.0.0.1:9/hook") {
    NotificationChannel c;
    c.project_id = project_;
    c.name = name;
    c.url = url;
    c.sealed_secret = SealedText{"sealed-" + name, 1};
    c.created_by = "test";
    auto made = store_->create_channel(c);
    EXPECT_TRUE(made) << made.error().message;
    return made ? *made : c;
  }

  NotificationDelivery attempt(const QueuedNotification& q, const std::string& status) {
    return NotificationDelivery{0, q.channel.id, q.event, status, q.attempts, 500, "the receiver answered 500", 0};
  }

  int64_t project_ = 0;
};

TEST_P(AlertStoreTest, BudgetsAreNamedPerProjectChangedAndRemoved) {
  Budget b;
  b.project_id = project_;
  b.name = "monthly";
  b.hard_limit_usd = 10;
  b.soft_limit_usd = 2.5;
  b.created_by = "admin";
  auto made = store_->create_budget(b);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_GT(made->id, 0);
  EXPECT_GT(made->created_us, 0);
  expect_error(store_->create_budget(b), ErrorCode::conflict, "budget 'monthly' already exists");
  auto other = store_->create_project("other");
  ASSERT_TRUE(other);
  Budget elsewhere = b;
  elsewhere.project_id = other->id;
  elsewhere.scope = "user";
  elsewhere.scope_value = "u1";
  ASSERT_TRUE(store_->create_budget(elsewhere));  // names are per project

  b.period = "daily";
  b.scope = "tag";
  b.scope_value = "nightly";
  b.soft_limit_usd.reset();
  b.hard_limit_usd = 0.1;
  auto changed = store_->update_budget(b);
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(changed->id, made->id);
  EXPECT_EQ(std::tie(changed->period, changed->scope, changed->scope_value), std::tie(b.period, b.scope, b.scope_value));
  EXPECT_FALSE(changed->soft_limit_usd);
  EXPECT_EQ(changed->hard_limit_usd, 0.1);  // the same double back
  EXPECT_EQ(changed->created_by, "admin");
  Budget missing = b;
  missing.name = "nope";
  expect_error(store_->update_budget(missing), ErrorCode::not_found, "budget 'nope' does not exist in this project");

  auto mine = store_->list_budgets(project_);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front().scope_value, "nightly");
  EXPECT_EQ(store_->list_budgets(std::nullopt)->size(), 2u);
  auto got = store_->get_budget(project_, "monthly");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->hard_limit_usd, 0.1);
  EXPECT_FALSE(*store_->get_budget(project_, "nope"));

  ASSERT_TRUE(store_->claim_budget_alert(made->id, 1000, "soft", 3));
  ASSERT_TRUE(store_->delete_budget(project_, "monthly"));  // its alerts go with it
  EXPECT_FALSE(*store_->get_budget(project_, "monthly"));
  expect_error(store_->delete_budget(project_, "monthly"), ErrorCode::not_found,
               "budget 'monthly' does not exist in this project");
}

TEST_P(AlertStoreTest, ABudgetsAlertIsClaimedOncePerPeriodAndLevelByAnyNode) {
  Budget b;
  b.project_id = project_;
  b.name = "b";
  b.hard_limit_usd = 1;
  auto made = store_->create_budget(b);
  ASSERT_TRUE(made);
  auto node2 = open_again();
  ASSERT_TRUE(node2);
  EXPECT_EQ(store_->claim_budget_alert(made->id, 1000, "soft", 0.6).value(), true);
  EXPECT_EQ(node2->claim_budget_alert(made->id, 1000, "soft", 0.7).value(), false);
  EXPECT_EQ(node2->claim_budget_alert(made->id, 1000, "hard", 1.2).value(), true);
  EXPECT_EQ(store_->claim_budget_alert(made->id, 2000, "soft", 0.6).value(), true);  // the next period
}

TEST_P(AlertStoreTest, ChannelsAreNamedChangedAndListedWithTheirDeliveries) {
  auto ops = channel("ops");
  auto dev = channel("dev");
  EXPECT_EQ(ops.sealed_secret.bytes, "sealed-ops");
  NotificationChannel dup = ops;
  expect_error(store_->create_channel(dup), ErrorCode::conflict, "notification channel 'ops' already exists");
  auto listed = store_->list_channels(project_);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->front().name, "dev");  // by name

  NotificationChannel moved = ops;
  moved.name = "ops2";
  moved.url = "https://example.com/new";
  moved.sealed_secret = SealedText{"resealed", 2};
  auto changed = store_->update_channel("ops", moved);
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(changed->id, ops.id);
  EXPECT_EQ(std::tie(changed->name, changed->url, changed->kind), std::tie(moved.name, moved.url, ops.kind));
  EXPECT_EQ(changed->sealed_secret.bytes, "resealed");
  EXPECT_EQ(changed->sealed_secret.key_id, 2);
  EXPECT_EQ(changed->created_us, ops.created_us);
  EXPECT_FALSE(*store_->get_channel(project_, "ops"));
  EXPECT_EQ((*store_->get_channel(project_, "ops2"))->url, "https://example.com/new");
  moved.name = "dev";
  expect_error(store_->update_channel("ops2", moved), ErrorCode::conflict,
               "notification channel 'dev' already exists");
  expect_error(store_->update_channel("gone", moved), ErrorCode::not_found,
               "notification channel 'gone' does not exist in this project");

  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(store_->add_delivery(
        NotificationDelivery{0, ops.id, "test", i < 3 ? "failed" : "delivered", i, 200, std::nullopt, 0}));
  auto two = store_->list_deliveries(ops.id, 2);
  ASSERT_TRUE(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].attempt, 3);  // newest first
  EXPECT_EQ((*two)[0].status, "delivered");
  EXPECT_EQ((*two)[0].status_code, 200);
  EXPECT_FALSE((*two)[0].error);
  EXPECT_GT((*two)[0].created_us, 0);
  EXPECT_EQ((*two)[1].attempt, 2);
  EXPECT_TRUE(store_->list_deliveries(dev.id, 10)->empty());

  ASSERT_TRUE(store_->delete_channel(project_, "ops2"));
  expect_error(store_->delete_channel(project_, "ops2"), ErrorCode::not_found,
               "notification channel 'ops2' does not exist in this project");
  EXPECT_TRUE(store_->list_deliveries(ops.id, 10)->empty());
}

TEST_P(AlertStoreTest, QueuedNotificationsAreClaimedWhenDueAndHeldUntilTheClaimLapses) {
  auto c = channel("ops");
  auto id = store_->queue_notification(c.id, "test", R"({"id": "n1"})");
  ASSERT_TRUE(id) << id.error().message;
  const Micros now = now_micros() + 1000;  // a little after it was queued
  EXPECT_TRUE(store_->claim_notifications(now - 60'000'000, now + 1, 10)->empty());  // not due yet then
  auto claimed = store_->claim_notifications(now, now + 40'000'000, 10);
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_EQ(claimed->size(), 1u);
  QueuedNotification q = claimed->front();
  EXPECT_EQ(q.id, *id);
  EXPECT_EQ(std::tie(q.event, q.body, q.state), std::tie("test", R"({"id": "n1"})", "pending"));
  EXPECT_EQ(q.attempts, 0);
  EXPECT_EQ(q.channel.id, c.id);
  EXPECT_EQ(q.channel.url, c.url);
  EXPECT_EQ(q.channel.sealed_secret.bytes, "sealed-ops");
  EXPECT_TRUE(store_->claim_notifications(now + 1, now + 2, 10)->empty());  // held
  auto lapsed = store_->claim_notifications(now + 40'000'000, now + 80'000'000, 10);  // its node died
  ASSERT_TRUE(lapsed);
  ASSERT_EQ(lapsed->size(), 1u);

  // A failed attempt: pending again, due later, claim released.
  q.attempts = 1;
  q.next_attempt_us = now + 1'000'000;
  ASSERT_TRUE(store_->record_notification_attempt(q, attempt(q, "failed")));
  EXPECT_TRUE(store_->claim_notifications(now + 999'999, now + 2'000'000, 10)->empty());
  auto again = store_->claim_notifications(now + 1'000'000, now + 2'000'000, 10);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().attempts, 1);
  // Sent: never claimed again.
  q.attempts = 2;
  q.state = "sent";
  ASSERT_TRUE(store_->record_notification_attempt(q, attempt(q, "delivered")));
  EXPECT_TRUE(store_->claim_notifications(now + 100'000'000, now + 200'000'000, 10)->empty());
  // It left the queue: nothing of it is left to record against.
  expect_error(store_->record_notification_attempt(q, attempt(q, "delivered")), ErrorCode::not_found,
               fmt::format("queued notification {} does not exist", q.id));
  auto recorded = store_->list_deliveries(c.id, 10);
  ASSERT_TRUE(recorded);
  ASSERT_EQ(recorded->size(), 2u);
  EXPECT_EQ(std::tie((*recorded)[0].attempt, (*recorded)[0].status), std::tie(q.attempts, "delivered"));
  EXPECT_EQ((*recorded)[1].error, "the receiver answered 500");
}

TEST_P(AlertStoreTest, TheSoonestDueComesFirstAndAGivenUpOneStays) {
  auto c = channel("ops");
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(store_->queue_notification(c.id, "test", std::to_string(i)).value());
  const Micros now = now_micros() + 1000;
  auto first = store_->claim_notifications(now, now + 10, 1);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().id, ids[0]);
  QueuedNotification q = first->front();
  q.attempts = 5;
  q.state = "failed";  // given up
  ASSERT_TRUE(store_->record_notification_attempt(q, attempt(q, "gave_up")));
  auto rest = store_->claim_notifications(now + 20, now + 30, 10);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(rest->at(0).id, ids[1]);
  EXPECT_EQ(rest->at(1).id, ids[2]);
}

TEST_P(AlertStoreTest, AChannelDeletedWhileANotificationWaitsTakesItAlong) {
  auto c = channel("ops");
  ASSERT_TRUE(store_->queue_notification(c.id, "test", "{}"));
  const Micros now = now_micros() + 1000;
  auto claimed = store_->claim_notifications(now, now + 40'000'000, 1);
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  QueuedNotification q = claimed->front();
  ASSERT_TRUE(store_->add_delivery(attempt(q, "failed")));
  ASSERT_TRUE(store_->queue_notification(c.id, "test", "{}"));  // and one not claimed yet
  ASSERT_TRUE(store_->delete_channel(project_, "ops"));
  // The attempt under way ends: nothing is recorded against the deleted channel.
  q.attempts = 1;
  q.state = "sent";
  auto st = store_->record_notification_attempt(q, attempt(q, "delivered"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::not_found);
  EXPECT_TRUE(store_->claim_notifications(now + 100'000'000, now + 200'000'000, 10)->empty());
  EXPECT_TRUE(store_->list_deliveries(c.id, 10)->empty());
  // A new channel of the same name starts empty (SQLite may give it the deleted one's id: nothing
  // of that channel is left to reach it, and the routes refuse to delete a channel a monitor names).
  auto same_name = channel("ops");
  EXPECT_TRUE(store_->list_deliveries(same_name.id, 10)->empty());
  EXPECT_TRUE(store_->claim_notifications(now + 100'000'000, now + 200'000'000, 10)->empty());
}

// Nodes claiming from one store at once: each notification goes to exactly one of them.
TEST_P(AlertStoreTest, NodesClaimingAtOnceEachGetOthers) {
  if (GetParam() == Backend::sqlite) GTEST_SKIP() << "one node writes meta.db";
  auto c = channel("ops");
  constexpr int kQueued = 60, kNodes = 4;
  for (int i = 0; i < kQueued; ++i) ASSERT_TRUE(store_->queue_notification(c.id, "test", std::to_string(i)));
  std::vector<std::unique_ptr<MetaStore>> nodes;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(open_again());
  const Micros now = now_micros() + 1000;
  std::mutex mu;
  std::vector<int64_t> got;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (auto& node : nodes)
    threads.emplace_back([&, n = node.get()] {
      for (;;) {
        auto claimed = n->claim_notifications(now, now + 40'000'000, 3);
        std::lock_guard lock(mu);
        if (!claimed) errors.push_back(claimed.error().message);
        if (!claimed || claimed->empty()) return;
        for (const auto& q : *claimed) got.push_back(q.id);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(got.size(), static_cast<size_t>(kQueued));
  EXPECT_EQ(std::set<int64_t>(got.begin(), got.end()).size(), static_cast<size_t>(kQueued));
}

INSTANTIATE_TEST_SUITE_P(Backends, AlertStoreTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL"; });

}  // namespace
