#pragma once
// The one typed settings object, read once at startup. Every setting has a
// flag (--name), an environment variable (STACKLENS_NAME) and a config-file key
// (name = value); precedence: flag > environment > config file > default.
// The table of settings lives in settings.cpp as data.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace stacklens {

// The members that are settings have no initializer here: their defaults are
// written once, in the table in settings.cpp, and the constructors apply them.
struct Limits {
  Limits();
  size_t max_body_bytes;
  size_t max_batch_spans;
  size_t max_attributes;
  size_t max_attribute_value_bytes;
  size_t max_tags;
  size_t max_text_bytes;  // prompt, completion
  // Fixed limits, not settings.
  size_t max_id_bytes = 128;
  size_t max_name_bytes = 512;
  size_t max_attribute_key_bytes = 256;
  size_t max_tag_bytes = 256;
  size_t max_events = 128;  // events per span (OpenTelemetry ingest)
};

struct Settings {
  Settings();
  std::string listen;
  int port;
  std::filesystem::path data_dir;
  std::string metadata_url;  // PostgreSQL for the metadata; empty: meta.db in data_dir
  size_t metadata_pool_size;         // PostgreSQL connections per node
  int metadata_statement_timeout_ms;  // longest PostgreSQL statement, and longest wait for a connection
  std::string span_store_url;  // ClickHouse for the spans (clickhouse://...); empty: spans.db in data_dir
  std::filesystem::path port_file;  // when set, the bound port is written here (useful with --port 0)
  bool otlp_grpc;                   // OTLP/gRPC's TraceService/Export served beside HTTP
  int otlp_grpc_port;
  std::string public_url;           // how users reach this server; derived from listen/port when empty
  std::filesystem::path web_dir;    // the built dashboard; empty: web/dist beside the binary's build/ folder
  std::filesystem::path prices_file;  // the model price table; empty: data/prices/prices.json of the source tree
  int io_threads;
  size_t ingest_queue_spans;  // beyond this, ingest answers 429 with Retry-After
  size_t commit_batch_spans;  // at most this many spans per transaction
  uint64_t disk_reserve_mb;   // ingest answers 507 while less than this is free
  size_t inflight_body_mb;    // memory for request bodies in flight (3x each body), else 429
  size_t max_connections;             // open at once; past it a new connection gets 503 and is closed
  size_t max_connections_per_client;  // the same, from one client address
  int read_timeout_seconds;           // for each request, header and body; then the connection is closed
  std::string log_level;
  bool governai;  // scan spans for personal data and apply the projects' policies at ingest
  int retention_interval_seconds;  // between two passes removing what projects' retention periods expired
  int monitor_interval_seconds;    // between two evaluations of each monitor
  Limits limits;

  std::filesystem::path spans_db() const { return data_dir / "spans.db"; }
  std::filesystem::path meta_db() const { return data_dir / "meta.db"; }
  std::filesystem::path key_file() const { return data_dir / "encryption.keys"; }
  std::filesystem::path audit_key_file() const { return data_dir / "audit-signing.key"; }
  std::string url() const;
};

struct SettingSources {
  std::map<std::string, std::string> flags;  // name -> value, from the command line
  std::map<std::string, std::string> env;    // the process environment, STACKLENS_* entries
  std::filesystem::path config_file;         // optional
};

// What --help and the README's settings table say about one setting.
struct SettingDoc {
  std::string name;           // as the flag spells it, e.g. "max-body-bytes"
  std::string env;            // STACKLENS_MAX_BODY_BYTES
  std::string default_value;  // as the setter parses it; empty: none (the help says what then)
  std::string help;
};

std::vector<SettingDoc> setting_docs();
Result<Settings> load_settings(const SettingSources& sources);
std::map<std::string, std::string> environment_settings();

}  // namespace stacklens
