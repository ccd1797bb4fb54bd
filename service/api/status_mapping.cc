#include "service/api/status_mapping.h"

#include <string>

#include "service/util/log.h"

namespace claimd::api {

bool IsServerFault(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL ||
         code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::DATA_LOSS;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share code numbers.
  if (IsServerFault(static_cast<grpc::StatusCode>(status.code()))) {
    util::LogError("internal error: ", status.ToString());
    return grpc::Status(
        static_cast<grpc::StatusCode>(status.code()),
        "internal error in claimd; the server log has the details");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

grpc::Status UnparsableRequestStatus() {
  return grpc::Status(
      grpc::StatusCode::INVALID_ARGUMENT,
      "the request could not be parsed as this method's request message "
      "(strings must be valid UTF-8, and the bytes valid protobuf)");
}

}  // namespace claimd::api
