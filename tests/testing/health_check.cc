#include "tests/testing/health_check.h"

#include "absl/time/clock.h"

namespace claimd::testing {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok())
    return HealthCheckResponse::UNKNOWN;
  return response.status();
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
