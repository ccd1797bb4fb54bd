// claimd's security flags end to end: claimctl over mutual TLS with a bearer
// token (flags and CLAIMCTL_* variables), the credentials file reloaded on
// SIGHUP (a bad file keeps the old one; a removed token's open watch ends), and
// plaintext refused on a non-loopback address.
#include <signal.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "claims/v1/claims.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/auth/sha256.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/testing/credential_lines.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_pki.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::TestPki;
using ::claimd::testing::TokenLine;
using ::testing::HasSubstr;

class SecurityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(pki_, TestPki::Create(dir_.path(), {"alice"}));
  }

  void WriteCredentials(const std::string& text) {
    std::ofstream(dir_.File("credentials"), std::ios::trunc) << text;
  }

  // Starts claimd with `flags` on a free port; waits (bounded) until claimctl
  // with `ctl_flags` can list.
  void StartClaimd(const std::vector<std::string>& flags,
                   const std::vector<std::string>& ctl_flags) {
    ASSERT_OK_AND_ASSIGN(port_, PickFreePort());
    std::vector<std::string> args = flags;
    args.push_back(absl::StrCat("--listen=127.0.0.1:", port_));
    args.push_back("--data_dir=" + dir_.File("data"));
    args.push_back("--metrics_listen=");  // many claimd run at once in tests
    ASSERT_OK_AND_ASSIGN(
        claimd_, Process::Start(ClaimdBinary(), args, dir_.File("claimd.out"),
                                dir_.File("claimd.err")));
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::vector<std::string> list = ctl_flags;
      list.push_back("list");
      if (Ctl(list).exit.Success()) return;
      ASSERT_TRUE(claimd_->Running()) << ReadFile(dir_.File("claimd.err"));
      absl::SleepFor(absl::Milliseconds(100));
    }
    FAIL() << "claimd did not serve: " << ReadFile(dir_.File("claimd.err"));
  }

  // claimctl --server <claimd> args..., with `env` ("NAME=value") set.
  CommandResult Ctl(std::vector<std::string> args,
                    const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), {"--server", absl::StrCat("127.0.0.1:", port_),
                               "--timeout", "3s"});
    std::vector<std::string> command = env;
    command.push_back(ClaimctlBinary());
    command.insert(command.end(), args.begin(), args.end());
    return RunCommand("/usr/bin/env", command, dir_.path());
  }

  claimd::testing::TempDir dir_;
  TestPki pki_;
  int port_ = 0;
  std::unique_ptr<Process> claimd_;
};

TEST_F(SecurityE2eTest, ClaimctlOverMutualTlsWithCertificateAndToken) {
  WriteCredentials(TokenLine("ops-secret", "ops", "admin") +
                   "cert alice reader\n");
  const std::vector<std::string> tls = {"--cacert", pki_.ca_cert,
                                        "--cert",   pki_.Client("alice").cert,
                                        "--key",    pki_.Client("alice").key};
  ASSERT_NO_FATAL_FAILURE(StartClaimd(
      {"--tls_cert=" + pki_.server.cert, "--tls_key=" + pki_.server.key,
       "--tls_client_ca=" + pki_.ca_cert,
       "--auth_tokens=" + dir_.File("credentials")},
      tls));

  // alice's certificate makes her a reader: she may list, not create.
  std::vector<std::string> create = tls;
  create.insert(create.end(), {"create", "Dams burst", "--id", "dams",
                               "--source", "Agency", "--actor", "mallory"});
  CommandResult denied = Ctl(create);
  EXPECT_EQ(denied.exit.code, 1) << denied.Describe();
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));

  // The token (from the environment) outranks the certificate.
  CommandResult created =
      Ctl({"--cacert", pki_.ca_cert, "create", "Dams burst", "--id", "dams",
           "--source", "Agency", "--actor", "mallory"},
          {"CLAIMCTL_CERT=" + pki_.Client("alice").cert,
           "CLAIMCTL_KEY=" + pki_.Client("alice").key,
           "CLAIMCTL_TOKEN=ops-secret"});
  EXPECT_TRUE(created.exit.Success()) << created.Describe();
  std::vector<std::string> history = tls;
  history.insert(history.end(), {"history", "dams", "-o", "json"});
  CommandResult events = Ctl(history);
  EXPECT_TRUE(events.exit.Success()) << events.Describe();
  EXPECT_THAT(events.out, HasSubstr("\"actor\":\"ops\""));
  EXPECT_THAT(events.out, ::testing::Not(HasSubstr("mallory")));

  // Without a client certificate, or without TLS, nothing gets through.
  CommandResult no_cert = Ctl({"--cacert", pki_.ca_cert, "list"});
  EXPECT_EQ(no_cert.exit.code, 5) << no_cert.Describe();
  CommandResult plaintext = Ctl({"--token", "ops-secret", "list"});
  EXPECT_EQ(plaintext.exit.code, 5) << plaintext.Describe();
}

