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

struct Limits {
  size_t max_body_bytes = 8 * 1024 * 1024;
  size_t max_batch_spans = 1000;
  size_t max_id_bytes = 128;
  size_t max_name_bytes = 512;
  size_t max_attributes = 128;
  size_t max_attribute_key_bytes = 256;
  size_t max_attribute_value_bytes = 16 * 1024;
  size_t max_tags = 64;
  size_t max_tag_bytes = 256;
  size_t max_text_bytes = 1024 * 1024;  // prompt, completion
  size_t max_events = 128;              // events per span (OpenTelemetry ingest)
};

struct Settings {
  std::string listen = "127.0.0.1";
  int port = 8480;
  std::filesystem::path data_dir = "stacklens-data";
  std::filesystem::path port_file;  // when set, the bound port is written here (useful with --port 0)
  std::string public_url;           // how users reach this server; derived from listen/port when empty
  std::filesystem::path web_dir;    // the built dashboard; empty: web/dist beside the binary's build/ folder
  int io_threads = 2;
  size_t ingest_queue_spans = 50000;  // beyond this, ingest answers 429 with Retry-After
  size_t commit_batch_spans = 5000;   // at most this many spans per transaction
  uint64_t disk_reserve_mb = 64;      // ingest answers 507 while less than this is free
  size_t inflight_body_mb = 64;       // memory for request bodies in flight (3x each body), else 429
  std::string log_level = "info";
  Limits limits;

  std::filesystem::path spans_db() const { return data_dir / "spans.db"; }
  std::filesystem::path meta_db() const { return data_dir / "meta.db"; }
  std::filesystem::path key_file() const { return data_dir / "encryption.keys"; }
  std::string url() const;
};

struct SettingSources {
  std::map<std::string, std::string> flags;  // name -> value, from the command line
  std::map<std::string, std::string> env;    // the process environment, STACKLENS_* entries
  std::filesystem::path config_file;         // optional
};

// Names of every setting, as the flags spell them (e.g. "max-body-bytes").
std::vector<std::string> setting_names();
std::string setting_help(const std::string& name);
Result<Settings> load_settings(const SettingSources& sources);
std::map<std::string, std::string> environment_settings();

}  // namespace stacklens
