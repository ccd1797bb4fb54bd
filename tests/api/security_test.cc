// Transport security and authorization against a real server: TLS and mutual
// TLS with certificates made by openssl at test time, and every method called
// by every kind of caller (table-driven), plus the actor stamp and the watcher
// quota.
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/auth/authenticator.h"
#include "service/auth/sha256.h"
#include "tests/api/test_server.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/credential_lines.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_pki.h"

namespace claimd::testing {
namespace {

namespace v1 = ::claims::v1;
using ::testing::HasSubstr;

std::shared_ptr<grpc::Channel> SecureChannel(const std::string& address,
                                             const TestPki& pki,
                                             const KeyPairFiles* client) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileOrEmpty(pki.ca_cert);
  if (client != nullptr) {
    ssl.pem_cert_chain = ReadFileOrEmpty(client->cert);
    ssl.pem_private_key = ReadFileOrEmpty(client->key);
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
}

std::shared_ptr<grpc::Channel> PlainChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

// A server with TLS (and, with `mutual`, client certificates required) and,
// when `credentials` is not empty, that credentials file.
class SecureServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(pki_,
                         TestPki::Create(dir_.path(), {"alice", "wendy"}));
  }

  void StartServer(bool tls, bool mutual, const std::string& credentials) {
    TestServerOptions options;
    if (tls) {
      api::TlsFiles files{.cert = pki_.server.cert, .key = pki_.server.key};
      if (mutual) files.client_ca = pki_.ca_cert;
      ASSERT_OK_AND_ASSIGN(options.server.credentials,
                           api::MakeServerCredentials(files));
    }
    if (!credentials.empty()) {
      std::ofstream(dir_.File("credentials")) << credentials;
      ASSERT_OK_AND_ASSIGN(authenticator_, auth::Authenticator::FromFile(
                                               dir_.File("credentials")));
      options.server.authenticator = authenticator_.get();
    }
    options.server.max_watchers_per_identity = 2;
    ASSERT_OK_AND_ASSIGN(server_, TestServer::Start(options));
  }

  absl::Status Probe(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = v1::ClaimService::NewStub(channel);
    return ListClaims(*stub, v1::ListClaimsRequest()).status();
  }

  TempDir dir_;
  TestPki pki_;
  std::unique_ptr<auth::Authenticator> authenticator_;  // outlives server_
  std::unique_ptr<TestServer> server_;
};

