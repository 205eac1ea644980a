#include "otlp_grpc/status_codes.h"

namespace stacklens::otlp_grpc {

grpc::StatusCode grpc_code(ErrorCode code) {
  using grpc::StatusCode;
  switch (code) {
    case ErrorCode::bad_request: return StatusCode::INVALID_ARGUMENT;
    case ErrorCode::unsupported_media: return StatusCode::INVALID_ARGUMENT;
    case ErrorCode::unprocessable: return StatusCode::INVALID_ARGUMENT;
    case ErrorCode::unauthorized: return StatusCode::UNAUTHENTICATED;
    case ErrorCode::forbidden: return StatusCode::PERMISSION_DENIED;
    case ErrorCode::not_found: return StatusCode::NOT_FOUND;
    case ErrorCode::method_not_allowed: return StatusCode::UNIMPLEMENTED;
    case ErrorCode::conflict: return StatusCode::ALREADY_EXISTS;
    case ErrorCode::payload_too_large: return StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::upstream: return StatusCode::FAILED_PRECONDITION;
    // A full queue, a full or failing disk, a stopping server: the exporter retries later.
    case ErrorCode::overloaded: return StatusCode::UNAVAILABLE;
    case ErrorCode::storage_full: return StatusCode::UNAVAILABLE;
    case ErrorCode::unavailable: return StatusCode::UNAVAILABLE;
    case ErrorCode::internal: return StatusCode::INTERNAL;
  }
  return StatusCode::INTERNAL;
}

}  // namespace stacklens::otlp_grpc
