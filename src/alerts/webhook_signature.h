#pragma once
// How a webhook channel signs what it sends, so receivers can tell it came from this server:
//   X-StackLens-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>
// A receiver computes the same HMAC over the raw body with its copy of the secret, compares in
// constant time, and refuses a t too far from its own clock (replays). docs/budgets.md.
#include <cstdint>
#include <string>
#include <string_view>

namespace stacklens::alerts {

inline constexpr std::string_view kSignatureHeader = "X-StackLens-Signature";

std::string signature_header(std::string_view secret, int64_t unix_seconds, std::string_view body);

// A new channel secret: "whsec_" and 48 hex characters.
std::string new_channel_secret();

}  // namespace stacklens::alerts
