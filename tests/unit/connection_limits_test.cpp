// Connection caps: in total and per client address, places given back when a connection's
// Slot goes, and an IPv4 client counted as itself on an IPv6 socket.
#include "http/connection_limits.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <vector>

using namespace stacklens;
using stacklens::http::ConnectionLimits;
namespace ip = boost::asio::ip;

namespace {

const ip::address kA = ip::make_address("10.0.0.1");
const ip::address kB = ip::make_address("10.0.0.2");

TEST(ConnectionLimits, OneClientIsRefusedAtItsCapAndOthersAreNot) {
  ConnectionLimits limits(10, 2);
  std::vector<ConnectionLimits::Slot> held;
  for (int i = 0; i < 2; ++i) {
    auto slot = limits.admit(kA);
    ASSERT_TRUE(slot);
    held.push_back(std::move(*slot));
  }
  auto refused = limits.admit(kA);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_EQ(refused.error().message,
            "too many connections from 10.0.0.1 (cap 2 per client); close some or retry later");
  EXPECT_TRUE(limits.admit(kB));
  EXPECT_EQ(limits.open(), 2u);  // kB's slot was given back at once
}

TEST(ConnectionLimits, TheTotalCapHoldsAcrossClients) {
  ConnectionLimits limits(3, 2);
  std::vector<ConnectionLimits::Slot> held;
  for (const auto& client : {kA, kA, kB}) {
    auto slot = limits.admit(client);
    ASSERT_TRUE(slot);
    held.push_back(std::move(*slot));
  }
  auto refused = limits.admit(ip::make_address("10.0.0.3"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "too many connections: the server holds its cap of 3; retry later");
  held.pop_back();
  EXPECT_TRUE(limits.admit(ip::make_address("10.0.0.3")));
}

TEST(ConnectionLimits, PlacesComeBackWhenSlotsGoAndMoveWithThem) {
  ConnectionLimits limits(5, 1);
  {
    auto first = limits.admit(kA);
    ASSERT_TRUE(first);
    ConnectionLimits::Slot moved = std::move(*first);
    ConnectionLimits::Slot assigned;
    assigned = std::move(moved);
    EXPECT_EQ(limits.open(), 1u);  // moving a slot does not give its place back
    EXPECT_FALSE(limits.admit(kA));
  }
  EXPECT_EQ(limits.open(), 0u);
  EXPECT_TRUE(limits.admit(kA));
}

TEST(ConnectionLimits, AnIpv4ClientOnAnIpv6SocketCountsAsItself) {
  ConnectionLimits limits(5, 1);
  auto v4 = limits.admit(ip::make_address("127.0.0.1"));
  ASSERT_TRUE(v4);
  auto mapped = limits.admit(ip::make_address("::ffff:127.0.0.1"));
  ASSERT_FALSE(mapped);
  EXPECT_NE(mapped.error().message.find("from 127.0.0.1 "), std::string::npos) << mapped.error().message;
}

TEST(ConnectionLimits, TheOpenFileLimitIsRaisedToTheHardLimit) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  const size_t now = http::raise_open_file_limit();
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, after.rlim_max);
  EXPECT_EQ(now, static_cast<size_t>(after.rlim_cur));
  EXPECT_GE(after.rlim_cur, before.rlim_cur);
}

}  // namespace
