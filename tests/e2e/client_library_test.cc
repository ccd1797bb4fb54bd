// The client library as services use it, against real claimd processes:
// client/examples/claim_mirror (an informer) keeps a cache equal to the
// server's state across a kill -9 and restart of claimd under it, and
// claimctl fails over between two claimds named in one --server, its watch
// resuming on the second by revision.
#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "claims/v1/claims.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/process.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

#ifndef CLAIM_MIRROR_BIN
#error "CLAIM_MIRROR_BIN must be defined to the path of the example binary"
#endif

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;
using ::claimd::testing::SetTimeout;
using ::claimd::testing::UpdateClaimStatus;

namespace v1 = ::claims::v1;
using ::claimd::testing::IsOk;
using ::claimd::testing::TempDir;
using ::testing::HasSubstr;

// The server's state in claim_mirror's file format (without the revision
// line): "NAME REVISION STATUS" per claim, in name order.
std::string ServerState(v1::ClaimService::Stub& stub) {
  std::string state;
  v1::ListClaimsRequest request;
  request.set_page_size(1000);
  while (true) {
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(5));
    v1::ListClaimsResponse page;
    grpc::Status status = stub.ListClaims(&context, request, &page);
    if (!status.ok()) return "error: " + status.error_message();
    for (const v1::Claim& claim : page.claims()) {
      absl::StrAppend(&state, claim.name(), " ", claim.revision(), " ",
                      v1::VerificationStatus_Name(claim.status()), "\n");
    }
    if (page.next_page_token().empty()) return state;
    request.set_page_token(page.next_page_token());
  }
}

int64_t ServerRevision(v1::ClaimService::Stub& stub) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  v1::ListClaimsRequest request;
  request.set_page_size(1);
  v1::ListClaimsResponse page;
  return stub.ListClaims(&context, request, &page).ok() ? page.revision() : -1;
}

// Waits (bounded) until the mirror file says `revision` and holds `state`.
bool MirrorReaches(const std::string& path, int64_t revision,
                   const std::string& state, std::string* last) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  const std::string want = absl::StrCat("revision ", revision, "\n", state);
  while (absl::Now() < deadline) {
    *last = ReadFile(path);
    if (*last == want) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

TEST(ClientLibraryE2e, InformerCacheEqualsTheServerAcrossAKillAndRestart) {
  TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path());
  ASSERT_THAT(claimd.Start(), IsOk());
  auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(CreateClaim(*stub, absl::StrCat("c", i), "statement").status(),
                IsOk());
  }
  const std::string mirror = dir.File("mirror.txt");
  absl::StatusOr<std::unique_ptr<Process>> service =
      Process::Start(CLAIM_MIRROR_BIN, {claimd.address(), mirror},
                     dir.File("mirror.out"), dir.File("mirror.err"));
  ASSERT_THAT(service.status(), IsOk());
  std::string last;
  ASSERT_TRUE(
      MirrorReaches(mirror, ServerRevision(*stub), ServerState(*stub), &last))
      << last;

  claimd.KillNow();
  ASSERT_THAT(claimd.Start(claimd.port()), IsOk());
  stub = v1::ClaimService::NewStub(claimd.NewChannel());
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT(UpdateClaimStatus(*stub, absl::StrCat("claims/c", i),
                                  v1::VERIFICATION_STATUS_DENIED, "desk")
                    .status(),
                IsOk());
  }
  ASSERT_THAT(CreateClaim(*stub, "late", "after the restart").status(), IsOk());
  {
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(5));
    v1::DeleteClaimRequest request;
    request.set_name("claims/c19");
    google::protobuf::Empty empty;
    ASSERT_TRUE(stub->DeleteClaim(&context, request, &empty).ok());
  }
  EXPECT_TRUE(
      MirrorReaches(mirror, ServerRevision(*stub), ServerState(*stub), &last))
      << last << "\nservice stdout:\n"
      << (*service)->ReadStdout();
  EXPECT_THAT((*service)->ReadStdout(), HasSubstr("disconnected"));
  EXPECT_THAT((*service)->ReadStdout(), HasSubstr("deleted claims/c19"));
  ASSERT_TRUE((*service)->Signal(SIGTERM));
  std::optional<ExitStatus> exit = (*service)->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->Success()) << exit->ToString();
}

