// claimctl, the real binary, against a real claimd: output, exit codes, and a
// watch that survives a server restart.
#include <signal.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "claims/v1/claims.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimctl_fixture.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/process.h"

namespace claimd::e2e {
namespace {

namespace v1 = ::claims::v1;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kStatement[] =
    "Israel's defence minister has not spoken with his Ukrainian "
    "counterpart since taking office";

// Parses one line of `-o json` output as `T`; ADD_FAILURE and nullopt when it
// is not exactly proto JSON of T.
template <typename T>
std::optional<T> ParseJson(const std::string& line) {
  T message;
  auto status = google::protobuf::util::JsonStringToMessage(line, &message);
  if (!status.ok()) {
    ADD_FAILURE() << "not a " << T::descriptor()->full_name()
                  << " in proto JSON: " << line << " (" << status.ToString()
                  << ")";
    return std::nullopt;
  }
  return message;
}

template <typename T>
std::vector<T> ParseJsonLines(const std::string& text) {
  std::vector<T> messages;
  const std::vector<std::string> lines =
      absl::StrSplit(text, '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    std::optional<T> message = ParseJson<T>(line);
    if (message.has_value()) messages.push_back(*std::move(message));
  }
  return messages;
}

class ClaimctlE2eTest : public ClaimctlTest {
 protected:
  void CreateX() {
    CommandResult create = CtlOk({"create", kStatement, "--id", "x", "--label",
                                  "desk=world", "--source", "Israel Hayom"});
    EXPECT_THAT(create.out, HasSubstr("claims/x created"));
  }
};

TEST_F(ClaimctlE2eTest, CreateThenGetShowsStatementAndReported) {
  CreateX();
  CommandResult get = CtlOk({"get", "x"});
  EXPECT_THAT(get.out, AllOf(HasSubstr("claims/x"), HasSubstr(kStatement),
                             HasSubstr("REPORTED"), HasSubstr("desk=world"),
                             HasSubstr("Israel Hayom")));
  EXPECT_THAT(get.err, IsEmpty());
}

TEST_F(ClaimctlE2eTest, GetJsonPrintsTheClaimInProtoJson) {
  CreateX();
  CommandResult get = CtlOk({"-o", "json", "get", "x"});
  ASSERT_EQ(Lines(get.out).size(), 1u)
      << "one JSON object per line: " << get.out;
  EXPECT_THAT(get.out,
              AllOf(HasSubstr(R"("name":"claims/x")"),
                    HasSubstr(R"("status":"VERIFICATION_STATUS_REPORTED")")));
  std::optional<v1::Claim> claim = ParseJson<v1::Claim>(Lines(get.out)[0]);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->name(), "claims/x");
  EXPECT_EQ(claim->statement(), kStatement);
  EXPECT_EQ(claim->status(), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(claim->labels().at("desk"), "world");
  ASSERT_EQ(claim->evidence_size(), 1);
  EXPECT_EQ(claim->evidence(0).source(), "Israel Hayom");
  EXPECT_EQ(claim->revision(), 1);
}

TEST_F(ClaimctlE2eTest, ConfirmThenDenyAreRecordedInHistoryInOrder) {
  CreateX();
  CtlOk({"confirm", "x", "--source", "Ukrainian officials"});
  EXPECT_THAT(CtlOk({"get", "x"}).out, HasSubstr("CONFIRMED"));
  CtlOk({"deny", "x", "--source", "Israeli Defence Ministry official"});
  EXPECT_THAT(CtlOk({"get", "x"}).out, HasSubstr("DENIED"));

  CommandResult history = CtlOk({"history", "x"});
  std::vector<std::string> rows = Lines(history.out);
  ASSERT_EQ(rows.size(), 4u) << "a header and three events:\n" << history.out;
  EXPECT_THAT(rows[0], AllOf(HasSubstr("REV"), HasSubstr("TYPE")));
  EXPECT_THAT(rows[1], AllOf(StartsWith("1 "), HasSubstr("CREATED"),
                             HasSubstr("REPORTED"), HasSubstr("Israel Hayom")));
  EXPECT_THAT(rows[2], AllOf(StartsWith("2 "), HasSubstr("STATUS_CHANGED"),
                             HasSubstr("REPORTED -> CONFIRMED"),
                             HasSubstr("Ukrainian officials")));
  EXPECT_THAT(rows[3], AllOf(StartsWith("3 "), HasSubstr("STATUS_CHANGED"),
                             HasSubstr("CONFIRMED -> DENIED"),
                             HasSubstr("Israeli Defence Ministry official")));

  std::vector<v1::ClaimEvent> events =
      ParseJsonLines<v1::ClaimEvent>(CtlOk({"-o", "json", "history", "x"}).out);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_CREATED);
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_STATUS_CHANGED);
  EXPECT_EQ(events[1].previous_status(), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(events[1].claim().status(), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ(events[2].type(), v1::EVENT_TYPE_STATUS_CHANGED);
  EXPECT_EQ(events[2].previous_status(), v1::VERIFICATION_STATUS_CONFIRMED);
  EXPECT_EQ(events[2].claim().status(), v1::VERIFICATION_STATUS_DENIED);
}

TEST_F(ClaimctlE2eTest, ListFilterByStatusShowsOnlyMatchingClaims) {
  CreateX();
  CtlOk({"create", "A claim nobody denied", "--id", "y"});
  CtlOk({"deny", "x", "--source", "Israeli Defence Ministry official"});

  CommandResult list = CtlOk({"list", "--filter", "status = DENIED"});
  std::vector<std::string> rows = Lines(list.out);
  ASSERT_EQ(rows.size(), 2u) << "a header and claim x:\n" << list.out;
  EXPECT_THAT(rows[1], AllOf(StartsWith("x "), HasSubstr("DENIED")));

  CommandResult all = CtlOk({"list"});
  EXPECT_EQ(Lines(all.out).size(), 3u) << all.out;
}

TEST_F(ClaimctlE2eTest, GetMissingClaimExitsThreeWithOneErrorLine) {
  CommandResult get = Ctl({"get", "nosuch"});
  EXPECT_TRUE(get.exit.exited) << get.Describe();
  EXPECT_EQ(get.exit.code, 3) << get.Describe();
  EXPECT_THAT(get.out, IsEmpty());
  EXPECT_EQ(Lines(get.err).size(), 1u) << get.err;
  EXPECT_THAT(get.err, AllOf(StartsWith("claimctl: get claims/nosuch: "),
                             HasSubstr("NOT_FOUND")));
}

TEST_F(ClaimctlE2eTest, ConfirmWithoutSourceIsAUsageError) {
  CreateX();
  // cli.cc makes --source required on confirm/deny/report: CLI11 rejects the
  // line before any call, with exit code 2 (usage).
  CommandResult confirm = Ctl({"confirm", "x"});
  EXPECT_EQ(confirm.exit.code, 2) << confirm.Describe();
  EXPECT_THAT(confirm.err, HasSubstr("--source"));
  EXPECT_EQ(Lines(confirm.err).size(), 1u) << confirm.err;
  EXPECT_THAT(CtlOk({"get", "x"}).out,
              AllOf(HasSubstr("REPORTED"), Not(HasSubstr("CONFIRMED"))));
}

TEST_F(ClaimctlE2eTest, UnreachableServerExitsFive) {
  CommandResult get =
      RunCommand(ClaimctlBinary(),
                 {"--server", "127.0.0.1:1", "--timeout", "3s", "get", "x"},
                 dir_.path(), absl::Seconds(15));
  EXPECT_TRUE(get.exit.exited) << get.Describe();
  EXPECT_EQ(get.exit.code, 5) << get.Describe();
  EXPECT_THAT(get.err,
              AllOf(HasSubstr("UNAVAILABLE"), HasSubstr("127.0.0.1:1")));
  EXPECT_EQ(Lines(get.err).size(), 1u) << get.err;
}

// Found by an outside check: gRPC's own ERROR line about the failed handshake
// came before claimctl's, which README promises is the only one.
TEST_F(ClaimctlE2eTest, TlsToAPlaintextServerIsOneErrorLine) {
  CommandResult get = RunCommand(ClaimctlBinary(),
                                 {"--server", "https://" + claimd_.address(),
                                  "--timeout", "3s", "get", "x"},
                                 dir_.path(), absl::Seconds(15));
  EXPECT_EQ(get.exit.code, 5) << get.Describe();
  EXPECT_EQ(Lines(get.err).size(), 1u) << get.err;
  EXPECT_THAT(get.err, AllOf(StartsWith("claimctl: "), HasSubstr("handshake")));
}

// Found by an outside check: a stopped server (it accepts connections, the
// kernel does, but never answers) got "raise --timeout", which cannot help.
TEST_F(ClaimctlE2eTest, AHungServerIsNamedAsSuchNotAsSlow) {
  ASSERT_EQ(kill(claimd_.pid(), SIGSTOP), 0);
  CommandResult get =
      RunCommand(ClaimctlBinary(),
                 {"--server", claimd_.address(), "--timeout", "2s", "get", "x"},
                 dir_.path(), absl::Seconds(15));
  ASSERT_EQ(kill(claimd_.pid(), SIGCONT), 0);
  EXPECT_EQ(get.exit.code, 5) << get.Describe();
  EXPECT_EQ(Lines(get.err).size(), 1u) << get.err;
  // The call's deadline (2 s) passes before the connection attempt's
  // own (5 s, claim_stub.cc) would; either says what happened.
  EXPECT_THAT(get.err,
              AllOf(AnyOf(HasSubstr("is the server hung"),
                          HasSubstr("timed out before receiving SETTINGS")),
                    Not(HasSubstr("raise --timeout"))));
}

TEST_F(ClaimctlE2eTest, DeleteThenGetExitsThree) {
  CreateX();
  CommandResult remove = CtlOk({"delete", "x"});
  EXPECT_THAT(remove.out, HasSubstr("claims/x deleted"));
  CommandResult get = Ctl({"get", "x"});
  EXPECT_EQ(get.exit.code, 3) << get.Describe();
  // The history stays readable, ending with the deletion.
  std::vector<v1::ClaimEvent> events =
      ParseJsonLines<v1::ClaimEvent>(CtlOk({"-o", "json", "history", "x"}).out);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_DELETED);
}

// Polls `path` (a watch's -o json stdout) until it holds an event at `revision`
// (bounded by `timeout`); returns every event it holds then.
std::vector<v1::ClaimEvent> WaitForWatchedRevision(const std::string& path,
                                                   int64_t revision,
                                                   absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const std::string text = ReadFile(path);
    // Only whole lines: the watch may be mid-write.
    const std::string complete = text.substr(0, text.rfind('\n') + 1);
    std::vector<v1::ClaimEvent> events =
        ParseJsonLines<v1::ClaimEvent>(complete);
    for (const v1::ClaimEvent& event : events) {
      if (event.revision() == revision) return events;
    }
    if (absl::Now() >= deadline) return events;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

std::vector<int64_t> RevisionsOf(const std::vector<v1::ClaimEvent>& events) {
  std::vector<int64_t> revisions;
  revisions.reserve(events.size());
  for (const v1::ClaimEvent& event : events)
    revisions.push_back(event.revision());
  return revisions;
}

TEST_F(ClaimctlE2eTest, WatchPrintsEveryEventOnceAcrossServerRestart) {
  CreateX();  // revision 1
  // From revision 2: nothing can slip between starting the watch and the first
  // change.
  absl::StatusOr<std::unique_ptr<Process>> watch =
      Process::Start(ClaimctlBinary(),
                     {"--server", claimd_.address(), "-o", "json", "watch",
                      "--from-revision", "2"},
                     dir_.File("watch.out"), dir_.File("watch.err"));
  ASSERT_OK(watch);

  CtlOk({"confirm", "x", "--source", "Ukrainian officials"});  // revision 2
  std::vector<v1::ClaimEvent> events =
      WaitForWatchedRevision(dir_.File("watch.out"), 2, absl::Seconds(10));
  ASSERT_THAT(RevisionsOf(events), ElementsAre(2)) << "stderr of the watch:\n"
                                                   << (*watch)->ReadStderr();
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_STATUS_CHANGED);
  EXPECT_EQ(events[0].claim().name(), "claims/x");
  EXPECT_EQ(events[0].claim().status(), v1::VERIFICATION_STATUS_CONFIRMED);

  // Restart claimd on the same port and data; the watch keeps running.
  std::optional<ExitStatus> stopped = claimd_.Stop(SIGTERM, absl::Seconds(15));
  ASSERT_TRUE(stopped.has_value() && stopped->Success()) << claimd_.Stderr();
  ASSERT_OK(claimd_.Start(claimd_.port()));
  ASSERT_TRUE((*watch)->Running())
      << "claimctl watch ended when claimd stopped: "
      << (*watch)->exit_status()->ToString() << "\n"
      << (*watch)->ReadStderr();

  CtlOk({"deny", "x", "--source",
         "Israeli Defence Ministry official"});  // revision 3
  // While claimd was down the watch's reconnect backoff doubled towards its
  // 30 s cap: on a loaded machine a slow restart leaves it waiting one full
  // step before it tries again.
  events = WaitForWatchedRevision(dir_.File("watch.out"), 3, absl::Seconds(45));
  EXPECT_THAT(RevisionsOf(events), ElementsAre(2, 3))
      << "each event exactly once; stderr of the watch:\n"
      << (*watch)->ReadStderr();
  if (events.size() == 2) {
    EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_STATUS_CHANGED);
    EXPECT_EQ(events[1].claim().status(), v1::VERIFICATION_STATUS_DENIED);
  }

