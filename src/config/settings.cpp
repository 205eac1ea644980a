#include "config/settings.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <functional>

extern char** environ;

namespace stacklens {
namespace {

using Setter = std::function<Status(Settings&, const std::string&)>;

struct SettingDef {
  std::string name;
  std::string help;
  Setter set;
};

Result<int64_t> to_int(const std::string& name, const std::string& v, int64_t lo, int64_t hi) {
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || out < lo || out > hi)
    return make_error(ErrorCode::bad_request,
                      fmt::format("setting {} must be an integer from {} to {}, got '{}'", name, lo, hi, v));
  return out;
}

template <typename T>
Setter int_setter(T Settings::*field, int64_t lo, int64_t hi, const char* name) {
  return [=](Settings& s, const std::string& v) -> Status {
    auto n = to_int(name, v, lo, hi);
    if (!n) return n.error();
    s.*field = static_cast<T>(*n);
    return ok_status();
  };
}

template <typename T>
Setter limit_setter(T Limits::*field, int64_t lo, int64_t hi, const char* name) {
  return [=](Settings& s, const std::string& v) -> Status {
    auto n = to_int(name, v, lo, hi);
    if (!n) return n.error();
    s.limits.*field = static_cast<T>(*n);
    return ok_status();
  };
}

const std::vector<SettingDef>& table() {
  static const std::vector<SettingDef> defs = {
      {"listen", "address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)",
       [](Settings& s, const std::string& v) { s.listen = v; return ok_status(); }},
      {"port", "TCP port for the API and the dashboard (default 8480; 0 picks a free one)",
       int_setter(&Settings::port, 0, 65535, "port")},
      {"data-dir", "directory holding the databases and the encryption key file (default ./stacklens-data)",
       [](Settings& s, const std::string& v) { s.data_dir = v; return ok_status(); }},
      {"port-file", "write the bound port to this file once listening",
       [](Settings& s, const std::string& v) { s.port_file = v; return ok_status(); }},
      {"public-url", "URL users reach this server at, printed and shown in the dashboard",
       [](Settings& s, const std::string& v) { s.public_url = v; return ok_status(); }},
      {"web-dir", "directory of the built dashboard (default: web/dist of the source tree the binary was built in)",
       [](Settings& s, const std::string& v) { s.web_dir = v; return ok_status(); }},
      {"io-threads", "threads serving HTTP (default 2)", int_setter(&Settings::io_threads, 1, 64, "io-threads")},
      {"ingest-queue-spans", "spans waiting for commit before ingest answers 429 (default 50000)",
       int_setter(&Settings::ingest_queue_spans, 1, 10000000, "ingest-queue-spans")},
      {"commit-batch-spans", "most spans committed in one transaction (default 5000)",
       int_setter(&Settings::commit_batch_spans, 1, 1000000, "commit-batch-spans")},
      {"inflight-body-mb", "memory for request bodies being read and handled, counted as 3x each body; "
       "beyond it requests get 429 before their body is read (default 64)",
       int_setter(&Settings::inflight_body_mb, 1, 1 << 20, "inflight-body-mb")},
      {"disk-reserve-mb", "free disk space kept in reserve: below it ingest answers 507 and /ready 503 (default 64)",
       int_setter(&Settings::disk_reserve_mb, 0, 1LL << 30, "disk-reserve-mb")},
      {"log-level", "trace, debug, info, warn, error (default info)",
       [](Settings& s, const std::string& v) -> Status {
         static const char* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
         for (auto* l : levels)
           if (v == l) return s.log_level = v, ok_status();
         return make_error(ErrorCode::bad_request, fmt::format("setting log-level: unknown level '{}'", v));
       }},
      {"max-body-bytes", "largest request body accepted, else 413 (default 8388608)",
       limit_setter(&Limits::max_body_bytes, 1024, 1LL << 30, "max-body-bytes")},
      {"max-batch-spans", "most spans in one batch request (default 1000)",
       limit_setter(&Limits::max_batch_spans, 1, 100000, "max-batch-spans")},
      {"max-attributes", "most attributes on one span (default 128)",
       limit_setter(&Limits::max_attributes, 0, 10000, "max-attributes")},
      {"max-attribute-value-bytes", "longest attribute value (default 16384)",
       limit_setter(&Limits::max_attribute_value_bytes, 1, 1LL << 24, "max-attribute-value-bytes")},
      {"max-tags", "most tags on one span (default 64)", limit_setter(&Limits::max_tags, 0, 10000, "max-tags")},
      {"max-text-bytes", "longest prompt or completion text (default 1048576)",
       limit_setter(&Limits::max_text_bytes, 1, 1LL << 28, "max-text-bytes")},
  };
  return defs;
}

std::string env_name(const std::string& name) {
  std::string out = "STACKLENS_";
  for (char c : name) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  std::string out = s.substr(b, e - b + 1);
  if (out.size() >= 2 && out.front() == '"' && out.back() == '"') out = out.substr(1, out.size() - 2);
  return out;
}

Result<std::map<std::string, std::string>> read_config_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::bad_request, fmt::format("cannot read config file {}", path.string()));
  std::map<std::string, std::string> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos)
      return make_error(ErrorCode::bad_request, fmt::format("{}:{}: expected 'name = value'", path.string(), n));
    std::string key = trim(t.substr(0, eq));
    for (char& c : key)
      if (c == '_') c = '-';
    out[key] = trim(t.substr(eq + 1));
  }
  return out;
}

}  // namespace

std::string Settings::url() const {
  if (!public_url.empty()) return public_url;
  const std::string host = listen == "0.0.0.0" || listen == "::" ? "127.0.0.1" : listen;
  return fmt::format("http://{}:{}", host, port);
}

std::vector<std::string> setting_names() {
  std::vector<std::string> out;
  for (const auto& d : table()) out.push_back(d.name);
  return out;
}

std::string setting_help(const std::string& name) {
  for (const auto& d : table())
    if (d.name == name) return fmt::format("{} [env {}]", d.help, env_name(d.name));
  return {};
}

std::map<std::string, std::string> environment_settings() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    if (kv.rfind("STACKLENS_", 0) == 0) {
      const auto eq = kv.find('=');
      if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return out;
}

Result<Settings> load_settings(const SettingSources& sources) {
  std::map<std::string, std::string> file;
  if (!sources.config_file.empty()) {
    auto f = read_config_file(sources.config_file);
    if (!f) return f.error();
    file = std::move(*f);
    for (const auto& [k, v] : file) {
      bool known = false;
      for (const auto& d : table()) known = known || d.name == k;
      if (!known)
        return make_error(ErrorCode::bad_request,
                          fmt::format("config file {}: unknown setting '{}'", sources.config_file.string(), k));
    }
  }
  Settings s;
  for (const auto& d : table()) {
    const std::string* value = nullptr;
    if (auto it = sources.flags.find(d.name); it != sources.flags.end()) value = &it->second;
    else if (auto ie = sources.env.find(env_name(d.name)); ie != sources.env.end()) value = &ie->second;
    else if (auto ic = file.find(d.name); ic != file.end()) value = &ic->second;
    if (value)
      if (auto st = d.set(s, *value); !st) return st.error();
  }
  return s;
}

}  // namespace stacklens