// Two independent claimds (SQLite, not replicas): what is tested is the
// mechanics, i.e. the channel moves to the live address and calls succeed,
// and a watch resumes there from the revision it reached.
TEST(ClientLibraryE2e, ClaimctlFailsOverToTheNextAddress) {
  TempDir dir;
  ClaimdHarness first(dir.File("data1"), dir.path());
  ClaimdHarness second(dir.File("data2"), dir.path());
  ASSERT_THAT(first.Start(), IsOk());
  ASSERT_THAT(second.Start(), IsOk());
  auto first_stub = v1::ClaimService::NewStub(first.NewChannel());
  auto second_stub = v1::ClaimService::NewStub(second.NewChannel());
  ASSERT_THAT(CreateClaim(*first_stub, "on-first", "s").status(), IsOk());
  ASSERT_THAT(CreateClaim(*second_stub, "on-second", "s").status(), IsOk());
  const std::string both = absl::StrCat(first.address(), ",", second.address());
  // claimctl's round_robin sends a call to any address whose connection is
  // up: the second hangs (SIGSTOP) until the watch is on the first, so that
  // the list and the watch below start there.
  ASSERT_EQ(kill(second.pid(), SIGSTOP), 0);

  CommandResult list = RunCommand(
      ClaimctlBinary(), {"--server", both, "list", "-o", "json"}, dir.path());
  ASSERT_TRUE(list.exit.Success()) << list.Describe();
  EXPECT_THAT(list.out, HasSubstr("claims/on-first"));

  // A watch from revision 2 on the first prints revision 2; the first goes
  // away; the second gets revisions 2 and 3, and the watch, resuming there
  // from 3, prints only 3.
  absl::StatusOr<std::unique_ptr<Process>> watch = Process::Start(
      ClaimctlBinary(),
      {"--server", both, "watch", "--from-revision", "2", "-o", "json"},
      dir.File("watch.out"), dir.File("watch.err"));
  ASSERT_THAT(watch.status(), IsOk());
  ASSERT_THAT(CreateClaim(*first_stub, "first-2", "s").status(), IsOk());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline &&
         !absl::StrContains((*watch)->ReadStdout(), "claims/first-2")) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_THAT((*watch)->ReadStdout(), HasSubstr("claims/first-2"));
  ASSERT_EQ(kill(second.pid(), SIGCONT), 0);
  first.KillNow();

  list = RunCommand(ClaimctlBinary(), {"--server", both, "list", "-o", "json"},
                    dir.path());
  ASSERT_TRUE(list.exit.Success()) << list.Describe();
  EXPECT_THAT(list.out, HasSubstr("claims/on-second"));

  ASSERT_THAT(CreateClaim(*second_stub, "second-2", "s").status(), IsOk());
  ASSERT_THAT(CreateClaim(*second_stub, "second-3", "s").status(), IsOk());
  while (absl::Now() < deadline &&
         !absl::StrContains((*watch)->ReadStdout(), "claims/second-3")) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  const std::string printed = (*watch)->ReadStdout();
  EXPECT_THAT(printed, HasSubstr("claims/second-3"));
  const std::string notes = (*watch)->ReadStderr();
  EXPECT_THAT(notes, HasSubstr("connection lost"));
  if (absl::StrContains(notes, "store is not the one watched")) {
    // A server that checks store_id (two independent stores) makes the watch
    // start over from a snapshot of the second, and say so.
    EXPECT_THAT(printed, HasSubstr("EVENT_TYPE_SNAPSHOT"));
  } else {
    // Revision 2 of the second was not printed: the watch resumed from 3,
    // after the last revision it had printed.
    EXPECT_THAT(printed, ::testing::Not(HasSubstr("claims/second-2")));
  }
  (*watch)->Signal(SIGTERM);
  EXPECT_TRUE((*watch)->Wait(absl::Seconds(10)).has_value());
}

