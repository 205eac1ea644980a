#pragma once
// The two provider APIs a model connection speaks, as requests and answers: OpenAI-compatible
// chat completions (POST <base>/chat/completions, Bearer key) and Anthropic messages (POST
// <base>/v1/messages, x-api-key). Only here do their shapes appear.
#include <string>

#include "core/error.h"
#include "providers/https_post.h"
#include "providers/model_caller.h"

namespace stacklens::providers {

struct WireRequest {
  std::string url;
  Headers headers;
  std::string body;
};

WireRequest build_request(const ModelConnection& c, const std::string& key, const ChatRequest& req);

// A 2xx answer read into a result (text, model, finish reason, tokens); bad_request... never:
// an answer that is not the provider's shape is `upstream`, naming what is missing.
Result<ChatResult> read_answer(const ModelConnection& c, const std::string& body);

// The provider's own message from an error answer ({"error": {"message"}} for both), or the
// start of the body when it has none.
std::string error_message(const std::string& body);

}  // namespace stacklens::providers
