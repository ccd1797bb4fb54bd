// `claimctl health`: asks claimd's grpc.health.v1.Health/Check whether it
// serves, for scripts and container health checks (the Docker image's
// HEALTHCHECK runs it).
//
//   claimctl health                                  # the server as a whole
//   claimctl health --service claims.v1.ClaimService
//
// Prints SERVING, NOT_SERVING or SERVICE_UNKNOWN (-o json:
// {"status":"SERVING"}). Exit codes: 0 SERVING, 1 anything else, 5 server
// unreachable within --timeout, as every claimctl command.
// Also ServerVersion, which `claimctl version` uses: the same cheap call,
// read for the server's version header.
// Thread-safety: as the command that runs it.
#ifndef CLAIMD_CLIENT_COMMANDS_HEALTH_COMMAND_H_
#define CLAIMD_CLIENT_COMMANDS_HEALTH_COMMAND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/cli/command_context.h"
#include "grpcpp/grpcpp.h"

namespace claimd::client {

// One Health/Check call on `channel` for `service` ("" is the whole server).
// Returns the serving status's name. Errors: the call's, as absl::Status.
absl::StatusOr<std::string> CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
    absl::Duration timeout);

// The response header in which claimd names its version and commit
// (service/api/call_interceptor.h sends it on every response).
inline constexpr char kServerVersionHeader[] = "claimd-version";

// One Health/Check call on `channel` (cheap, and it needs no rights), for the
// claimd-version header of its answer, e.g. "0.1.0 (1a2b3c4d5e6f)", as the
// server sent it (escape before printing). Errors: the call's when it has no
// header; NOT_FOUND when claimd answered without one.
absl::StatusOr<std::string> ServerVersion(
    const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout);

struct HealthFlags {
  std::string service;
};

// Uses env.check_health for --server.
int RunHealth(CommandContext& context, const HealthFlags& flags);

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_COMMANDS_HEALTH_COMMAND_H_
