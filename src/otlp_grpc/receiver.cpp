#include "otlp_grpc/receiver.h"

#include <fmt/format.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>

#include "api/auth.h"
#include "api/otlp_export.h"
#include "otlp_grpc/status_codes.h"

namespace stacklens::otlp_grpc {
namespace {

constexpr std::string_view kExportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

// The caller by the HTTP API's key rules (api/auth.h), read from the same two names in the
// call's metadata (lowercase, as HTTP/2 sends them): x-api-key, or authorization: Bearer.
Result<Principal> authenticate(api::Services& s, const grpc::GenericCallbackServerContext& call) {
  http::Request req;
  for (const char* name : {"x-api-key", "authorization"})
    if (auto it = call.client_metadata().find(name); it != call.client_metadata().end())
      req.set(name, std::string_view(it->second.data(), it->second.size()));
  if (req.begin() == req.end())
    return make_error(ErrorCode::unauthorized,
                      "API key missing: send it as metadata x-api-key: sl-... or authorization: Bearer sl-...");
  http::Context ctx{req, {}, std::string(kExportMethod), {}};
  return s.auth.authenticate(ctx, Scope::traces_write);
}

// The request message's bytes, in one piece.
std::string bytes_of(const grpc::ByteBuffer& message) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!message.Dump(&slices).ok()) return out;
  out.reserve(message.Length());
  for (const auto& slice : slices) out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  return out;
}

// One call: its request message is read, handled on the receiver's own threads (a key lookup, the
// decoding and the sealing do not belong on gRPC's), and answered from the writer's thread once
// the spans are committed. gRPC deletes it once the call is over (OnDone).
class ExportCall final : public grpc::ServerGenericBidiReactor {
 public:
  ExportCall(api::Services& s, boost::asio::thread_pool& pool, grpc::GenericCallbackServerContext* call)
      : s_(s), pool_(pool), call_(*call) {
    if (call_.method() != kExportMethod) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          fmt::format("method {} is not served here: only {}", call_.method().substr(0, 200),
                                      kExportMethod)));
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the call carried no request message"));
    boost::asio::post(pool_, [this] { handle(); });
  }

  void OnDone() override { delete this; }

 private:
  void handle() {
    auto who = authenticate(s_, call_);
    if (!who) return Finish(grpc_status(who.error()));
    const std::string body = bytes_of(request_);
    request_.Clear();
    api::export_otlp(s_, *who, "application/x-protobuf", "", body, [this](Result<api::OtlpAnswer> answer) {
      if (!answer) {
        if (answer.error().code == ErrorCode::internal) spdlog::error("OTLP/gRPC export: {}", answer.error().message);
        return Finish(grpc_status(answer.error()));
      }
      grpc::Slice bytes(answer->body);
      response_ = grpc::ByteBuffer(&bytes, 1);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    });
  }

  api::Services& s_;
  boost::asio::thread_pool& pool_;
  const grpc::GenericCallbackServerContext& call_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class ExportService final : public grpc::CallbackGenericService {
 public:
  ExportService(api::Services& s, boost::asio::thread_pool& pool) : s_(s), pool_(pool) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* call) override {
    return new ExportCall(s_, pool_, call);
  }

 private:
  api::Services& s_;
  boost::asio::thread_pool& pool_;
};

}  // namespace

struct Receiver::Impl {
  explicit Impl(api::Services& s) : pool(static_cast<size_t>(s.settings.io_threads)), service(s, pool) {}
  boost::asio::thread_pool pool;
  ExportService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  bool stopped = false;
};

Receiver::Receiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Receiver::~Receiver() { stop(); }

int Receiver::port() const { return impl_->port; }

Result<std::unique_ptr<Receiver>> Receiver::start(api::Services& s) {
  const Settings& settings = s.settings;
  auto impl = std::make_unique<Impl>(s);
  const std::string host = settings.listen.find(':') != std::string::npos ? "[" + settings.listen + "]" : settings.listen;
  const std::string address = fmt::format("{}:{}", host, settings.otlp_grpc_port);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &impl->port);
  // Linux lets a second process share the port with SO_REUSEPORT, gRPC's default: a port in use
  // must fail the start as the HTTP port does.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // The HTTP side's limits: a message over max-body-bytes (after gunzip too) is refused with
  // RESOURCE_EXHAUSTED by gRPC itself, and bodies in flight share inflight-body-mb.
  builder.SetMaxReceiveMessageSize(static_cast<int>(settings.limits.max_body_bytes));
  grpc::ResourceQuota quota("otlp-grpc");
  quota.Resize(settings.inflight_body_mb << 20);
  builder.SetResourceQuota(quota);
  builder.RegisterCallbackGenericService(&impl->service);
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0)
    return make_error(ErrorCode::unavailable, fmt::format("OTLP/gRPC cannot listen on {}", address));
  return std::unique_ptr<Receiver>(new Receiver(std::move(impl)));
}

void Receiver::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  // In-flight calls are answered by the writer, which is still running; the deadline only bounds
  // a stuck peer.
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(30));
  impl_->server->Wait();
  impl_->pool.join();
}

}  // namespace stacklens::otlp_grpc