  ASSERT_TRUE((*watch)->Signal(SIGINT));
  std::optional<ExitStatus> exit = (*watch)->Wait(absl::Seconds(5));
  ASSERT_TRUE(exit.has_value()) << "claimctl watch ignored SIGINT";
  EXPECT_TRUE(exit->Success()) << exit->ToString() << "\n"
                               << (*watch)->ReadStderr();
  // Nothing more was printed after revision 3.
  EXPECT_THAT(
      RevisionsOf(ParseJsonLines<v1::ClaimEvent>((*watch)->ReadStdout())),
      ElementsAre(2, 3));
}

// Polls `path` until it holds `needle` (bounded by `timeout`); returns whether
// it does.
bool WaitForText(const std::string& path, absl::string_view needle,
                 absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!absl::StrContains(ReadFile(path), needle)) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

// `watch --filter` prints the change that takes a claim out of the filter, as
// its --help says, and says on stderr that the claim left.
TEST_F(ClaimctlE2eTest, WatchSaysWhenAClaimLeavesItsFilter) {
  CreateX();  // revision 1, REPORTED
  absl::StatusOr<std::unique_ptr<Process>> watch =
      Process::Start(ClaimctlBinary(),
                     {"--server", claimd_.address(), "watch", "--filter",
                      "status = REPORTED", "--from-revision", "1"},
                     dir_.File("watch.out"), dir_.File("watch.err"));
  ASSERT_OK(watch);
  CtlOk({"confirm", "x", "--source", "Ukrainian officials"});  // revision 2
  ASSERT_TRUE(WaitForText(dir_.File("watch.err"),
                          "claims/x no longer matches the filter after "
                          "revision 2",
                          absl::Seconds(10)))
      << (*watch)->ReadStderr();
  ASSERT_TRUE((*watch)->Signal(SIGINT));
  std::optional<ExitStatus> exit = (*watch)->Wait(absl::Seconds(5));
  ASSERT_TRUE(exit.has_value()) << "claimctl watch ignored SIGINT";
  EXPECT_TRUE(exit->Success()) << exit->ToString();
  const std::vector<std::string> lines = Lines((*watch)->ReadStdout());
  ASSERT_EQ(lines.size(), 2u) << (*watch)->ReadStdout();
  EXPECT_THAT(lines[0], AllOf(StartsWith("rev 1 "), HasSubstr("CREATED")));
  EXPECT_THAT(lines[1], AllOf(StartsWith("rev 2 "), HasSubstr("CONFIRMED")));
}

