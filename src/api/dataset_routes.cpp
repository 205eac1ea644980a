// Datasets and their versioned items (model/dataset.h): the items API, uploads (JSON Lines and
// CSV) and items made from a stored span.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "api/dataset_items.h"
#include "api/json_views.h"
#include "api/request_helpers.h"
#include "api/routes.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr size_t kMaxDescription = 1000;
constexpr std::string_view kVersionParams[] = {"version"};
constexpr std::string_view kItemListParams[] = {"version", "limit", "cursor"};

Error bad(std::string message) { return make_error(ErrorCode::bad_request, std::move(message)); }

Result<std::string> description_of(const bj::object& o) {
  SL_TRY(description, json::opt_string(o, "description", "description"));
  if (description && description->size() > kMaxDescription)
    return bad(fmt::format("description is longer than {} characters", kMaxDescription));
  return description.value_or("");
}

Error item_missing(const std::string& dataset, const std::string& id, std::optional<int64_t> version) {
  return make_error(ErrorCode::not_found,
                    version ? fmt::format("dataset '{}' had no item '{}' at version {}", dataset, id, *version)
                            : fmt::format("dataset '{}' has no item '{}'", dataset, id));
}

// The item as the store holds it after a change (its version and creation time are the store's).
Result<http::Reply> item_reply(Services& s, int64_t project_id, const std::string& name, const std::string& id,
                               int status) {
  SL_TRY(item, s.meta.get_dataset_item(project_id, name, id, std::nullopt));
  if (!item) return item_missing(name, id, std::nullopt);
  return http::json_reply(status, dataset_item_json(*item));
}

// A span's text or attribute as item JSON: the JSON it holds, else the text as a string.
bj::value text_value(const std::string& text) {
  if (auto v = json::parse(text)) return std::move(*v);
  return bj::value(bj::string(text));
}

std::optional<std::string> attribute(const Span& span, std::string_view key) {
  for (const auto& [k, v] : span.attributes)
    if (k == key) return v;
  return std::nullopt;
}

// An item of a span's prompt and completion, or its `input` and `output` attributes when it has
// no LLM text; unprocessable when it has neither.
Result<bj::object> item_of_span(const Span& span) {
  std::optional<std::string> input, output;
  if (span.llm && span.llm->prompt) {
    input = span.llm->prompt;
    output = span.llm->completion;
  } else {
    input = attribute(span, "input");
    output = attribute(span, "output");
  }
  if (!input)
    return make_error(ErrorCode::unprocessable,
                      fmt::format("span '{}' has no prompt and no input attribute to make an item of", span.span_id));
  bj::object o{{"input", text_value(*input)}};
  if (output) o["expectedOutput"] = text_value(*output);
  bj::object metadata{{"spanName", span.name}};
  if (span.llm && !span.llm->model.empty()) metadata["model"] = span.llm->model;
  o["metadata"] = std::move(metadata);
  return o;
}

// Dataset routes validate the {name} in their path before anything else.
template <typename F>
http::Handler dataset_route(Services& s, Scope scope, bool with_body, QueryParams query, F body) {
  return guarded(s, scope, with_body, query,
                 [body](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                   if (ctx.params.count("name"))
                     if (auto st = check_name("dataset", ctx.params["name"]); !st) return st.error();
                   if (ctx.params.count("id") && ctx.params["id"].size() > kMaxItemId)
                     return bad(fmt::format("item id must be 1 to {} characters", kMaxItemId));
                   return body(who, ctx, o);
                 });
}

template <typename F>
http::Handler dataset_route(Services& s, Scope scope, bool with_body, F body) {
  return dataset_route(s, scope, with_body, QueryParams{}, std::move(body));
}

}  // namespace

