#pragma once
// Which variant of an experiment a fetch serves. With a user id the choice is sticky: the same
// user gets the same variant on every node and in the SDK, which computes the same function
// (sdk/python/src/stacklens/_prompt.py): h = the first 8 bytes, big-endian, of
// SHA-256("<experiment id>:<user id>"); x = h mod the sum of the weights; the first variant, in
// label order, whose running sum of weights exceeds x. Without a user id: random by weight.
#include <cstddef>
#include <optional>
#include <string_view>

#include "model/prompt.h"

namespace stacklens {

// `e` has at least one variant and positive weights.
size_t choose_variant(const Experiment& e, std::optional<std::string_view> user_id);

}  // namespace stacklens