// kubectl habits, as a user meets them on the command line.
TEST(ClaimctlHabitsE2e, HealthOfADeadServerSaysCannotConnect) {
  TempDir dir;
  const std::string address = absl::StrCat("127.0.0.1:", *PickFreePort());
  CommandResult health =
      RunCommand(ClaimctlBinary(), {"--server", address, "health"}, dir.path());
  EXPECT_EQ(health.exit.code, 5) << health.Describe();
  EXPECT_THAT(health.err, HasSubstr("cannot connect"));
  EXPECT_THAT(health.err, HasSubstr("is claimd running at " + address));
}

TEST(ClaimctlHabitsE2e, ATypoSuggestsTheNearestCommand) {
  TempDir dir;
  CommandResult typo = RunCommand(ClaimctlBinary(), {"lsit"}, dir.path());
  EXPECT_EQ(typo.exit.code, 2) << typo.Describe();
  EXPECT_THAT(typo.err, HasSubstr("did you mean `claimctl list`?"));
}

TEST(ClaimctlHabitsE2e, NonsenseValuesAreUsageErrors) {
  TempDir dir;
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"list", "--limit", "-1"},
                                             {"history", "--page-size", "-5"},
                                             {"--server", "ftp://db1", "list"},
                                             {"--server", "db1:99999", "list"},
                                             {"--timeout", "-3s", "list"}}) {
    CommandResult result = RunCommand(ClaimctlBinary(), args, dir.path());
    EXPECT_EQ(result.exit.code, 2) << result.Describe();
  }
}

TEST(ClaimctlHabitsE2e, BashCompletionCompletesCommands) {
  TempDir dir;
  CommandResult script =
      RunCommand(ClaimctlBinary(), {"completion", "bash"}, dir.path());
  ASSERT_TRUE(script.exit.Success()) << script.Describe();
  const std::string path = dir.File("claimctl.bash");
  {
    std::ofstream out(path);
    out << script.out;
  }
  // What bash offers for `claimctl WORD<TAB>`, as bash would call it.
  auto complete = [&](const std::string& word) {
    return RunCommand(
        "/bin/bash",
        {"-c", absl::StrCat("source ", path, "; COMP_WORDS=(claimctl ", word,
                            "); COMP_CWORD=1; _claimctl; echo "
                            "\"${COMPREPLY[*]}\"")},
        dir.path());
  };
  CommandResult completed = complete("hi");
  ASSERT_TRUE(completed.exit.Success()) << completed.Describe();
  EXPECT_EQ(completed.out, "history\n");
  // And `claimctl --no<TAB>`: every global flag, the newest ones included.
  CommandResult flags = complete("--no");
  ASSERT_TRUE(flags.exit.Success()) << flags.Describe();
  EXPECT_THAT(flags.out, HasSubstr("--no-headers"));
  for (const char* shell : {"zsh", "fish"}) {
    CommandResult other =
        RunCommand(ClaimctlBinary(), {"completion", shell}, dir.path());
    EXPECT_TRUE(other.exit.Success()) << other.Describe();
    EXPECT_THAT(other.out, HasSubstr("watch"));
  }
}

TEST(ClaimctlHabitsE2e, VersionNamesTheClientVersionAndCommit) {
  TempDir dir;
  CommandResult version = RunCommand(ClaimctlBinary(), {"version"}, dir.path());
  ASSERT_TRUE(version.exit.Success()) << version.Describe();
  EXPECT_THAT(version.out, ::testing::StartsWith("Client Version: 0."));
  EXPECT_THAT(version.out, HasSubstr("(commit "));
}

