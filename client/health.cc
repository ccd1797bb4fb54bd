#include "client/health.h"

#include "absl/strings/str_cat.h"
#include "client/claim_client.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace claimd::client {

absl::StatusOr<std::string> CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
    absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  // A server that is starting up is worth waiting for, within the timeout.
  context.set_wait_for_ready(true);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    // gRPC's health service answers NOT_FOUND for a service it does not know.
    if (status.error_code() == grpc::StatusCode::NOT_FOUND)
      return std::string("SERVICE_UNKNOWN");
    return FromGrpcStatus(status);
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
      response.status());
}

int RunHealth(CommandContext& context, const HealthFlags& flags) {
  const std::string what =
      absl::StrCat("health", flags.service.empty() ? "" : " ", flags.service);
  if (!context.env().check_health) {
    return context.Fail(
        what, absl::UnimplementedError("no health check in this environment"));
  }
  absl::StatusOr<std::string> serving = context.env().check_health(
      context.flags().server, context.flags().security, flags.service,
      context.flags().timeout);
  if (!serving.ok()) return context.Fail(what, serving.status());
  if (context.json()) {
    context.PrintLine(absl::StrCat("{\"status\":\"", *serving, "\"}"));
  } else {
    context.PrintLine(*serving);
  }
  return *serving == "SERVING" ? 0 : 1;
}

}  // namespace claimd::client