TEST_F(ClaimctlE2eTest, GetWatchPrintsARowPerChangeUntilInterrupted) {
  CreateX();
  absl::StatusOr<std::unique_ptr<Process>> watch = Process::Start(
      ClaimctlBinary(), {"--server", claimd_.address(), "get", "x", "--watch"},
      dir_.File("get.out"), dir_.File("get.err"));
  ASSERT_OK(watch);
  // The read is done once its row is out; a change after it is a new row.
  ASSERT_TRUE(WaitForText(dir_.File("get.out"), "REPORTED", absl::Seconds(10)))
      << (*watch)->ReadStderr();
  CtlOk({"confirm", "x", "--source", "Ukrainian officials"});
  ASSERT_TRUE(WaitForText(dir_.File("get.out"), "CONFIRMED", absl::Seconds(10)))
      << (*watch)->ReadStderr();
  ASSERT_TRUE((*watch)->Signal(SIGINT));
  std::optional<ExitStatus> exit = (*watch)->Wait(absl::Seconds(5));
  ASSERT_TRUE(exit.has_value()) << "claimctl get --watch ignored SIGINT";
  EXPECT_TRUE(exit->Success()) << exit->ToString() << "\n"
                               << (*watch)->ReadStderr();
  const std::vector<std::string> lines = Lines((*watch)->ReadStdout());
  ASSERT_EQ(lines.size(), 3u) << (*watch)->ReadStdout();
  EXPECT_THAT(lines[0], StartsWith("ID "));
  EXPECT_THAT(lines[1], AllOf(StartsWith("x "), HasSubstr("REPORTED")));
  EXPECT_THAT(lines[2], AllOf(StartsWith("x "), HasSubstr("CONFIRMED")));
  EXPECT_EQ((*watch)->ReadStderr(), "");
}