TEST(ClaimctlHabitsE2e, OutputFormatsAsKubectlHasThem) {
  TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path());
  ASSERT_THAT(claimd.Start(), IsOk());
  auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
  ASSERT_THAT(
      // NOLINTNEXTLINE(misc-misleading-bidirectional): the test's point
      CreateClaim(*stub, "alpha", "first \xe2\x80\xae reversed").status(),
      IsOk());
  ASSERT_THAT(CreateClaim(*stub, "beta", "second").status(), IsOk());
  ASSERT_THAT(UpdateClaimStatus(*stub, "claims/alpha",
                                v1::VERIFICATION_STATUS_DENIED, "desk")
                  .status(),
              IsOk());
  const std::vector<std::string> server = {"--server", claimd.address()};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), server.begin(), server.end());
    CommandResult result = RunCommand(ClaimctlBinary(), args, dir.path());
    EXPECT_TRUE(result.exit.Success()) << result.Describe();
    return result.out;
  };
  EXPECT_EQ(run({"list", "-o", "name"}), "claims/alpha\nclaims/beta\n");
  EXPECT_EQ(run({"list", "-o", "name", "--sort-by", "revision"}),
            "claims/alpha\nclaims/beta\n");  // alpha changed last
  const std::string yaml = run({"get", "alpha", "-o", "yaml"});
  EXPECT_THAT(yaml, ::testing::StartsWith("---\nname: \"claims/alpha\"\n"));
  EXPECT_THAT(yaml, HasSubstr("status: VERIFICATION_STATUS_DENIED\n"));
  EXPECT_THAT(yaml, HasSubstr("\\u202E"));  // the override, escaped
  EXPECT_THAT(yaml, HasSubstr("evidence:\n- source: \"desk\"\n"));
  const std::string wide = run({"list", "-o", "wide"});
  EXPECT_THAT(wide, HasSubstr("UPDATED"));
  EXPECT_THAT(wide, HasSubstr("LABELS"));
  // NOLINTNEXTLINE(misc-misleading-bidirectional): the test's point
  EXPECT_THAT(wide, ::testing::Not(HasSubstr("\xe2\x80\xae")));
  const std::string bare = run({"list", "--no-headers"});
  EXPECT_THAT(bare, ::testing::StartsWith("alpha "));
}

TEST(ClaimctlHabitsE2e, ConfigContextsAreOverriddenByFlagsAndEnvironment) {
  TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path());
  ASSERT_THAT(claimd.Start(), IsOk());
  auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
  ASSERT_THAT(CreateClaim(*stub, "ctx", "from the context's server").status(),
              IsOk());
  const std::string config = absl::StrCat("CLAIMCTL_CONFIG=", dir.File("cfg"));
  const std::string dead = absl::StrCat("127.0.0.1:", *PickFreePort());
  auto claimctl = [&](std::vector<std::string> args,
                      const std::string& extra_env = "") {
    args.insert(args.begin(), ClaimctlBinary());
    if (!extra_env.empty()) args.insert(args.begin(), extra_env);
    args.insert(args.begin(), config);
    return RunCommand("/usr/bin/env", args, dir.path());
  };
  ASSERT_TRUE(
      claimctl({"config", "set-context", "local", "--server", claimd.address()})
          .exit.Success());
  ASSERT_TRUE(claimctl({"config", "set-context", "dead", "--server", dead})
                  .exit.Success());
  ASSERT_TRUE(claimctl({"config", "use-context", "local"}).exit.Success());
  CommandResult list = claimctl({"list", "-o", "name"});
  ASSERT_TRUE(list.exit.Success()) << list.Describe();
  EXPECT_EQ(list.out, "claims/ctx\n");
  CommandResult contexts = claimctl({"config", "get-contexts"});
  EXPECT_THAT(contexts.out, HasSubstr("*         local"));
  EXPECT_EQ(claimctl({"config", "current-context"}).out, "local\n");
  // CLAIMD_ADDR and --server win over the context.
  CommandResult by_env =
      claimctl({"--timeout", "2s", "list"}, absl::StrCat("CLAIMD_ADDR=", dead));
  EXPECT_EQ(by_env.exit.code, 5) << by_env.Describe();
  ASSERT_TRUE(claimctl({"config", "use-context", "dead"}).exit.Success());
  CommandResult by_flag =
      claimctl({"--server", claimd.address(), "list", "-o", "name"});
  EXPECT_TRUE(by_flag.exit.Success()) << by_flag.Describe();
  EXPECT_EQ(claimctl({"config", "use-context", "nope"}).exit.code, 3);
}

TEST(ClaimctlHabitsE2e, ServerAcceptsAnHttpUrl) {
  TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path());
  ASSERT_THAT(claimd.Start(), IsOk());
  CommandResult url = RunCommand(
      ClaimctlBinary(),
      {"--server", absl::StrCat("http://127.0.0.1:", claimd.port()), "list"},
      dir.path());
  EXPECT_TRUE(url.exit.Success()) << url.Describe();
  // A host without a port means 50051 (server_target_test checks the
  // target; a test cannot own that port on a shared machine).
}

}  // namespace
}  // namespace claimd::e2e
