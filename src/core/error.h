#pragma once
// Errors are values across module boundaries. Every failure the server can
// report carries one ErrorCode; http/error_mapping.cpp is the only place that
// turns a code into an HTTP status.
#include <string>
#include <utility>
#include <variant>

namespace stacklens {

enum class ErrorCode {
  bad_request,        // malformed input: JSON, types, ranges
  unauthorized,       // missing, invalid or revoked API key / session
  forbidden,          // authenticated but lacking the scope or role
  not_found,          // unknown route, prompt, trace, key...
  method_not_allowed, // known route, other method
  conflict,           // duplicate name, nothing to roll back to
  payload_too_large,  // body over the configured limit
  unsupported_media,  // body not JSON
  unprocessable,      // well-formed but refused by a policy (GovernAI blocked a span)
  upstream,           // a model provider the server called refused or failed (424: not our bug)
  overloaded,         // ingest queue full: retry later
  storage_full,       // disk full: retry later
  unavailable,        // shutting down, storage not ready
  internal,           // our bug
};

struct Error {
  ErrorCode code;
  std::string message;
};

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// Failures that clear up by themselves (a full queue, a busy, failing or full disk): the same
// request may succeed later, and its HTTP answer says when (Retry-After).
inline bool is_transient(ErrorCode code) {
  return code == ErrorCode::overloaded || code == ErrorCode::unavailable || code == ErrorCode::storage_full;
}

// Result<T>: a value or an Error. Small on purpose; GCC 12 in C++20 has no std::expected.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Status(Unit{}); }

}  // namespace stacklens

// Declares `var` from a Result-returning expression, or returns its Error.
#define SL_TRY(var, expr)               \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = std::move(*var##_r)
