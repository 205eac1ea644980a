#include "http/static_files.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace stacklens::http {
namespace {

struct MimeType {
  std::string_view ext, type;
};
constexpr MimeType kMimeTypes[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".json", "application/json"},
    {".svg", "image/svg+xml"},             {".png", "image/png"},
    {".ico", "image/x-icon"},              {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"},
};

std::string_view mime_of(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  for (const auto& m : kMimeTypes)
    if (m.ext == ext) return m.type;
  return "application/octet-stream";
}

std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr std::string_view kNotBuilt =
    "<!doctype html><title>StackLens</title><body style=\"font-family:sans-serif\"><h1>StackLens</h1>"
    "<p>The server is running, but the dashboard is not built. Run <code>bash scripts/build_web.sh</code> "
    "(or start with <code>bash scripts/start.sh</code>), or point <code>--web-dir</code> at a built "
    "<code>web/dist</code>.</p></body>";

}  // namespace

Handler static_files(std::filesystem::path root, std::vector<std::string> api_prefixes) {
  std::error_code ec;
  auto canonical_root = std::filesystem::weakly_canonical(root, ec);
  return [root = canonical_root, api_prefixes](Context& ctx, Respond respond) {
    for (const auto& prefix : api_prefixes)
      if (ctx.path.rfind(prefix, 0) == 0)
        return respond(error_reply(make_error(ErrorCode::not_found, fmt::format("no route for {}", ctx.path))));
    std::string rel;
    for (char c : ctx.path) rel += c;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    std::error_code ec;
    std::filesystem::path file = std::filesystem::weakly_canonical(root / rel, ec);
    // Inside the root directory itself, not merely a path that starts with the same letters.
    const std::string root_dir = root.string() + "/";
    const bool inside = !ec && file.string().rfind(root_dir, 0) == 0;
    if (rel.empty() || !inside || !std::filesystem::is_regular_file(file, ec)) file = root / "index.html";
    auto body = read_file(file);
    if (!body) return respond(Reply{200, std::string(kNotBuilt), "text/html; charset=utf-8", {}});
    Reply r{200, std::move(*body), std::string(mime_of(file)), {}};
    const bool hashed_asset = rel.rfind("assets/", 0) == 0 && file.filename() != "index.html";
    r.headers.emplace_back("Cache-Control", hashed_asset ? "public, max-age=31536000, immutable" : "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    respond(std::move(r));
  };
}

}  // namespace stacklens::http
