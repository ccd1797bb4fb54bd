#include "tests/testing/health_check.h"

#include "absl/time/clock.h"
#include "tests/testing/claims_client.h"

namespace claimd::testing {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

absl::StatusOr<HealthCheckResponse::ServingStatus> CheckHealthStatus(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  absl::Status status = FromGrpc(stub->Check(&context, request, &response));
  if (!status.ok()) return status;
  return response.status();
}

HealthCheckResponse::ServingStatus CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  return CheckHealthStatus(channel, service)
      .value_or(HealthCheckResponse::UNKNOWN);
}

bool WaitForHealth(const std::shared_ptr<grpc::Channel>& channel,
                   HealthCheckResponse::ServingStatus want,
                   absl::Duration timeout,
                   const std::vector<std::string>& services) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    bool all = true;
    for (const std::string& service : services) {
      all = all && CheckHealth(channel, service) == want;
    }
    if (all) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

}  // namespace claimd::testing
