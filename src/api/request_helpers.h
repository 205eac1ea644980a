#pragma once
// Small pieces every handler needs: the JSON body, typed query parameters.
#include <boost/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/time.h"
#include "api/auth.h"
#include "api/services.h"
#include "core/json.h"
#include "http/router.h"

namespace stacklens::api {

// The query parameters a route takes, declared beside its handler. Any other parameter is refused
// (bad_request naming it): a misspelt filter must not read as no filter at all.
using QueryParams = std::span<const std::string_view>;
Status check_query_params(const http::Context& ctx, QueryParams accepted);

// The body parsed as JSON (an empty body is an error of its own).
Result<boost::json::value> json_body(const http::Context& ctx);
Result<std::optional<int64_t>> int_param(const http::Context& ctx, std::string_view name, int64_t lo, int64_t hi);
Result<std::optional<double>> number_param(const http::Context& ctx, std::string_view name);
// ISO-8601 or nanoseconds since the epoch.
Result<std::optional<Micros>> time_param(const http::Context& ctx, std::string_view name);

// The period [from, to) a summary or list covers: `to` defaults to now, `from` to 24 hours before
// `to`; bad_request unless from is before to.
struct Period {
  Micros from_us = 0;
  Micros to_us = 0;
};
Result<Period> period_params(const http::Context& ctx);

// A name of a prompt, dataset, evaluator or connection (`kind`): 1 to 128 letters, digits, '-',
// '_' and '.', starting with a letter or digit; bad_request naming the kind otherwise.
Status check_name(std::string_view kind, const std::string& name);
// bad_request naming the first key of `o` that is not one of `known`.
Status only_fields(const boost::json::object& o, std::initializer_list<std::string_view> known);

// The caller's project (a Principal's project_id), as the metadata store has it.
Result<Project> project_by_id(MetaStore& meta, int64_t project_id);

// Queues spans for the writer and answers `ok` once they are committed, or the error that stopped
// them. `ok` is rendered by the caller, so the writer thread only hands it over.
void store_then_reply(Services& s, std::vector<Span> spans, http::Reply ok, http::Respond respond);

// A request let in: its caller and its body (an empty object without one).
struct Admitted {
  Principal who;
  boost::json::value body;
};
// Authenticates the caller for `scope`, refuses query parameters other than `query`, and with
// `with_body` reads the body, which must be a JSON object.
Result<Admitted> admit(Services& s, http::Context& ctx, Scope scope, bool with_body, QueryParams query);

// A handler for an authenticated caller holding `scope`, taking the query parameters `query`
// (none unless given). With `with_body`, the request body must be a JSON object, handed to
// `body`; without, an empty object.
template <typename F>
http::Handler guarded(Services& s, Scope scope, bool with_body, QueryParams query, F body) {
  return [&s, scope, with_body, query, body](http::Context& ctx, http::Respond respond) {
    auto in = admit(s, ctx, scope, with_body, query);
    if (!in) return respond(http::error_reply(in.error()));
    Result<http::Reply> reply = body(in->who, ctx, in->body.get_object());
    respond(reply ? std::move(*reply) : http::error_reply(reply.error()));
  };
}

template <typename F>
http::Handler guarded(Services& s, Scope scope, bool with_body, F body) {
  return guarded(s, scope, with_body, QueryParams{}, std::move(body));
}

// The same for a handler that answers later, from another thread (a model call): `body` gets
// `respond` and either returns an error (answered at once) or keeps `respond` and calls it once.
template <typename F>
http::Handler guarded_async(Services& s, Scope scope, bool with_body, F body) {
  return [&s, scope, with_body, body](http::Context& ctx, http::Respond respond) {
    auto in = admit(s, ctx, scope, with_body, QueryParams{});
    if (!in) return respond(http::error_reply(in.error()));
    if (auto st = body(in->who, ctx, in->body.get_object(), respond); !st) respond(http::error_reply(st.error()));
  };
}

}  // namespace stacklens::api
