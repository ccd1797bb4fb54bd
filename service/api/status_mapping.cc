#include "service/api/status_mapping.h"

#include <string>

#include "service/core/log.h"

namespace claimd::api {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == absl::StatusCode::kInternal ||
      status.code() == absl::StatusCode::kDataLoss ||
      status.code() == absl::StatusCode::kUnknown) {
    core::LogError("internal error: ", status.ToString());
    return grpc::Status(
        static_cast<grpc::StatusCode>(status.code()),
        "internal error in claimd; the server log has the details");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace claimd::api