TEST_F(SecureServerTest, PlaintextClientCannotTalkToATlsServer) {
  StartServer(/*tls=*/true, /*mutual=*/false, "");
  EXPECT_THAT(Probe(PlainChannel(server_->address())),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_OK(Probe(SecureChannel(server_->address(), pki_, nullptr)));
}

TEST_F(SecureServerTest, TlsClientMustTrustTheServersCa) {
  StartServer(/*tls=*/true, /*mutual=*/false, "");
  TestPki other = pki_;
  other.ca_cert = pki_.rogue_client.cert;  // not the server's issuer
  EXPECT_THAT(Probe(SecureChannel(server_->address(), other, nullptr)),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(SecureServerTest, MutualTlsRefusesClientsWithoutATrustedCertificate) {
  StartServer(/*tls=*/true, /*mutual=*/true, "");
  EXPECT_THAT(Probe(SecureChannel(server_->address(), pki_, nullptr)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(
      Probe(SecureChannel(server_->address(), pki_, &pki_.rogue_client)),
      StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Probe(PlainChannel(server_->address())),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_OK(
      Probe(SecureChannel(server_->address(), pki_, &pki_.Client("alice"))));
}

TEST_F(SecureServerTest, CertificateCommonNameIsTheIdentityAndTheActor) {
  StartServer(/*tls=*/true, /*mutual=*/true,
              "cert wendy writer\ncert alice reader\n");
  auto wendy = v1::ClaimService::NewStub(
      SecureChannel(server_->address(), pki_, &pki_.Client("wendy")));
  v1::CreateClaimRequest create;
  create.set_claim_id("c1");
  create.mutable_claim()->set_statement("The river is dry");
  v1::Evidence* evidence = create.mutable_claim()->add_evidence();
  evidence->set_source("Agency");
  evidence->set_actor("someone-else");
  ASSERT_OK_AND_ASSIGN(v1::Claim created, CreateClaim(*wendy, create));
  EXPECT_EQ(created.evidence(0).actor(), "wendy");
  auto alice = v1::ClaimService::NewStub(
      SecureChannel(server_->address(), pki_, &pki_.Client("alice")));
  EXPECT_OK(GetClaim(*alice, "claims/c1").status());
  EXPECT_THAT(
      UpdateClaimStatus(*alice, "claims/c1", v1::VERIFICATION_STATUS_CONFIRMED,
                        "Agency"),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("alice")));
}

// ---- every method x every kind of caller ----------------------------------

constexpr char kReaderToken[] = "reader-secret";
constexpr char kWriterToken[] = "writer-secret";
constexpr char kAdminToken[] = "admin-secret";

struct Caller {
  const char* name;
  std::optional<std::string> authorization;  // header value
  int level;  // 0 none/bad, 1 reader, 2 writer, 3 admin
};

const std::vector<Caller>& Callers() {
  static const auto* callers = new std::vector<Caller>{
      {"no credentials", std::nullopt, 0},
      {"unknown token", "Bearer not-a-token", 0},
      {"malformed header", std::string("Basic ") + kAdminToken, 0},
      {"hash instead of token", "Bearer " + auth::Sha256Hex(kAdminToken), 0},
      {"reader", std::string("Bearer ") + kReaderToken, 1},
      {"writer", std::string("Bearer ") + kWriterToken, 2},
      {"admin", std::string("Bearer ") + kAdminToken, 3},
  };
  return *callers;
}

// One method: the role it needs, how to call it on a claim, and the code an
// allowed caller gets for an existing and for a missing claim.
struct Method {
  const char* name;
  int needs;
  std::function<grpc::Status(v1::ClaimService::Stub&, grpc::ClientContext*,
                             const std::string& claim_id)>
      call;
  grpc::StatusCode allowed_existing;
  grpc::StatusCode allowed_missing;
};

grpc::Status Watch(v1::ClaimService::Stub& stub, grpc::ClientContext* context,
                   const std::string& /*claim_id*/) {
  v1::WatchClaimsRequest request;
  auto reader = stub.WatchClaims(context, request);
  v1::WatchClaimsResponse response;
  if (reader->Read(&response)) {
    context->TryCancel();  // a first message means the watch was admitted
    reader->Finish().ok();
    return grpc::Status::OK;
  }
  return reader->Finish();
}

const std::vector<Method>& Methods() {
  using grpc::StatusCode;
  static const auto* methods = new std::vector<Method>{
      {"GetClaim", 1,
       [](auto& stub, auto* context, const std::string& id) {
         v1::GetClaimRequest request;
         request.set_name("claims/" + id);
         v1::Claim response;
         return stub.GetClaim(context, request, &response);
       },
       StatusCode::OK, StatusCode::NOT_FOUND},
      {"ListClaims", 1,
       [](auto& stub, auto* context, const std::string& id) {
         v1::ListClaimsRequest request;
         request.set_filter(absl::StrCat("name = \"claims/", id, "\""));
         v1::ListClaimsResponse response;
         return stub.ListClaims(context, request, &response);
       },
       StatusCode::OK, StatusCode::OK},
      {"ListClaimEvents", 1,
       [](auto& stub, auto* context, const std::string& id) {
         v1::ListClaimEventsRequest request;
         request.set_parent("claims/" + id);
         v1::ListClaimEventsResponse response;
         return stub.ListClaimEvents(context, request, &response);
       },
       StatusCode::OK, StatusCode::NOT_FOUND},
      {"WatchClaims", 1, Watch, StatusCode::OK, StatusCode::OK},
      {"CreateClaim", 2,
       [](auto& stub, auto* context, const std::string& id) {
         v1::CreateClaimRequest request;
         request.set_claim_id(id);
         request.mutable_claim()->set_statement("created in the table test");
         v1::Claim response;
         return stub.CreateClaim(context, request, &response);
       },
       StatusCode::ALREADY_EXISTS, StatusCode::OK},
      {"UpdateClaimStatus", 2,
       [](auto& stub, auto* context, const std::string& id) {
         v1::UpdateClaimStatusRequest request;
         request.set_name("claims/" + id);
         request.set_status(v1::VERIFICATION_STATUS_CONFIRMED);
         request.mutable_evidence()->set_source("Agency");
         v1::Claim response;
         return stub.UpdateClaimStatus(context, request, &response);
       },
       StatusCode::OK, StatusCode::NOT_FOUND},
      {"DeleteClaim", 3,
       [](auto& stub, auto* context, const std::string& id) {
         v1::DeleteClaimRequest request;
         request.set_name("claims/" + id);
         google::protobuf::Empty response;
         return stub.DeleteClaim(context, request, &response);
       },
       StatusCode::OK, StatusCode::NOT_FOUND},
  };
  return *methods;
}

TEST_F(SecureServerTest, EveryMethodAllowsExactlyTheRolesItShould) {
  StartServer(/*tls=*/false, /*mutual=*/false,
              TokenLine(kReaderToken, "rita", "reader") +
                  TokenLine(kWriterToken, "wendy", "writer") +
                  TokenLine(kAdminToken, "ada", "admin"));
  auto admin_stub = server_->NewStub();
  int next_claim = 0;
  for (const Method& method : Methods()) {
    for (const Caller& caller : Callers()) {
      for (bool exists : {true, false}) {
        SCOPED_TRACE(absl::StrCat(method.name, " by ", caller.name, " on ",
                                  exists ? "an existing" : "a missing",
                                  " claim"));
        const std::string id = absl::StrCat("t", next_claim++);
        if (exists) {
          grpc::ClientContext context;
          context.AddMetadata("authorization",
                              std::string("Bearer ") + kAdminToken);
          v1::CreateClaimRequest create;
          create.set_claim_id(id);
          create.mutable_claim()->set_statement("exists");
          v1::Claim created;
          ASSERT_TRUE(admin_stub->CreateClaim(&context, create, &created).ok());
        }
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
        if (caller.authorization.has_value()) {
          context.AddMetadata("authorization", *caller.authorization);
        }
        grpc::Status status = method.call(*admin_stub, &context, id);
        grpc::StatusCode expected =
            caller.level == 0 ? grpc::StatusCode::UNAUTHENTICATED
            : caller.level < method.needs
                ? grpc::StatusCode::PERMISSION_DENIED
                : (exists ? method.allowed_existing : method.allowed_missing);
        EXPECT_EQ(status.error_code(), expected) << status.error_message();
      }
    }
  }
}

TEST_F(SecureServerTest, AuthenticatedIdentityIsRecordedAsTheActor) {
  StartServer(/*tls=*/false, /*mutual=*/false,
              TokenLine(kWriterToken, "wendy", "writer"));
  auto stub = server_->NewStub();
  grpc::ClientContext create_context;
  create_context.AddMetadata("authorization",
                             std::string("Bearer ") + kWriterToken);
  v1::CreateClaimRequest create;
  create.set_claim_id("a");
  create.mutable_claim()->set_statement("s");
  create.mutable_claim()->add_evidence()->set_actor("mallory");
  v1::Claim claim;
  ASSERT_TRUE(stub->CreateClaim(&create_context, create, &claim).ok());
  grpc::ClientContext update_context;
  update_context.AddMetadata("authorization",
                             std::string("Bearer ") + kWriterToken);
  v1::UpdateClaimStatusRequest update;
  update.set_name("claims/a");
  update.set_status(v1::VERIFICATION_STATUS_DENIED);
  update.mutable_evidence()->set_source("Agency");
  update.mutable_evidence()->set_actor("mallory");
  ASSERT_TRUE(stub->UpdateClaimStatus(&update_context, update, &claim).ok());
  ASSERT_EQ(claim.evidence_size(), 2);
  EXPECT_EQ(claim.evidence(0).actor(), "wendy");
  EXPECT_EQ(claim.evidence(1).actor(), "wendy");
}

TEST_F(SecureServerTest, WatchersBeyondTheIdentitysQuotaAreResourceExhausted) {
  StartServer(/*tls=*/false, /*mutual=*/false,
              TokenLine(kReaderToken, "rita", "reader") +
                  TokenLine(kAdminToken, "ada", "admin"));
  auto stub = server_->NewStub();
  auto open = [&](const char* token, grpc::ClientContext* context)
      -> std::unique_ptr<grpc::ClientReader<v1::WatchClaimsResponse>> {
    context->AddMetadata("authorization", std::string("Bearer ") + token);
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return stub->WatchClaims(context, v1::WatchClaimsRequest());
  };
  grpc::ClientContext c1, c2, c3, c4;
  auto w1 = open(kReaderToken, &c1);
  auto w2 = open(kReaderToken, &c2);
  v1::WatchClaimsResponse response;
  ASSERT_TRUE(w1->Read(&response));
  ASSERT_TRUE(w2->Read(&response));
  auto w3 = open(kReaderToken, &c3);
  EXPECT_FALSE(w3->Read(&response));
  grpc::Status refused = w3->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();
  auto other = open(kAdminToken, &c4);  // another identity has its own share
  EXPECT_TRUE(other->Read(&response));
  c1.TryCancel();
  w1->Finish().ok();
  // The slot is freed when the server is done with the stream, shortly after.
  bool admitted = false;
  for (int attempt = 0; attempt < 100 && !admitted; ++attempt) {
    grpc::ClientContext retry;
    auto w = open(kReaderToken, &retry);
    admitted = w->Read(&response);
    retry.TryCancel();
    w->Finish().ok();
    if (!admitted) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(admitted);
  c2.TryCancel();
  w2->Finish().ok();
  c4.TryCancel();
  other->Finish().ok();
}

}  // namespace
}  // namespace claimd::testing
