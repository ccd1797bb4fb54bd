// grpc.health.v1 from a test: one Check with a deadline, and a bounded wait
// for a status. The one copy for every test that watches claimd's health
// (the in-process server's and the real binary's).
//
//   ASSERT_TRUE(WaitForHealth(channel, HealthCheckResponse::SERVING,
//                             absl::Seconds(10)));
//
// Thread-safety: pure functions over a thread-safe channel.
#ifndef CLAIMD_TESTS_TESTING_HEALTH_CHECK_H_
#define CLAIMD_TESTS_TESTING_HEALTH_CHECK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace claimd::testing {

inline constexpr char kClaimServiceName[] = "claims.v1.ClaimService";

// The server's health for `service` ("": the whole server), or the call's
// error (NOT_FOUND: a service the server does not know). 5 s deadline.
absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus>
CheckHealthStatus(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& service);

// As CheckHealthStatus, with UNKNOWN for a failed call.
grpc::health::v1::HealthCheckResponse::ServingStatus CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel,
    const std::string& service = kClaimServiceName);

// Polls until every one of `services` says `want` (true) or `timeout` has
// passed (false).
bool WaitForHealth(const std::shared_ptr<grpc::Channel>& channel,
                   grpc::health::v1::HealthCheckResponse::ServingStatus want,
                   absl::Duration timeout,
                   const std::vector<std::string>& services = {
                       "", kClaimServiceName});

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_TESTING_HEALTH_CHECK_H_
