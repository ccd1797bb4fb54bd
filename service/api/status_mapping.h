// The one place where an absl::Status from the core or the store becomes the
// grpc::Status a caller sees. Codes carry over one to one (both follow the
// canonical codes); INTERNAL messages are logged and replaced, so no internal
// detail leaks.
#ifndef CLAIMD_SERVICE_API_STATUS_MAPPING_H_
#define CLAIMD_SERVICE_API_STATUS_MAPPING_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace claimd::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

// INTERNAL, UNKNOWN, DATA_LOSS: claimd's fault, not the caller's. ToGrpcStatus
// logs their details and hides them from the client; the call interceptor
// logs such calls at warning level.
bool IsServerFault(grpc::StatusCode code);

// INVALID_ARGUMENT for a request whose bytes are not the method's request
// message (most often a proto3 string that is not valid UTF-8). Raw handlers
// answer it themselves; for generated ones the call interceptor rewrites
// gRPC's bare UNIMPLEMENTED into it.
grpc::Status UnparsableRequestStatus();

}  // namespace claimd::api

#endif  // CLAIMD_SERVICE_API_STATUS_MAPPING_H_
