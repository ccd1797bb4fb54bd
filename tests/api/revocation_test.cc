// Who a long call is, after admission: a credentials reload ends the open
// watches of callers it removed (UNAUTHENTICATED) while the others go on; a
// role lowered below what a call needs ends it with PERMISSION_DENIED. Also
// what identity decides elsewhere: a certificate with two common names is
// refused, a DELETED event names the admin who deleted, request_ids are scoped
// to their caller, and bad bytes are refused before credentials are looked at
// (gRPC 1.51 parses first). Real server, real TLS certificates and tokens.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/api/call_gate.h"
#include "service/api/stream_registry.h"
#include "service/auth/authenticator.h"
#include "service/auth/watcher_quota.h"
#include "tests/api/test_server.h"
#include "tests/api/watch_stream.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/credential_lines.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_pki.h"

namespace claimd::testing {
namespace {

namespace v1 = ::claims::v1;
using ::testing::HasSubstr;

// Two common names in one subject (a multi-valued RDN): gRPC reports only one
// of them.
constexpr char kTwoNames[] = "dashboard+CN=opsadmin";

class RevocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        pki_, TestPki::Create(dir_.path(), {"alice", "wendy", kTwoNames}));
  }

  void WriteCredentials(const std::string& text) {
    std::ofstream(dir_.File("credentials"), std::ios::trunc) << text;
  }

  // Mutual TLS and the credentials written so far.
  void StartServer() {
    TestServerOptions options;
    ASSERT_OK_AND_ASSIGN(
        options.server.credentials,
        api::MakeServerCredentials(api::TlsFiles{.cert = pki_.server.cert,
                                                 .key = pki_.server.key,
                                                 .client_ca = pki_.ca_cert}));
    ASSERT_OK_AND_ASSIGN(authenticator_, auth::Authenticator::FromFile(
                                             dir_.File("credentials")));
    options.server.authenticator = authenticator_.get();
    ASSERT_OK_AND_ASSIGN(server_, TestServer::Start(options));
  }

  // A stub on a connection of its own with `cert_name`'s client certificate
  // and, when `token` is not empty, that bearer token on every call.
  std::unique_ptr<v1::ClaimService::Stub> Stub(const std::string& cert_name,
                                               const std::string& token = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFileOrEmpty(pki_.ca_cert);
    ssl.pem_cert_chain = ReadFileOrEmpty(pki_.Client(cert_name).cert);
    ssl.pem_private_key = ReadFileOrEmpty(pki_.Client(cert_name).key);
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        grpc::SslCredentials(ssl);
    if (!token.empty()) {
      credentials = grpc::CompositeChannelCredentials(
          credentials, grpc::AccessTokenCredentials(token));
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return v1::ClaimService::NewStub(
        grpc::CreateCustomChannel(server_->address(), credentials, args));
  }

  TempDir dir_;
  TestPki pki_;
  std::unique_ptr<auth::Authenticator> authenticator_;  // outlives server_
  std::unique_ptr<TestServer> server_;
};