TEST_F(ClaimctlE2eTest, GetWatchEndsWhenTheClaimIsDeleted) {
  CreateX();
  absl::StatusOr<std::unique_ptr<Process>> watch = Process::Start(
      ClaimctlBinary(),
      {"--server", claimd_.address(), "-o", "json", "get", "x", "-w"},
      dir_.File("get.out"), dir_.File("get.err"));
  ASSERT_OK(watch);
  ASSERT_TRUE(WaitForText(dir_.File("get.out"), "claims/x", absl::Seconds(10)))
      << (*watch)->ReadStderr();
  CtlOk({"delete", "x"});
  std::optional<ExitStatus> exit = (*watch)->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit.has_value()) << "get --watch outlived the claim";
  EXPECT_TRUE(exit->Success()) << exit->ToString() << "\n"
                               << (*watch)->ReadStderr();
  EXPECT_EQ(ParseJsonLines<v1::Claim>((*watch)->ReadStdout()).size(), 2u);
  EXPECT_THAT((*watch)->ReadStderr(), HasSubstr("claims/x deleted"));
}

TEST_F(ClaimctlE2eTest, ListWatchHonoursTheFilter) {
  CreateX();
  CtlOk({"create", "other claim", "--id", "y"});
  absl::StatusOr<std::unique_ptr<Process>> watch =
      Process::Start(ClaimctlBinary(),
                     {"--server", claimd_.address(), "list", "--filter",
                      "status = CONFIRMED", "-w"},
                     dir_.File("list.out"), dir_.File("list.err"));
  ASSERT_OK(watch);
  ASSERT_TRUE(WaitForText(dir_.File("list.err"), "No claims found.",
                          absl::Seconds(10)));
  CtlOk({"deny", "y", "--source", "wire"});  // not matching: no row
  CtlOk({"confirm", "x", "--source", "Ukrainian officials"});
  ASSERT_TRUE(
      WaitForText(dir_.File("list.out"), "CONFIRMED", absl::Seconds(10)))
      << (*watch)->ReadStderr();
  // The change that takes x out of the filter is shown, and said to be one.
  CtlOk({"deny", "x", "--source", "ministry"});
  ASSERT_TRUE(WaitForText(dir_.File("list.err"),
                          "claims/x no longer matches the filter after "
                          "revision 5",
                          absl::Seconds(10)))
      << (*watch)->ReadStderr();
  ASSERT_TRUE((*watch)->Signal(SIGINT));
  std::optional<ExitStatus> exit = (*watch)->Wait(absl::Seconds(5));
  ASSERT_TRUE(exit.has_value()) << "claimctl list --watch ignored SIGINT";
  EXPECT_TRUE(exit->Success()) << exit->ToString();
  const std::vector<std::string> lines = Lines((*watch)->ReadStdout());
  ASSERT_EQ(lines.size(), 2u) << (*watch)->ReadStdout();
  EXPECT_THAT(lines[0], AllOf(StartsWith("x "), HasSubstr("CONFIRMED")));
  EXPECT_THAT(lines[1], AllOf(StartsWith("x "), HasSubstr("DENIED")));
}

