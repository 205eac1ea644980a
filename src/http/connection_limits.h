#pragma once
// Caps on open connections, in total and per client address, so that one client
// (a flood of connections, thousands of half-sent requests) cannot take every file
// descriptor of the process and lock the others out.
#include <boost/asio/ip/address.hpp>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/error.h"

namespace stacklens::http {

class ConnectionLimits {
 public:
  ConnectionLimits(size_t total, size_t per_client) : total_(total), per_client_(per_client) {}

  // The place of one open connection, given back when it is destroyed.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

   private:
    friend class ConnectionLimits;
    Slot(ConnectionLimits* owner, std::string client) : owner_(owner), client_(std::move(client)) {}
    void release();
    ConnectionLimits* owner_ = nullptr;
    std::string client_;
  };

  // A place for a new connection from `client`, or an `unavailable` error naming the cap it would pass.
  Result<Slot> admit(const boost::asio::ip::address& client);
  size_t open() const;
  size_t total() const { return total_; }
  size_t per_client() const { return per_client_; }

 private:
  void release(const std::string& client);
  const size_t total_, per_client_;
  mutable std::mutex mu_;
  size_t open_ = 0;
  std::unordered_map<std::string, size_t> by_client_;
};

// Raises the process's soft limit on open files to its hard limit, and returns the soft limit
// now in force: every connection is a file descriptor.
size_t raise_open_file_limit();

}  // namespace stacklens::http