TEST_F(RevocationTest, ReloadEndsTheWatchesOfRemovedCredentials) {
  WriteCredentials(TokenLine("rita-secret", "rita", "reader") +
                   TokenLine("wes-secret", "wes", "writer") +
                   "cert alice reader\ncert wendy writer\n");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto rita = Stub("wendy", "rita-secret");  // the token decides
  auto wes = Stub("wendy", "wes-secret");
  auto alice = Stub("alice");
  auto wendy = Stub("wendy");
  WatchStream rita_watch(*rita, WatchFrom(0));
  WatchStream wes_watch(*wes, WatchFrom(0));
  WatchStream alice_watch(*alice, WatchFrom(0));
  WatchStream wendy_watch(*wendy, WatchFrom(0));
  // Each has its first (progress) message: admitted and registered.
  for (WatchStream* watch :
       {&rita_watch, &wes_watch, &alice_watch, &wendy_watch}) {
    ASSERT_TRUE(watch->Next().has_value());
  }

  // rita's token and alice's certificate are gone; wes is only a reader now,
  // which still may watch.
  WriteCredentials(TokenLine("wes-secret", "wes", "reader") +
                   "cert wendy writer\n");
  ASSERT_OK(authenticator_->Reload());

  ASSERT_OK(
      CreateClaim(*wendy, "after-reload", "Written after the reload").status());
  for (WatchStream* revoked : {&rita_watch, &alice_watch}) {
    std::optional<grpc::Status> ended = revoked->WaitForEnd();
    ASSERT_TRUE(ended.has_value());
    EXPECT_EQ(ended->error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << ended->error_message();
    // Nothing written after the reload reached it.
    while (std::optional<v1::WatchClaimsResponse> response =
               revoked->Next(absl::ZeroDuration())) {
      EXPECT_EQ(response->events_size(), 0) << response->DebugString();
    }
  }
  for (WatchStream* kept : {&wes_watch, &wendy_watch}) {
    std::vector<v1::ClaimEvent> events;
    ASSERT_TRUE(kept->ReadThrough(1, &events));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].claim().name(), "claims/after-reload");
    EXPECT_FALSE(kept->ended());
  }
  // New calls with the removed credentials are refused as before.
  EXPECT_THAT(GetClaim(*rita, "claims/after-reload").status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// A stream that a reload does not reach directly: one whose method needs more
// than the caller's new role.
class RecordingStream : public api::StreamRegistry::Stream {
 public:
  void Revoke(absl::Status status) override { revoked = std::move(status); }
  absl::Status revoked;
};

TEST_F(RevocationTest, ARoleLoweredBelowTheMethodsNeedIsPermissionDenied) {
  WriteCredentials(TokenLine("ada-secret", "ada", "admin") +
                   TokenLine("olga-secret", "olga", "admin"));
  ASSERT_OK_AND_ASSIGN(authenticator_,
                       auth::Authenticator::FromFile(dir_.File("credentials")));
  auth::WatcherQuota quota(0, 0);
  api::CallGate gate(authenticator_.get(), &quota);
  api::StreamRegistry registry(&gate);
  auto ada_stream = std::make_shared<RecordingStream>();
  auto olga_stream = std::make_shared<RecordingStream>();
  auto register_stream = [&](const std::string& identity,
                             const std::string& token,
                             const std::shared_ptr<RecordingStream>& stream) {
    return registry.Add(api::Caller{.identity = identity,
                                    .authenticated = true,
                                    .authorization = "Bearer " + token},
                        "/claims.v1.ClaimService/DeleteClaim", stream);
  };
  auto ada = register_stream("ada", "ada-secret", ada_stream);
  auto olga = register_stream("olga", "olga-secret", olga_stream);

  WriteCredentials(TokenLine("ada-secret", "ada", "writer") +
                   TokenLine("olga-secret", "olga", "admin"));
  ASSERT_OK(authenticator_->Reload());  // runs the registry's listener
  EXPECT_THAT(ada_stream->revoked, StatusIs(absl::StatusCode::kPermissionDenied,
                                            HasSubstr("needs admin")));
  EXPECT_OK(olga_stream->revoked);

  // A token handed to someone else is not the caller the stream was opened
  // by.
  WriteCredentials(TokenLine("olga-secret", "oscar", "admin"));
  ASSERT_OK(authenticator_->Reload());
  EXPECT_THAT(olga_stream->revoked, StatusIs(absl::StatusCode::kUnauthenticated,
                                             HasSubstr("reassigned")));
}

TEST_F(RevocationTest, ACertificateWithTwoCommonNamesIsRefused) {
  WriteCredentials("cert opsadmin admin\ncert dashboard reader\n");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  // Whichever name gRPC would report, the certificate is ambiguous.
  EXPECT_THAT(ListClaims(*Stub(kTwoNames), v1::ListClaimsRequest()).status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("2 common names")));
  EXPECT_THAT(DeleteClaim(*Stub(kTwoNames), "claims/anything"),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(RevocationTest, TheDeletedEventNamesTheAdminWhoDeleted) {
  WriteCredentials(TokenLine("ada-secret", "ada", "admin") +
                   "cert wendy writer\n");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto wendy = Stub("wendy");
  auto ada = Stub("alice", "ada-secret");
  ASSERT_OK(CreateClaim(*wendy, "doomed", "Soon gone").status());
  ASSERT_OK(DeleteClaim(*ada, "claims/doomed"));
  v1::ListClaimEventsRequest request;
  request.set_parent("claims/doomed");
  ASSERT_OK_AND_ASSIGN(v1::ListClaimEventsResponse events,
                       ListClaimEvents(*wendy, request));
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(1).type(), v1::EVENT_TYPE_DELETED);
  EXPECT_EQ(events.events(1).actor(), "ada");
  // The last evidence was wendy's; the event does not borrow it.
  EXPECT_EQ(events.events(0).actor(), "");
  // The actor is stored with the event, not recomputed: it survives a restart.
  ASSERT_OK(server_->Restart());
  ASSERT_OK_AND_ASSIGN(events, ListClaimEvents(*Stub("wendy"), request));
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(1).actor(), "ada");
}