TEST_F(ClaimctlE2eTest, VersionPrintsTheServersVersionOrWhyNot) {
  CommandResult version = CtlOk({"version"});
  std::vector<std::string> lines = Lines(version.out);
  ASSERT_EQ(lines.size(), 2u) << version.Describe();
  EXPECT_THAT(lines[0], StartsWith("Client Version: "));
  // "server: 0.1.0 (<commit>)", from claimd's response header.
  EXPECT_THAT(lines[1], AllOf(StartsWith("server: "), HasSubstr(" ("),
                              Not(HasSubstr("not reachable"))));
  // Built from one tree: both name the same commit, the same way
  // ("Client Version: 0.1.0 (commit 1a2b3c4d5e6f)").
  const size_t commit_at = lines[0].find("(commit ");
  ASSERT_NE(commit_at, std::string::npos) << lines[0];
  const std::string commit = lines[0].substr(commit_at + 8);
  EXPECT_THAT(lines[1], HasSubstr(absl::StrCat(" (", commit)));
  // No server there: the client's part still prints, and it exits 0.
  absl::StatusOr<int> free_port = PickFreePort();
  ASSERT_OK(free_port);
  CommandResult alone = RunCommand(
      ClaimctlBinary(),
      {"--server", absl::StrCat("127.0.0.1:", *free_port), "version"},
      dir_.path(), absl::Seconds(20));
  EXPECT_TRUE(alone.exit.Success()) << alone.Describe();
  EXPECT_THAT(alone.out, HasSubstr("\nserver: not reachable ("));
}