TEST_F(SecurityE2eTest, SighupReloadsTheCredentialsAndABadFileKeepsThem) {
  WriteCredentials(TokenLine("old-secret", "olga", "reader"));
  ASSERT_NO_FATAL_FAILURE(
      StartClaimd({"--auth_tokens=" + dir_.File("credentials")},
                  {"--token", "old-secret"}));
  CommandResult anonymous = Ctl({"list"});
  EXPECT_EQ(anonymous.exit.code, 1) << anonymous.Describe();
  EXPECT_THAT(anonymous.err, HasSubstr("UNAUTHENTICATED"));
  // A watch opened with the token the reload removes.
  auto stub = claims::v1::ClaimService::NewStub(
      NewLoopbackChannel(absl::StrCat("127.0.0.1:", port_)));
  grpc::ClientContext watch_context;
  watch_context.AddMetadata("authorization", "Bearer old-secret");
  watch_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto watch =
      stub->WatchClaims(&watch_context, claims::v1::WatchClaimsRequest());
  claims::v1::WatchClaimsResponse response;
  ASSERT_TRUE(watch->Read(&response));

  WriteCredentials(TokenLine("new-secret", "nina", "reader"));
  ASSERT_TRUE(claimd_->Signal(SIGHUP));
  bool reloaded = false;
  for (int attempt = 0; attempt < 100 && !reloaded; ++attempt) {
    reloaded = Ctl({"--token", "new-secret", "list"}).exit.Success();
    if (!reloaded) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(reloaded) << ReadFile(dir_.File("claimd.err"));
  EXPECT_EQ(Ctl({"--token", "old-secret", "list"}).exit.code, 1);
  // The reload also ended the watch the removed token had open.
  while (watch->Read(&response)) {
    EXPECT_EQ(response.events_size(), 0);
  }
  grpc::Status ended = watch->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << ended.error_message();

  WriteCredentials("token this-is-not-a-hash nina reader\n");
  ASSERT_TRUE(claimd_->Signal(SIGHUP));
  bool logged = false;
  for (int attempt = 0; attempt < 100 && !logged; ++attempt) {
    logged = absl::StrContains(ReadFile(dir_.File("claimd.err")),
                               "keeping the previous credentials");
    if (!logged) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(logged) << ReadFile(dir_.File("claimd.err"));
  CommandResult still = Ctl({"--token", "new-secret", "list"});
  EXPECT_TRUE(still.exit.Success()) << still.Describe();
  EXPECT_TRUE(claimd_->Running());
}

TEST_F(SecurityE2eTest, PlaintextOnANonLoopbackAddressNeedsInsecure) {
  CommandResult refused =
      RunCommand(ClaimdBinary(),
                 {"--listen=0.0.0.0:1", "--data_dir=" + dir_.File("data"),
                  "--metrics_listen="},
                 dir_.path());
  EXPECT_EQ(refused.exit.code, 2) << refused.Describe();
  EXPECT_THAT(refused.err, HasSubstr("--insecure"));
}

TEST_F(SecurityE2eTest, HashTokenPrintsTheCredentialsLine) {
  std::ofstream(dir_.File("token")) << "s3cret\n";
  CommandResult hashed = RunCommand(
      "/bin/sh",
      {"-c",
       absl::StrCat(ClaimdBinary(), " --hash_token < ", dir_.File("token"))},
      dir_.path());
  EXPECT_TRUE(hashed.exit.Success()) << hashed.Describe();
  EXPECT_THAT(hashed.out,
              HasSubstr("token sha256:" + auth::Sha256Hex("s3cret") + " "));
}

}  // namespace
}  // namespace claimd::e2e
