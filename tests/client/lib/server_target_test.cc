// What users write for --server, as the gRPC targets whose resolvers give
// the channel every replica.
#include "claimd/client/server_target.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace claimd::client {
namespace {

using ::claimd::testing::StatusIs;
using ::testing::HasSubstr;

std::string TargetOf(absl::string_view server) {
  absl::StatusOr<Target> target = ServerTarget(server);
  return target.ok() ? target->target : std::string(target.status().message());
}

TEST(ServerTarget, OneAddress) {
  EXPECT_EQ(TargetOf("127.0.0.1:7000"), "ipv4:127.0.0.1:7000");
  EXPECT_EQ(TargetOf("db1:7000"), "dns:///db1:7000");
  EXPECT_EQ(TargetOf("[::1]:7000"), "ipv6:[::1]:7000");
}

TEST(ServerTarget, APortLeftOutIs50051) {
  EXPECT_EQ(TargetOf("db1"), "dns:///db1:50051");
  EXPECT_EQ(TargetOf("127.0.0.1"), "ipv4:127.0.0.1:50051");
  EXPECT_EQ(TargetOf("::1"), "ipv6:[::1]:50051");
}

TEST(ServerTarget, SeveralAddressesAreOneTargetForFailover) {
  EXPECT_EQ(TargetOf("127.0.0.1:1,127.0.0.2:2"),
            "ipv4:127.0.0.1:1,127.0.0.2:2");
  EXPECT_EQ(TargetOf(" 127.0.0.1:1 , 127.0.0.1 "),
            "ipv4:127.0.0.1:1,127.0.0.1:50051");
  EXPECT_EQ(TargetOf("[::1]:1,[::1]:2"), "ipv6:[::1]:1,[::1]:2");
}

TEST(ServerTarget, HttpSchemesAreAccepted) {
  EXPECT_EQ(TargetOf("http://db1:8080"), "dns:///db1:8080");
  EXPECT_EQ(TargetOf("http://db1:8080/"), "dns:///db1:8080");
  absl::StatusOr<Target> https = ServerTarget("https://db1:443");
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(https->target, "dns:///db1:443");
  EXPECT_TRUE(https->tls);
  EXPECT_FALSE(ServerTarget("db1")->tls);
}

// Found by an outside check: "http://a:1,http://b:2" said the second
// address "has a path".
TEST(ServerTarget, EachAddressOfAListMayRepeatItsScheme) {
  EXPECT_EQ(TargetOf("http://127.0.0.1:1,http://127.0.0.2:2/"),
            "ipv4:127.0.0.1:1,127.0.0.2:2");
  absl::StatusOr<Target> tls =
      ServerTarget("https://127.0.0.1:1, https://127.0.0.2:2");
  ASSERT_OK(tls);
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->target, "ipv4:127.0.0.1:1,127.0.0.2:2");
  EXPECT_THAT(ServerTarget("https://127.0.0.1:1,http://127.0.0.2:2"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mixes http:// and https://")));
  EXPECT_THAT(ServerTarget("127.0.0.1:1,https://127.0.0.2:2"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mixes http:// and https://")));
}

TEST(ServerTarget, GrpcTargetsPassThrough) {
  EXPECT_EQ(TargetOf("dns:///claimd.prod:50051"), "dns:///claimd.prod:50051");
  EXPECT_EQ(TargetOf("ipv4:10.0.0.1:1,10.0.0.2:1"),
            "ipv4:10.0.0.1:1,10.0.0.2:1");
  EXPECT_EQ(TargetOf("unix:/run/claimd.sock"), "unix:/run/claimd.sock");
}

TEST(ServerTarget, NonsenseIsAnError) {
  EXPECT_THAT(ServerTarget(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ServerTarget("db1:0"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("port \"0\" is not 1..65535")));
  EXPECT_THAT(ServerTarget("db1:http"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ServerTarget("ftp://db1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("scheme \"ftp\"")));
  EXPECT_THAT(
      ServerTarget("http://db1:80/api"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has a path")));
  EXPECT_THAT(ServerTarget("db1:1,db2:1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("one DNS name with several records")));
  EXPECT_THAT(ServerTarget("127.0.0.1:1,[::1]:1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mixes IPv4 and IPv6")));
  EXPECT_THAT(ServerTarget("[::1:1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace claimd::client
