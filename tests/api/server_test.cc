// Integration tests of ClaimServer as a whole: health checking, server
// reflection, shutdown, restart on the same data, the port guard and the
// message size limit.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "health.grpc.pb.h"
#include "reflection_subset.pb.h"
#include "tests/api/api_matchers.h"
#include "tests/api/claims_client.h"
#include "tests/api/test_server.h"
#include "tests/testing/status_matchers.h"

namespace claimd::testing {
namespace {

using ::claimd::testing::reflection::ServerReflectionRequest;
using ::claimd::testing::reflection::ServerReflectionResponse;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kServiceName[] = "claims.v1.ClaimService";
constexpr char kReflectionMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

absl::StatusOr<HealthCheckResponse::ServingStatus> CheckHealth(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  absl::Status status =
      FromGrpc(stub->Check(NewContext().get(), request, &response));
  if (!status.ok()) return status;
  return response.status();
}

// Sends one request on a ServerReflectionInfo stream (a bidirectional stream,
// driven here through a generic stub and a completion queue with deadlines)
// and returns the one response.
absl::StatusOr<ServerReflectionResponse> Reflect(
    const std::shared_ptr<grpc::Channel>& channel,
    const ServerReflectionRequest& request) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  const absl::Time deadline = absl::Now() + kRpcTimeout;
  context.set_deadline(absl::ToChronoTime(deadline));
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, kReflectionMethod, &cq);

  // Waits for the operation tagged `step`; false when it failed.
  auto wait = [&](intptr_t step) {
    void* tag = nullptr;
    bool ok = false;
    grpc::CompletionQueue::NextStatus next =
        cq.AsyncNext(&tag, &ok, absl::ToChronoTime(deadline));
    return next == grpc::CompletionQueue::GOT_EVENT &&
           reinterpret_cast<intptr_t>(tag) == step && ok;
  };
  std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer out(&slice, 1);
  grpc::ByteBuffer in;
  grpc::Status status;
  absl::Status failure;
  call->StartCall(reinterpret_cast<void*>(1));
  if (!wait(1)) failure = absl::UnavailableError("reflection: start failed");
  if (failure.ok()) {
    call->Write(out, reinterpret_cast<void*>(2));
    if (!wait(2)) failure = absl::UnavailableError("reflection: write failed");
  }
  if (failure.ok()) {
    call->Read(&in, reinterpret_cast<void*>(3));
    if (!wait(3)) failure = absl::UnavailableError("reflection: read failed");
  }
  if (failure.ok()) {
    call->WritesDone(reinterpret_cast<void*>(4));
    if (!wait(4)) failure = absl::UnavailableError("reflection: close failed");
  }
  if (!failure.ok()) context.TryCancel();
  call->Finish(&status, reinterpret_cast<void*>(5));
  void* tag = nullptr;
  bool ok = false;
  // Drain: Finish always completes (a cancelled call completes at once).
  while (cq.AsyncNext(&tag, &ok, absl::ToChronoTime(deadline)) ==
             grpc::CompletionQueue::GOT_EVENT &&
         reinterpret_cast<intptr_t>(tag) != 5) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!failure.ok()) return failure;
  if (!status.ok()) return FromGrpc(status);

  std::vector<grpc::Slice> slices;
  if (!in.Dump(&slices).ok())
    return absl::InternalError("reflection: bad buffer");
  std::string received;
  for (const grpc::Slice& s : slices)
    received.append(reinterpret_cast<const char*>(s.begin()), s.size());
  ServerReflectionResponse response;
  if (!response.ParseFromString(received))
    return absl::InternalError("reflection: unparsable response");
  return response;
}

TEST(ClaimServer, HealthSaysServingForTheServerAndTheService) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  EXPECT_THAT(CheckHealth(server->channel(), ""),
              IsOkAndHolds(HealthCheckResponse::SERVING));
  EXPECT_THAT(CheckHealth(server->channel(), kServiceName),
              IsOkAndHolds(HealthCheckResponse::SERVING));
  EXPECT_THAT(CheckHealth(server->channel(), "no.such.Service"),
              StatusIs(absl::StatusCode::kNotFound));
}

// Optional in the contract, but what load balancers rely on: a health watcher
// hears NOT_SERVING when shutdown begins, and its stream does not hold the
// shutdown up for the whole grace period.
TEST(ClaimServer, HealthWatchersHearNotServingOnShutdown) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  std::unique_ptr<Health::Stub> stub = Health::NewStub(server->channel());
  std::unique_ptr<grpc::ClientContext> context = NewContext(absl::Seconds(10));
  HealthCheckRequest request;
  request.set_service(kServiceName);
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> watch =
      stub->Watch(context.get(), request);
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  absl::Time start = absl::Now();
  std::thread shutdown([&] { server->Shutdown(absl::Seconds(3)); });
  std::vector<HealthCheckResponse::ServingStatus> heard;
  while (watch->Read(&response)) heard.push_back(response.status());
  grpc::Status end = watch->Finish();
  shutdown.join();
  absl::Duration took = absl::Now() - start;
  EXPECT_THAT(heard, Contains(HealthCheckResponse::NOT_SERVING));
  EXPECT_FALSE(end.ok());
  EXPECT_LT(took, absl::Seconds(2))
      << "Shutdown waited " << took << " for a health watch";
}

