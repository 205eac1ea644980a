#pragma once
// The gRPC status of each ErrorCode, as http/error_mapping.cpp gives its HTTP status: the codes
// OTLP/gRPC exporters act on (UNAVAILABLE is retried; RESOURCE_EXHAUSTED without RetryInfo, for
// a request over the limits, is not).
#include <grpcpp/support/status.h>

#include "core/error.h"

namespace stacklens::otlp_grpc {

grpc::StatusCode grpc_code(ErrorCode code);
inline grpc::Status grpc_status(const Error& e) { return grpc::Status(grpc_code(e.code), e.message); }

}  // namespace stacklens::otlp_grpc
