#include "config/settings.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <variant>

extern char** environ;

namespace stacklens {
namespace {

// A setting writes either a Settings member or a Limits member, so that
// Limits{} alone starts from the table's defaults too.
using Setter = std::function<Status(Settings&, const std::string& name, const std::string& value)>;
using LimitSetter = std::function<Status(Limits&, const std::string& name, const std::string& value)>;

struct SettingDef {
  std::string name;
  std::string default_value;  // as the setter parses it; empty: none
  std::string help;
  std::variant<Setter, LimitSetter> set;
};

Result<int64_t> to_int(const std::string& name, const std::string& v, int64_t lo, int64_t hi) {
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size() || out < lo || out > hi)
    return make_error(ErrorCode::bad_request,
                      fmt::format("setting {} must be an integer from {} to {}, got '{}'", name, lo, hi, v));
  return out;
}

template <typename Target, typename T>
std::function<Status(Target&, const std::string&, const std::string&)> int_setter(T Target::*field, int64_t lo,
                                                                                   int64_t hi) {
  return [=](Target& t, const std::string& name, const std::string& v) -> Status {
    auto n = to_int(name, v, lo, hi);
    if (!n) return n.error();
    t.*field = static_cast<T>(*n);
    return ok_status();
  };
}

template <typename T>
Setter text_setter(T Settings::*field) {
  return [=](Settings& s, const std::string&, const std::string& v) {
    s.*field = v;
    return ok_status();
  };
}

Status set_log_level(Settings& s, const std::string&, const std::string& v) {
  static const char* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
  for (auto* l : levels)
    if (v == l) return s.log_level = v, ok_status();
  return make_error(ErrorCode::bad_request, fmt::format("setting log-level: unknown level '{}'", v));
}

Setter on_off_setter(bool Settings::*field) {
  return [=](Settings& s, const std::string& name, const std::string& v) -> Status {
    if (v != "on" && v != "off") return make_error(ErrorCode::bad_request, fmt::format("setting {} must be on or off", name));
    s.*field = v == "on";
    return ok_status();
  };
}

// The value is not echoed: it may hold a password.
Status set_metadata_url(Settings& s, const std::string& name, const std::string& v) {
  if (!v.empty() && v.rfind("postgres://", 0) != 0 && v.rfind("postgresql://", 0) != 0)
    return make_error(ErrorCode::bad_request, fmt::format("setting {} must be a postgres:// or postgresql:// URL", name));
  s.metadata_url = v;
  return ok_status();
}

// The value is not echoed: it may hold a password.
Status set_span_store_url(Settings& s, const std::string& name, const std::string& v) {
  if (!v.empty() && v.rfind("clickhouse://", 0) != 0 && v.rfind("http://", 0) != 0)
    return make_error(ErrorCode::bad_request, fmt::format("setting {} must be a clickhouse:// or http:// URL", name));
  s.span_store_url = v;
  return ok_status();
}

const std::vector<SettingDef>& table() {
  static const std::vector<SettingDef> defs = {
      {"listen", "127.0.0.1", "address to listen on; 0.0.0.0 for all interfaces", text_setter(&Settings::listen)},
      {"port", "8480", "TCP port for the API and the dashboard; 0 picks a free one",
       int_setter(&Settings::port, 0, 65535)},
      {"data-dir", "stacklens-data", "directory holding the databases and the encryption key file",
       text_setter(&Settings::data_dir)},
      {"metadata-url", "",
       "PostgreSQL for projects, users, keys, sessions and prompts: postgres://user:password@host:port/database; "
       "unset: meta.db in the data directory",
       set_metadata_url},
      {"metadata-pool-size", "8",
       "PostgreSQL connections each node opens at most (with metadata-url); a request waits for a free one",
       int_setter(&Settings::metadata_pool_size, 1, 1000)},
      {"metadata-statement-timeout-ms", "5000",
       "longest a PostgreSQL statement may run, and longest a request waits for a free connection; past it 503",
       int_setter(&Settings::metadata_statement_timeout_ms, 100, 600000)},
      {"span-store-url", "",
       "ClickHouse for the spans: clickhouse://user:password@host:8123/database?cluster=NAME (or http://...); "
       "with a cluster name the tables are replicated on it and inserts wait for two replicas; unset: spans.db in "
       "the data directory",
       set_span_store_url},
      {"port-file", "", "write the bound port to this file once listening", text_setter(&Settings::port_file)},
      {"otlp-grpc", "off",
       "on: also accept OpenTelemetry's OTLP/gRPC trace exports (TraceService/Export) on otlp-grpc-port, at the "
       "listen address (docs/otlp.md)",
       on_off_setter(&Settings::otlp_grpc)},
      {"otlp-grpc-port", "4317", "TCP port for OTLP/gRPC when otlp-grpc is on; 0 picks a free one (logged)",
       int_setter(&Settings::otlp_grpc_port, 0, 65535)},
      {"public-url", "", "URL users reach this server at, printed and shown in the dashboard; unset: derived from listen and port",
       text_setter(&Settings::public_url)},
      {"web-dir", "", "directory of the built dashboard; unset: web/dist of the source tree the binary was built in",
       text_setter(&Settings::web_dir)},
      {"prices-file", "",
       "model price table that prices spans sent with tokens and no cost (data/prices/README.md); "
       "unset: data/prices/prices.json of the source tree the binary was built in, or none if it is missing",
       text_setter(&Settings::prices_file)},
      {"io-threads", "2", "threads serving HTTP", int_setter(&Settings::io_threads, 1, 64)},
      {"ingest-queue-spans", "50000", "spans waiting for commit before ingest answers 429",
       int_setter(&Settings::ingest_queue_spans, 1, 10000000)},
      {"commit-batch-spans", "5000", "most spans committed in one transaction",
       int_setter(&Settings::commit_batch_spans, 1, 1000000)},
      {"inflight-body-mb", "64",
       "memory for request bodies being read and handled, counted as 3x each body; "
       "beyond it requests get 429 before their body is read",
       int_setter(&Settings::inflight_body_mb, 1, 1 << 20)},
      {"max-connections", "1024",
       "connections open at once; past it a new connection gets 503 and is closed "
       "(lowered at start to fit the process's open-file limit)",
       int_setter(&Settings::max_connections, 1, 1000000)},
      {"max-connections-per-client", "512",
       "connections open at once from one client address, else 503; behind a proxy, all come from its address",
       int_setter(&Settings::max_connections_per_client, 1, 1000000)},
      {"read-timeout-seconds", "60",
       "time a connection has to send each request, header and body, from the end of the previous answer; "
       "past it the connection is closed",
       int_setter(&Settings::read_timeout_seconds, 1, 3600)},
      {"disk-reserve-mb", "64", "free disk space kept in reserve: below it ingest answers 507 and /ready 503",
       int_setter(&Settings::disk_reserve_mb, 0, 1LL << 30)},
      {"log-level", "info", "trace, debug, info, warn, error or off", set_log_level},
      {"governai", "on",
       "on: GovernAI scans every ingested span for personal data and applies the project's policies (allow, "
       "redact, block); off: spans are stored as sent and nothing is counted or audited",
       on_off_setter(&Settings::governai)},
      {"retention-interval-seconds", "3600",
       "time between two retention passes, each removing the spans (and their text, scores and metrics) of "
       "traces older than their project's retention period; the first pass runs a few seconds after start",
       int_setter(&Settings::retention_interval_seconds, 1, 86400)},
      {"monitor-interval-seconds", "30",
       "time between two evaluations of each monitor (its metric over its window, against its threshold)",
       int_setter(&Settings::monitor_interval_seconds, 1, 3600)},
      {"max-body-bytes", "8388608", "largest request body accepted, else 413",
       int_setter(&Limits::max_body_bytes, 1024, 1LL << 30)},
      {"max-batch-spans", "1000", "most spans in one batch request", int_setter(&Limits::max_batch_spans, 1, 100000)},
      {"max-attributes", "128", "most attributes on one span", int_setter(&Limits::max_attributes, 0, 10000)},
      {"max-attribute-value-bytes", "16384", "longest attribute value",
       int_setter(&Limits::max_attribute_value_bytes, 1, 1LL << 24)},
      {"max-tags", "64", "most tags on one span", int_setter(&Limits::max_tags, 0, 10000)},
      {"max-text-bytes", "1048576", "longest prompt or completion text",
       int_setter(&Limits::max_text_bytes, 1, 1LL << 28)},
  };
  return defs;
}

Status apply(const SettingDef& d, Settings& s, const std::string& value) {
  if (const auto* set = std::get_if<Setter>(&d.set)) return (*set)(s, d.name, value);
  return std::get<LimitSetter>(d.set)(s.limits, d.name, value);
}

// A default the setter refuses is a bug in the table, found by any test that
// constructs Settings.
void apply_default(const SettingDef& d, const Status& st) {
  if (st) return;
  std::fprintf(stderr, "default of setting %s: %s\n", d.name.c_str(), st.error().message.c_str());
  std::abort();
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

Limits::Limits() {
  for (const auto& d : table())
    if (const auto* set = std::get_if<LimitSetter>(&d.set)) apply_default(d, (*set)(*this, d.name, d.default_value));
}

// Members without a default keep their empty value; limits come from Limits().
Settings::Settings() {
  for (const auto& d : table())
    if (const auto* set = std::get_if<Setter>(&d.set); set && !d.default_value.empty())
      apply_default(d, (*set)(*this, d.name, d.default_value));
}

std::string Settings::url() const {
  if (!public_url.empty()) return public_url;
  const std::string host = listen == "0.0.0.0" || listen == "::" ? "127.0.0.1" : listen;
  return fmt::format("http://{}:{}", host, port);
}

std::vector<SettingDoc> setting_docs() {
  std::vector<SettingDoc> out;
  for (const auto& d : table()) out.push_back({d.name, env_name(d.name), d.default_value, d.help});
  return out;
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
      if (auto st = apply(d, s, *value); !st) return st.error();
  }
  return s;
}

}  // namespace stacklens