TEST_F(RevocationTest, RequestIdsAreScopedToTheirCaller) {
  WriteCredentials(TokenLine("wes-secret", "wes", "writer") +
                   TokenLine("mallory-secret", "mallory", "writer"));
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto wes = Stub("wendy", "wes-secret");
  auto mallory = Stub("wendy", "mallory-secret");
  auto create = [](const std::string& id, const std::string& request_id) {
    v1::CreateClaimRequest request;
    request.set_claim_id(id);
    request.mutable_claim()->set_statement("statement of " + id);
    request.set_request_id(request_id);
    return request;
  };
  // mallory takes the id wes is about to use, with a different request.
  ASSERT_OK(CreateClaim(*mallory, create("m1", "import:batch:1")).status());
  // wes's request is applied, not refused as a reuse ...
  ASSERT_OK_AND_ASSIGN(v1::Claim first,
                       CreateClaim(*wes, create("w1", "import:batch:1")));
  EXPECT_EQ(first.name(), "claims/w1");
  // ... and each caller's retry replays its own result.
  ASSERT_OK_AND_ASSIGN(v1::Claim retried,
                       CreateClaim(*wes, create("w1", "import:batch:1")));
  EXPECT_EQ(retried.revision(), first.revision());
  EXPECT_THAT(CreateClaim(*mallory, create("w1", "import:batch:1")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("different request")));
  // Reuse for a different request within one caller is still refused.
  EXPECT_THAT(CreateClaim(*wes, create("w2", "import:batch:1")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// gRPC 1.51's callback API parses the request before any handler (and so
// before claimd looks at credentials) runs: README says so, and this is it.
TEST_F(RevocationTest, BadBytesAreRefusedBeforeCredentialsAreLookedAt) {
  WriteCredentials("cert wendy reader\n");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileOrEmpty(pki_.ca_cert);
  ssl.pem_cert_chain = ReadFileOrEmpty(pki_.Client("alice").cert);
  ssl.pem_private_key = ReadFileOrEmpty(pki_.Client("alice").key);
  const std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(server_->address(), grpc::SslCredentials(ssl));
  auto call = [&](const std::string& bytes) {
    return CallWithRawRequest(*channel, "/claims.v1.ClaimService/GetClaim",
                              bytes);
  };
  // alice's certificate is valid but not in the credentials file.
  v1::GetClaimRequest valid;
  valid.set_name("claims/x");
  EXPECT_EQ(call(valid.SerializeAsString()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Field 1 (name) as a string that is not UTF-8: unparsable.
  const std::string invalid_utf8 = std::string("\x0a\x02\xc3\x28", 4);
  grpc::Status bad = call(invalid_utf8);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << bad.error_message();
  EXPECT_THAT(bad.error_message(), HasSubstr("could not be parsed"));
}

}  // namespace
}  // namespace claimd::testing
