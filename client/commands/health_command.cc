#include "client/commands/health_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "claimd/client/claim_client.h"
#include "client/cli/registry.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace claimd::client {
namespace {

constexpr absl::Duration kConnectTimeout = absl::Seconds(1);

// What one grpc.health.v1 Check call brought back.
struct HealthAnswer {
  grpc::Status status;
  grpc::health::v1::HealthCheckResponse response;
  std::optional<std::string> version;  // the claimd-version header, if any
};

// One Check of `service`. No server at all fails at once ("cannot connect"),
// not after the whole `timeout`, which is for a slow server: the connection
// gets at most kConnectTimeout (gRPC's first reconnect attempts fall in it).
absl::StatusOr<HealthAnswer> AskHealth(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
    absl::Duration timeout) {
  const absl::Duration connect = std::min(timeout, kConnectTimeout);
  if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + connect))) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect within ", absl::FormatDuration(connect)));
  }
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthAnswer answer;
  answer.status = stub->Check(&context, request, &answer.response);
  // A refused check still carries the header; only a call that never reached
  // claimd has none.
  const auto& metadata = context.GetServerInitialMetadata();
  if (auto it = metadata.find(kServerVersionHeader); it != metadata.end()) {
    answer.version = std::string(it->second.data(), it->second.size());
  }
  return answer;
}

}  // namespace

absl::StatusOr<std::string> CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
    absl::Duration timeout) {
  absl::StatusOr<HealthAnswer> asked = AskHealth(channel, service, timeout);
  if (!asked.ok()) return asked.status();
  const HealthAnswer& answer = *asked;
  if (!answer.status.ok()) {
    // gRPC's health service answers NOT_FOUND for a service it does not know.
    if (answer.status.error_code() == grpc::StatusCode::NOT_FOUND)
      return std::string("SERVICE_UNKNOWN");
    return FromGrpcStatus(answer.status);
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
      answer.response.status());
}

absl::StatusOr<std::string> ServerVersion(
    const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  absl::StatusOr<HealthAnswer> asked = AskHealth(channel, "", timeout);
  if (!asked.ok()) return asked.status();
  HealthAnswer& answer = *asked;
  if (answer.version.has_value()) return *std::move(answer.version);
  if (!answer.status.ok()) return FromGrpcStatus(answer.status);
  return absl::NotFoundError(
      "it answered without a claimd-version header (a claimd older than "
      "this claimctl, or not claimd)");
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

namespace {

[[maybe_unused]] const bool kRegistered = RegisterCommand({
    .name = "health",
    .group = CommandGroup::kOther,
    .summary = "Ask claimd whether it serves (grpc.health.v1 Check)",
    .description = "Prints SERVING, NOT_SERVING or SERVICE_UNKNOWN; exit code "
                   "0 only for SERVING.",
    .examples = "claimctl health --timeout 3s   # a container health check",
    .setup = [](CLI::App& command) -> CommandRun {
      auto flags = std::make_shared<HealthFlags>();
      command.add_option("--service", flags->service,
                         "one service, e.g. claims.v1.ClaimService (default: "
                         "the server as a whole)");
      return [flags](CommandContext& context) {
        return RunHealth(context, *flags);
      };
    },
});

}  // namespace
}  // namespace claimd::client
