#pragma once
// A thread of its own that runs a task every period until stop(), which wakes it at once: the
// background work of each node (the projects' prices and GovernAI policies polled for changes,
// retention passes).
#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace stacklens {

class Periodic {
 public:
  Periodic() = default;
  ~Periodic() { stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // Runs `task` after `first`, then every `every`, on a thread named `name` (15 characters at
  // most, as Linux keeps them).
  void start(std::string name, std::chrono::milliseconds first, std::chrono::milliseconds every,
             std::function<void()> task) {
    thread_ = std::thread([this, name = std::move(name), first, every, task = std::move(task)] {
      pthread_setname_np(pthread_self(), name.c_str());
      std::unique_lock lock(mu_);
      for (auto wait = first; !cv_.wait_for(lock, wait, [&] { return stopping_; }); wait = every) {
        lock.unlock();
        task();
        lock.lock();
      }
    });
  }
  void start(std::string name, std::chrono::milliseconds every, std::function<void()> task) {
    start(std::move(name), every, every, std::move(task));
  }

  // Any thread: whether stop() was called (a long task looks between its steps).
  bool stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  mutable std::mutex mu_;  // guards stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stacklens
