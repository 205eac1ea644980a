#pragma once
// OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export on a port of its own
// (settings otlp-grpc, otlp-grpc-port), beside the HTTP server. gRPC's generic service hands
// over the request's bytes (gzip already undone), and the call takes OTLP/HTTP's own path from
// there (api/otlp_export.h): the same key rules, decoder, limits, mapping, GovernAI and commit,
// answered once the spans are committed. Errors are gRPC status codes (status_codes.h).
#include <memory>

#include "api/services.h"
#include "core/error.h"

namespace stacklens::otlp_grpc {

class Receiver {
 public:
  // Listens at the settings' listen address and otlp-grpc-port (0: a free one, see port()).
  static Result<std::unique_ptr<Receiver>> start(api::Services& services);
  ~Receiver();  // stop()
  int port() const;
  // Refuses new calls (UNAVAILABLE) and waits for those in flight to be answered, which the
  // span writer does once their spans are committed: call it before the writer stops.
  void stop();

 private:
  struct Impl;
  explicit Receiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stacklens::otlp_grpc