TEST(ClaimServer, ReflectionListsTheClaimService) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ServerReflectionRequest list;
  list.set_list_services("*");
  ASSERT_OK_AND_ASSIGN(ServerReflectionResponse listed,
                       Reflect(server->channel(), list));
  ASSERT_TRUE(listed.has_list_services_response()) << listed.ShortDebugString();
  std::vector<std::string> services;
  for (const auto& service : listed.list_services_response().service())
    services.push_back(service.name());
  EXPECT_THAT(services, Contains(kServiceName));

  // The descriptor is there too, so grpcurl and buf curl can call it.
  ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol(kServiceName);
  ASSERT_OK_AND_ASSIGN(ServerReflectionResponse file,
                       Reflect(server->channel(), symbol));
  ASSERT_TRUE(file.has_file_descriptor_response()) << file.ShortDebugString();
  bool found = false;
  for (const std::string& bytes :
       file.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto proto;
    ASSERT_TRUE(proto.ParseFromString(bytes));
    if (proto.package() != "claims.v1") continue;
    for (const auto& service : proto.service()) {
      if (service.name() != "ClaimService") continue;
      found = true;
      EXPECT_EQ(service.method_size(), 7);
      for (const auto& method : service.method()) {
        EXPECT_EQ(method.server_streaming(), method.name() == "WatchClaims")
            << method.name();
      }
    }
  }
  EXPECT_TRUE(found) << "no ClaimService in the reflected files";
}

TEST(ClaimServer, ShutdownIsPromptWhenIdleAndIdempotent) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ASSERT_OK(CreateClaim(server->stub(), "a", "x").status());
  absl::Time start = absl::Now();
  server->Shutdown(absl::Seconds(5));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  start = absl::Now();
  server->Shutdown(absl::Seconds(5));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_THAT(GetClaim(server->stub(), "claims/a"),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(ClaimServer, RestartKeepsTheDataAndTheRevisionCounter) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  ASSERT_OK_AND_ASSIGN(claims::v1::Claim a,
                       CreateClaim(server->stub(), "a", "x"));
  ASSERT_OK(UpdateClaimStatus(server->stub(), "claims/a",
                              claims::v1::VERIFICATION_STATUS_CONFIRMED, "s")
                .status());
  ASSERT_OK_AND_ASSIGN(claims::v1::Claim before,
                       GetClaim(server->stub(), "claims/a"));
  ASSERT_OK(server->Restart());
  EXPECT_THAT(GetClaim(server->stub(), "claims/a"),
              IsOkAndHolds(EqualsProto(before)));
  ASSERT_OK_AND_ASSIGN(claims::v1::Claim b,
                       CreateClaim(server->stub(), "b", "x"));
  EXPECT_EQ(b.revision(), 3);
  EXPECT_THAT(CheckHealth(server->channel(), kServiceName),
              IsOkAndHolds(HealthCheckResponse::SERVING));
}

TEST(ClaimServer, ASecondServerOnTheSamePortFailsLoudly) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start());
  core::WatchHub other_hub;
  api::ServerOptions options = FastServerOptions();
  options.listen_address = server->address();
  absl::StatusOr<std::unique_ptr<api::ClaimServer>> second =
      api::ClaimServer::Start(options, &server->store(), &other_hub);
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kUnavailable,
                               HasSubstr(server->address())));
  if (second.ok()) (*second)->Shutdown(absl::ZeroDuration());
  EXPECT_OK(CreateClaim(server->stub(), "still-mine", "x").status());
}

TEST(ClaimServer, RequestsOverTheSizeLimitAreRejected) {
  TestServerOptions options;
  options.server.max_receive_message_bytes = 64 << 10;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                       TestServer::Start(options));
  claims::v1::CreateClaimRequest request;
  request.set_claim_id("big");
  request.mutable_claim()->set_statement("x");
  for (int i = 0; i < 40; ++i) {
    claims::v1::Evidence* evidence = request.mutable_claim()->add_evidence();
    evidence->set_source("s");
    evidence->set_quote(std::string(4000, 'q'));
  }
  EXPECT_THAT(CreateClaim(server->stub(), request),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_OK(CreateClaim(server->stub(), "small", "x").status());
}

}  // namespace
}  // namespace claimd::testing
