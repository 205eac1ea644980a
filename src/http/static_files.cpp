#include "http/static_files.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <utility>

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

// The dashboard's pages run only the scripts and styles of its own files: no inline script,
// no framing by other sites (clickjacking), no referrer sent elsewhere. Its style attributes
// are set by React through the CSSOM, which `style-src 'self'` allows; `data:` images are
// the favicon in index.html.
constexpr std::pair<std::string_view, std::string_view> kPageHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
     "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
    {"Referrer-Policy", "no-referrer"},
};

Reply page(std::string body, std::string_view type, std::string_view cache_control) {
  Reply r{200, std::move(body), std::string(type), {}};
  r.headers.emplace_back("Cache-Control", cache_control);
  for (const auto& [name, value] : kPageHeaders) r.headers.emplace_back(name, value);
  return r;
}

constexpr std::string_view kNotBuilt =
    "<!doctype html><title>StackLens</title><body><h1>StackLens</h1>"
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
    if (!body) return respond(page(std::string(kNotBuilt), "text/html; charset=utf-8", "no-cache"));
    const bool hashed_asset = rel.rfind("assets/", 0) == 0 && file.filename() != "index.html";
    respond(page(std::move(*body), mime_of(file), hashed_asset ? "public, max-age=31536000, immutable" : "no-cache"));
  };
}

}  // namespace stacklens::http
