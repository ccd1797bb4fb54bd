// Bad input against the real claimd binary: every kind of malformed request
// gets a clear error, the server stays up, and a claim written before is
// unchanged afterwards (same bytes, same revision).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;
using ::claimd::testing::FromGrpc;
using ::claimd::testing::GetClaim;
using ::claimd::testing::SetTimeout;

namespace v1 = ::claims::v1;
using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;

// Sends `bytes` on a fresh TCP connection to 127.0.0.1:`port`, reads what
// comes back for a moment, and closes.
void SendRaw(int port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  timeval timeout{.tv_sec = 1, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  EXPECT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
  char buffer[4096];
  while (recv(fd, buffer, sizeof(buffer), 0) > 0) {
  }
  close(fd);
}

class BadInputTest : public ::testing::Test {
 protected:
  BadInputTest() : claimd_(dir_.File("data"), dir_.path()) {}

  void SetUp() override {
    ASSERT_OK(claimd_.Start());
    stub_ = v1::ClaimService::NewStub(claimd_.NewChannel());
    ASSERT_OK_AND_ASSIGN(kept_, CreateClaim(*stub_, "kept", "Written before"));
  }

  // The claim written in SetUp is byte for byte what it was, and nothing else
  // was written.
  void ExpectUnchanged() {
    ASSERT_OK_AND_ASSIGN(v1::Claim now, GetClaim(*stub_, "claims/kept"));
    EXPECT_EQ(now.SerializeAsString(), kept_.SerializeAsString());
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(5));
    v1::ListClaimsResponse list;
    ASSERT_TRUE(
        stub_->ListClaims(&context, v1::ListClaimsRequest(), &list).ok());
    EXPECT_EQ(list.revision(), kept_.revision());
    EXPECT_EQ(list.claims_size(), 1);
  }

  absl::Status Create(const v1::CreateClaimRequest& request) {
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(10));
    v1::Claim response;
    return FromGrpc(stub_->CreateClaim(&context, request, &response));
  }

  absl::Status List(const v1::ListClaimsRequest& request,
                    v1::ListClaimsResponse* response) {
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(10));
    return FromGrpc(stub_->ListClaims(&context, request, response));
  }

  claimd::testing::TempDir dir_;
  ClaimdHarness claimd_;
  std::unique_ptr<v1::ClaimService::Stub> stub_;
  v1::Claim kept_;
};

TEST_F(BadInputTest, OversizedFieldsAndMessagesAreRefused) {
  v1::CreateClaimRequest request;
  request.mutable_claim()->set_statement(std::string(5000, 'x'));
  EXPECT_THAT(Create(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("statement")));
  request.mutable_claim()->set_statement(std::string(5 << 20, 'x'));
  EXPECT_THAT(Create(request), StatusIs(absl::StatusCode::kResourceExhausted));
  ExpectUnchanged();
}

// gRPC 1.51's callback handler answers a request it cannot parse (here: a
// proto3 string that is not UTF-8) with UNIMPLEMENTED and no message, before
// claimd's handler runs (grpcpp/impl/codegen/server_callback_handlers.h);
// claimd's call interceptor turns that into INVALID_ARGUMENT with a message.
TEST_F(BadInputTest, InvalidUtf8IsRefusedBeforeClaimdSeesIt) {
  v1::CreateClaimRequest request;
  request.set_claim_id("bad-utf8");
  request.mutable_claim()->set_statement("caf\xc3 \xff\xfe");
  EXPECT_THAT(Create(request), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("valid UTF-8")));
  ExpectUnchanged();
}

TEST_F(BadInputTest, UnknownEnumNumbersAreInvalidArgument) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(10));
  v1::UpdateClaimStatusRequest update;
  update.set_name("claims/kept");
  update.set_status(static_cast<v1::VerificationStatus>(99));
  update.mutable_evidence()->set_source("Agency");
  v1::Claim response;
  EXPECT_THAT(FromGrpc(stub_->UpdateClaimStatus(&context, update, &response)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("99")));
  v1::CreateClaimRequest create;
  create.mutable_claim()->set_statement("s");
  create.mutable_claim()->set_status(static_cast<v1::VerificationStatus>(-7));
  EXPECT_THAT(Create(create), StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectUnchanged();
}

TEST_F(BadInputTest, HugePageSizesAreClampedAndNegativeOnesRefused) {
  {
    v1::ListClaimsRequest request;
    request.set_page_size(INT_MAX);
    v1::ListClaimsResponse response;
    EXPECT_OK(List(request, &response));
    EXPECT_EQ(response.claims_size(), 1);
  }
  // AIP-158: a negative page_size is the caller's mistake.
  for (int page_size : {-1, INT_MIN}) {
    v1::ListClaimsRequest request;
    request.set_page_size(page_size);
    v1::ListClaimsResponse response;
    EXPECT_THAT(List(request, &response),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::HasSubstr("page_size")))
        << page_size;
  }
  ExpectUnchanged();
}

TEST_F(BadInputTest, MalformedFiltersAreInvalidArgument) {
  for (const std::string& filter : {
           std::string("status = "),
           std::string("status = MAYBE"),
           std::string("labels.desk = \"unterminated"),
           std::string("((((status = DENIED)"),
           std::string(5000, '('),  // nesting and length
           std::string("NOT ") + std::string(100, '-') + "status = DENIED",
       }) {
    v1::ListClaimsRequest request;
    request.set_filter(filter);
    v1::ListClaimsResponse response;
    absl::Status status = List(request, &response);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument))
        << filter.substr(0, 60);
  }
  ExpectUnchanged();
}

TEST_F(BadInputTest, GarbageBytesOnThePortDoNotHurtTheServer) {
  SendRaw(claimd_.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string garbage;
  for (int i = 0; i < 64 << 10; ++i)
    garbage.push_back(static_cast<char>(i * 131 + 7));
  SendRaw(claimd_.port(), garbage);
  // A valid HTTP/2 preface followed by nonsense frames.
  SendRaw(claimd_.port(),
          std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + garbage);
  SendRaw(claimd_.port(), "");
  EXPECT_TRUE(claimd_.running());
  ExpectUnchanged();
}

}  // namespace
}  // namespace claimd::e2e