TEST_F(ClaimctlE2eTest, CreateOfATakenIdGivesItsAdviceOnce) {
  CreateX();
  CommandResult again = Ctl({"create", "again", "--id", "x"});
  EXPECT_EQ(again.exit.code, 4) << again.Describe();
  EXPECT_EQ(again.err,
            "claimctl: create claims/x: claims/x already exists "
            "(ALREADY_EXISTS); choose another --id\n");
}

// A write whose answer never came (claimd stopped under it) may or may not
// have been applied. claimctl says so and names the request_id to run the
// command again with; run again with it, the change is applied exactly once.
TEST_F(ClaimctlE2eTest, AWriteWithoutAnAnswerCanBeRunAgainWithItsRequestId) {
  CreateX();
  ASSERT_EQ(kill(claimd_.pid(), SIGSTOP), 0);
  CommandResult lost = Ctl(
      {"--timeout", "2s", "confirm", "x", "--source", "Ukrainian officials"});
  ASSERT_EQ(kill(claimd_.pid(), SIGCONT), 0);
  EXPECT_EQ(lost.exit.code, 5) << lost.Describe();
  EXPECT_THAT(lost.err, HasSubstr("DEADLINE_EXCEEDED"));
  const std::string advice = "run the same command again with --request-id ";
  const size_t at = lost.err.find(advice);
  ASSERT_NE(at, std::string::npos) << lost.err;
  const std::string request_id =
      lost.err.substr(at + advice.size(), 36);  // a UUID
  EXPECT_THAT(lost.err.substr(at + advice.size() + 36),
              StartsWith(" (it applies at most once)"));
  for (int run = 0; run < 2; ++run) {
    CommandResult again =
        CtlOk({"confirm", "x", "--source", "Ukrainian officials",
               "--request-id", request_id});
    EXPECT_THAT(again.out, HasSubstr("claims/x confirmed"));
  }
  std::vector<v1::ClaimEvent> events =
      ParseJsonLines<v1::ClaimEvent>(CtlOk({"-o", "json", "history", "x"}).out);
  ASSERT_EQ(events.size(), 2u) << "the confirm must be recorded once";
  EXPECT_EQ(events[1].claim().status(), v1::VERIFICATION_STATUS_CONFIRMED);
}

// No server at all: the write was never sent, so claimctl asks where claimd
// is instead of calling the outcome unknown (errors_test covers a claimd that
// answers UNAVAILABLE itself).
TEST_F(ClaimctlE2eTest, AWriteThatReachedNoServerAsksWhereClaimdIs) {
  absl::StatusOr<int> free_port = PickFreePort();
  ASSERT_OK(free_port);
  const std::string nobody = absl::StrCat("127.0.0.1:", *free_port);
  CommandResult create = RunCommand(
      ClaimctlBinary(),
      {"--server", nobody, "--timeout", "3s", "create", "s", "--id", "y"},
      dir_.path(), absl::Seconds(15));
  EXPECT_EQ(create.exit.code, 5) << create.Describe();
  EXPECT_THAT(create.err,
              AllOf(HasSubstr(absl::StrCat("is claimd running at ", nobody)),
                    Not(HasSubstr("may or may not have been applied"))));
}

}  // namespace
}  // namespace claimd::e2e