void add_dataset_routes(http::Router& router, Services& s) {
  const std::string base = "/evaluations/v1/datasets";
  add_product_route(router, verb::get, base,
                    dataset_route(s, Scope::evaluations_read, false,
                                  [&s](const Principal& who, http::Context&, const bj::object&) -> Result<http::Reply> {
                                    SL_TRY(all, s.meta.list_datasets(who.project_id));
                                    bj::array out;
                                    for (const auto& d : all) out.push_back(dataset_json(d));
                                    return http::json_reply(200, bj::object{{"datasets", std::move(out)}});
                                  }));
  add_product_route(
      router, verb::post, base,
      dataset_route(s, Scope::evaluations_write, true,
                    [&s](const Principal& who, http::Context&, const bj::object& o) -> Result<http::Reply> {
                      if (auto st = only_fields(o, {"name", "description"}); !st) return st.error();
                      SL_TRY(name, json::req_string(o, "name", "name"));
                      if (auto st = check_name("dataset", name); !st) return st.error();
                      SL_TRY(description, description_of(o));
                      Dataset d;
                      d.name = name;
                      d.description = description;
                      d.created_by = who.actor;
                      SL_TRY(created, s.meta.create_dataset(who.project_id, d));
                      return http::json_reply(201, dataset_json(created));
                    }));
  add_product_route(router, verb::get, base + "/{name}",
                    dataset_route(s, Scope::evaluations_read, false,
                                  [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                                    const std::string& name = ctx.params["name"];
                                    SL_TRY(d, s.meta.get_dataset(who.project_id, name));
                                    if (!d)
                                      return make_error(ErrorCode::not_found,
                                                        fmt::format("dataset '{}' does not exist", name));
                                    return http::json_reply(200, dataset_json(*d));
                                  }));
  add_product_route(
      router, verb::put, base + "/{name}",
      dataset_route(s, Scope::evaluations_write, true,
                    [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                      const std::string& name = ctx.params["name"];
                      if (auto st = only_fields(o, {"name", "description"}); !st) return st.error();
                      SL_TRY(body_name, json::opt_string(o, "name", "name"));
                      if (body_name && *body_name != name) return bad("name cannot change");
                      SL_TRY(description, description_of(o));
                      SL_TRY(d, s.meta.update_dataset(who.project_id, name, description));
                      return http::json_reply(200, dataset_json(d));
                    }));
  add_product_route(router, verb::delete_, base + "/{name}",
                    dataset_route(s, Scope::evaluations_write, false,
                                  [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                                    const std::string& name = ctx.params["name"];
                                    if (auto st = s.meta.delete_dataset(who.project_id, name); !st) return st.error();
                                    return http::json_reply(200, bj::object{{"name", name}, {"deleted", true}});
                                  }));
  add_product_route(
      router, verb::get, base + "/{name}/items",
      dataset_route(s, Scope::evaluations_read, false, kItemListParams,
                    [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                      DatasetItemQuery q;
                      SL_TRY(version, int_param(ctx, "version", 0, INT64_MAX));
                      SL_TRY(limit, int_param(ctx, "limit", 1, 500));
                      q.version = version;
                      q.limit = static_cast<int>(limit.value_or(100));
                      q.cursor = ctx.query_param("cursor");
                      SL_TRY(page, s.meta.list_dataset_items(who.project_id, ctx.params["name"], q));
                      bj::object out = list_page_json("items", page.items, &dataset_item_json, page.next_cursor);
                      out["version"] = page.version;
                      return http::json_reply(200, out);
                    }));
  add_product_route(
      router, verb::post, base + "/{name}/items",
      dataset_route(s, Scope::evaluations_write, true,
                    [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                      const std::string& name = ctx.params["name"];
                      SL_TRY(item, item_from_json(o, ""));
                      SL_TRY(d, s.meta.edit_dataset_items(who.project_id, name, {{ItemChange::add, item}}));
                      return item_reply(s, who.project_id, d.name, item.id, 201);
                    }));
  add_product_route(
      router, verb::get, base + "/{name}/items/{id}",
      dataset_route(s, Scope::evaluations_read, false, kVersionParams,
                    [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                      const std::string &name = ctx.params["name"], &id = ctx.params["id"];
                      SL_TRY(version, int_param(ctx, "version", 0, INT64_MAX));
                      SL_TRY(item, s.meta.get_dataset_item(who.project_id, name, id, version));
                      if (!item) return item_missing(name, id, version);
                      return http::json_reply(200, dataset_item_json(*item));
                    }));
  add_product_route(
      router, verb::put, base + "/{name}/items/{id}",
      dataset_route(s, Scope::evaluations_write, true,
                    [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                      const std::string &name = ctx.params["name"], &id = ctx.params["id"];
                      SL_TRY(item, item_from_json(o, ""));
                      if (o.contains("id") && item.id != id) return bad("id cannot change");
                      item.id = id;
                      SL_TRY(d, s.meta.edit_dataset_items(who.project_id, name, {{ItemChange::replace, item}}));
                      return item_reply(s, who.project_id, d.name, id, 200);
                    }));
  add_product_route(
      router, verb::delete_, base + "/{name}/items/{id}",
      dataset_route(s, Scope::evaluations_write, false,
                    [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                      const std::string &name = ctx.params["name"], &id = ctx.params["id"];
                      DatasetItem gone;
                      gone.id = id;
                      SL_TRY(d, s.meta.edit_dataset_items(who.project_id, name, {{ItemChange::remove, gone}}));
                      return http::json_reply(200, bj::object{{"id", id}, {"deleted", true}, {"version", d.version}});
                    }));
  // The body is JSON Lines or CSV, read whole before anything is written: all lines or none.
  add_product_route(
      router, verb::post, base + "/{name}/upload",
      dataset_route(s, Scope::evaluations_write, false,
                    [&s](const Principal& who, http::Context& ctx, const bj::object&) -> Result<http::Reply> {
                      std::string type(ctx.header("Content-Type"));
                      type = type.substr(0, type.find(';'));
                      while (!type.empty() && type.back() == ' ') type.pop_back();
                      std::transform(type.begin(), type.end(), type.begin(),
                                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                      Result<std::vector<DatasetItem>> items = make_error(ErrorCode::internal, "");
                      if (type == "application/x-ndjson" || type == "application/jsonl")
                        items = items_from_json_lines(ctx.req.body());
                      else if (type == "text/csv")
                        items = items_from_csv(ctx.req.body());
                      else
                        return make_error(ErrorCode::unsupported_media,
                                          fmt::format("an upload is JSON Lines (Content-Type application/x-ndjson) or "
                                                      "CSV (text/csv), not '{}'",
                                                      type.substr(0, 64)));
                      if (!items) return items.error();
                      std::vector<DatasetItemEdit> edits;
                      edits.reserve(items->size());
                      for (auto& item : *items) edits.push_back({ItemChange::upsert, std::move(item)});
                      SL_TRY(d, s.meta.edit_dataset_items(who.project_id, ctx.params["name"], edits));
                      return http::json_reply(
                          200, bj::object{{"dataset", dataset_json(d)}, {"uploaded", static_cast<int64_t>(edits.size())}});
                    }));
  add_product_route(
      router, verb::post, base + "/{name}/items/from-span",
      dataset_route(s, Scope::evaluations_write, true,
                    [&s](const Principal& who, http::Context& ctx, const bj::object& o) -> Result<http::Reply> {
                      const std::string& name = ctx.params["name"];
                      if (auto st = only_fields(o, {"traceId", "spanId"}); !st) return st.error();
                      SL_TRY(trace_id, json::req_string(o, "traceId", "traceId"));
                      SL_TRY(span_id, json::req_string(o, "spanId", "spanId"));
                      if (trace_id.empty() || span_id.empty()) return bad("traceId and spanId must not be empty");
                      // A missing dataset is named before the trace is read.
                      SL_TRY(d, s.meta.get_dataset(who.project_id, name));
                      if (!d) return make_error(ErrorCode::not_found, fmt::format("dataset '{}' does not exist", name));
                      SL_TRY(trace, s.traces.get(who.project_id, trace_id));
                      const auto span = std::find_if(trace.spans.begin(), trace.spans.end(),
                                                     [&](const Span& sp) { return sp.span_id == span_id; });
                      if (span == trace.spans.end())
                        return make_error(ErrorCode::not_found,
                                          fmt::format("trace '{}' has no span '{}'", trace_id.substr(0, 128),
                                                      span_id.substr(0, 128)));
                      SL_TRY(fields, item_of_span(*span));
                      SL_TRY(item, item_from_json(fields, ""));
                      item.source_trace_id = trace_id;
                      item.source_span_id = span_id;
                      SL_TRY(changed, s.meta.edit_dataset_items(who.project_id, name, {{ItemChange::add, item}}));
                      return item_reply(s, who.project_id, changed.name, item.id, 201);
                    }));
}

}  // namespace stacklens::api
