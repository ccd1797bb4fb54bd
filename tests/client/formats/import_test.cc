// claimctl import: parsing lines, planning against the stored claim, the
// summary and JSON outcome lines, and whole `claimctl import` runs against a
// mocked ClaimStub that keeps claims in memory (so a second import sees the
// first one's writes).
#include "client/formats/import.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/cli/cli.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/testing/client/mock_claim_stub.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::StatusIs;
using ::testing::_;
using ::testing::AnyNumber;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Not;
using ::testing::StartsWith;

template <typename Message>
Message Proto(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message))
      << text;
  return message;
}

// Two evidence items: REPORTED by S1, then CONFIRMED by S2.
constexpr char kTwoItems[] =
    R"({"name":"claims/a","statement":"A","labels":{"desk":"world"},)"
    R"("evidence":[{"source":"S1","note":"N1"},)"
    R"({"source":"S2","url":"U2","status":"VERIFICATION_STATUS_CONFIRMED"}]})";

v1::Claim Line(const std::string& json) {
  absl::StatusOr<v1::Claim> line = ParseImportLine(json);
  EXPECT_TRUE(line.ok()) << line.status();
  return line.ok() ? *line : v1::Claim();
}

// -------------------------------------------------------------------------
// ParseImportLine

TEST(ParseImportLine, ReadsAClaimInTheProtoJsonMapping) {
  const v1::Claim claim = Line(kTwoItems);
  EXPECT_THAT(claim, EqualsProto(Proto<v1::Claim>(R"pb(
                name: "claims/a"
                statement: "A"
                labels { key: "desk" value: "world" }
                evidence { source: "S1" note: "N1" }
                evidence {
                  source: "S2"
                  url: "U2"
                  status: VERIFICATION_STATUS_CONFIRMED
                }
              )pb")));
}

TEST(ParseImportLine, DropsOutputOnlyFieldsSoListOutputCanBeImported) {
  const v1::Claim claim = Line(
      R"({"name":"claims/a","statement":"A","status":"VERIFICATION_STATUS_REPORTED",)"
      R"("evidence":[{"source":"S","time":"2024-05-01T10:00:00Z",)"
      R"("status":"VERIFICATION_STATUS_REPORTED","revision":"3"}],)"
      R"("revision":"3","createTime":"2024-05-01T10:00:00Z",)"
      R"("updateTime":"2024-05-01T10:00:00Z","createRevision":"3"})");
  EXPECT_EQ(claim.revision(), 0);
  EXPECT_EQ(claim.create_revision(), 0);
  EXPECT_FALSE(claim.has_create_time());
  EXPECT_FALSE(claim.has_update_time());
  ASSERT_EQ(claim.evidence_size(), 1);
  EXPECT_EQ(claim.evidence(0).revision(), 0);
  EXPECT_EQ(claim.evidence(0).time().seconds(), 1714557600);
}

TEST(ParseImportLine, AcceptsALineWithoutName) {
  EXPECT_EQ(Line(R"({"statement":"A"})").name(), "");
}

TEST(ParseImportLine, RejectsTextThatIsNotJson) {
  EXPECT_THAT(ParseImportLine(R"({"name":"claims/a", "statement": )"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("not a claims.v1.Claim in JSON: ")));
  EXPECT_THAT(ParseImportLine("[1, 2]"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The parser's message stays on one line, without the quoted input.
  EXPECT_THAT(
      ParseImportLine(R"({"statement":"A"} trailing)"),
      StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("\n"))));
}

TEST(ParseImportLine, RejectsUnknownFieldsAndEnumValues) {
  EXPECT_THAT(
      ParseImportLine(R"({"statement":"A","colour":"red"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("colour")));
  EXPECT_THAT(ParseImportLine(R"({"statement":"A","status":"MAYBE"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("MAYBE")));
}

TEST(ParseImportLine, RequiresNamesOfTheFormClaimsSlashId) {
  for (const char* name : {"a", "claims/", "claims/a/b", "other/a"}) {
    EXPECT_THAT(ParseImportLine(absl::StrCat(R"({"name":")", name,
                                             R"(","statement":"A"})")),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         StartsWith(absl::StrCat("name: \"", name, "\""))))
        << name;
  }
}

TEST(ParseImportLine, RequiresAStatement) {
  EXPECT_THAT(
      ParseImportLine(R"({"name":"claims/a"})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "statement: is required"));
}

TEST(ParseImportLine, RequiresStatusAndSourceAfterTheFirstItem) {
  EXPECT_THAT(
      ParseImportLine(
          R"({"statement":"A","evidence":[{"source":"S1"},{"source":"S2"}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               StartsWith("evidence[1].status: is required")));
  EXPECT_THAT(ParseImportLine(R"({"statement":"A","evidence":[{"source":"S1"},)"
                              R"({"status":"VERIFICATION_STATUS_DENIED"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("evidence[1].source: is required")));
}

TEST(ParseImportLine, RejectsAStatusTheEvidenceDoesNotEndWith) {
  EXPECT_THAT(
      ParseImportLine(
          R"({"statement":"A","status":"VERIFICATION_STATUS_CONFIRMED",)"
          R"("evidence":[{"source":"S1"}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               StartsWith("status: is CONFIRMED but the evidence ends with a "
                          "REPORTED verdict")));
  EXPECT_TRUE(
      ParseImportLine(
          R"({"statement":"A","status":"VERIFICATION_STATUS_CONFIRMED",)"
          R"("evidence":[{"source":"S1"},{"source":"S2",)"
          R"("status":"VERIFICATION_STATUS_CONFIRMED"}]})")
          .ok());
}

// -------------------------------------------------------------------------
// PlanImport

TEST(PlanImport, NewClaimIsCreatedWithTheFirstItemThenUpdated) {
  const ImportPlan plan = PlanImport(Line(kTwoItems), std::nullopt, "alice");
  EXPECT_EQ(plan.result, ImportResult::kCreated);
  ASSERT_TRUE(plan.create.has_value());
  EXPECT_THAT(*plan.create, EqualsProto(Proto<v1::CreateClaimRequest>(R"pb(
    claim_id: "a"
    request_id: "import:a:0"
    claim {
      statement: "A"
      status: VERIFICATION_STATUS_REPORTED
      labels { key: "desk" value: "world" }
      evidence { source: "S1" note: "N1" actor: "alice" }
    }
  )pb")));
  EXPECT_EQ(plan.first_update_index, 1);
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_THAT(plan.updates[0],
              EqualsProto(Proto<v1::UpdateClaimStatusRequest>(R"pb(
                name: "claims/a"
                status: VERIFICATION_STATUS_CONFIRMED
                evidence { source: "S2" url: "U2" actor: "alice" }
                request_id: "import:a:1"
              )pb")));
}

TEST(PlanImport, FirstItemStatusIsTheInitialStatus) {
  const ImportPlan plan = PlanImport(
      Line(R"({"name":"claims/a","statement":"A","evidence":[{"source":"S",)"
           R"("status":"VERIFICATION_STATUS_DENIED"}]})"),
      std::nullopt, "alice");
  ASSERT_TRUE(plan.create.has_value());
  EXPECT_EQ(plan.create->claim().status(), v1::VERIFICATION_STATUS_DENIED);
  EXPECT_FALSE(plan.create->claim().evidence(0).has_time());
  EXPECT_EQ(plan.create->claim().evidence(0).status(),
            v1::VERIFICATION_STATUS_UNSPECIFIED);  // output only
  EXPECT_TRUE(plan.updates.empty());
}

TEST(PlanImport, ClaimWithoutEvidenceIsCreatedWithItsStatus) {
  ImportPlan plan = PlanImport(Line(R"({"name":"claims/a","statement":"A"})"),
                               std::nullopt, "alice");
  ASSERT_TRUE(plan.create.has_value());
  EXPECT_EQ(plan.create->claim().status(), v1::VERIFICATION_STATUS_REPORTED);
  EXPECT_EQ(plan.create->claim().evidence_size(), 0);
  EXPECT_TRUE(plan.updates.empty());
  plan = PlanImport(Line(R"({"name":"claims/a","statement":"A",)"
                         R"("status":"VERIFICATION_STATUS_CONFIRMED"})"),
                    std::nullopt, "alice");
  EXPECT_EQ(plan.create->claim().status(), v1::VERIFICATION_STATUS_CONFIRMED);
}

TEST(PlanImport, RequestIdsAreDeterministic) {
  const std::string json =
      R"({"name":"claims/x","statement":"X","evidence":[)"
      R"({"source":"S0"},)"
      R"({"source":"S1","status":"VERIFICATION_STATUS_DENIED"},)"
      R"({"source":"S2","status":"VERIFICATION_STATUS_CONFIRMED"}]})";
  const ImportPlan first = PlanImport(Line(json), std::nullopt, "alice");
  const ImportPlan second = PlanImport(Line(json), std::nullopt, "alice");
  EXPECT_EQ(first.create->request_id(), "import:x:0");
  ASSERT_EQ(first.updates.size(), 2u);
  EXPECT_EQ(first.updates[0].request_id(), "import:x:1");
  EXPECT_EQ(first.updates[1].request_id(), "import:x:2");
  EXPECT_THAT(*second.create, EqualsProto(*first.create));
  EXPECT_THAT(second.updates[1], EqualsProto(first.updates[1]));
  EXPECT_EQ(ImportRequestId("x", 7), "import:x:7");
}

TEST(PlanImport, LineWithoutNameLeavesIdsToTheCaller) {
  const ImportPlan plan = PlanImport(
      Line(R"({"statement":"A","evidence":[{"source":"S1"},)"
           R"({"source":"S2","status":"VERIFICATION_STATUS_DENIED"}]})"),
      std::nullopt, "alice");
  ASSERT_TRUE(plan.create.has_value());
  EXPECT_EQ(plan.create->claim_id(), "");
  EXPECT_EQ(plan.create->request_id(), "");
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_EQ(plan.updates[0].name(), "");
  EXPECT_EQ(plan.updates[0].request_id(), "");
}

TEST(PlanImport, ActorDefaultsOnlyWhenTheItemHasNone) {
  const ImportPlan plan = PlanImport(
      Line(
          R"({"name":"claims/a","statement":"A","evidence":[{"source":"S1",)"
          R"("actor":"bob"},{"source":"S2","status":"VERIFICATION_STATUS_DENIED"}]})"),
      std::nullopt, "alice");
  EXPECT_EQ(plan.create->claim().evidence(0).actor(), "bob");
  EXPECT_EQ(plan.updates[0].evidence().actor(), "alice");
}

// The claim as the server stores kTwoItems's first `items` items.
v1::Claim Stored(int items) {
  v1::Claim claim = Proto<v1::Claim>(R"pb(
    name: "claims/a"
    statement: "A"
    status: VERIFICATION_STATUS_REPORTED
    labels { key: "desk" value: "world" }
    evidence {
      source: "S1"
      note: "N1"
      actor: "someone-else"
      time { seconds: 1714557600 }
      status: VERIFICATION_STATUS_REPORTED
      revision: 4
    }
    revision: 4
  )pb");
  if (items == 2) {
    *claim.add_evidence() = Proto<v1::Evidence>(R"pb(
      source: "S2"
      url: "U2"
      status: VERIFICATION_STATUS_CONFIRMED
      revision: 6
    )pb");
    claim.set_status(v1::VERIFICATION_STATUS_CONFIRMED);
    claim.set_revision(6);
  }
  return claim;
}

TEST(PlanImport, PartlyPresentClaimGetsOnlyTheMissingUpdates) {
  const ImportPlan plan = PlanImport(Line(kTwoItems), Stored(1), "alice");
  EXPECT_EQ(plan.result, ImportResult::kUpdated);
  EXPECT_FALSE(plan.create.has_value());
  EXPECT_EQ(plan.first_update_index, 1);
  ASSERT_EQ(plan.updates.size(), 1u);
  EXPECT_EQ(plan.updates[0].request_id(), "import:a:1");
  EXPECT_EQ(plan.updates[0].evidence().source(), "S2");
}

TEST(PlanImport, FullyPresentClaimIsUnchanged) {
  const ImportPlan plan = PlanImport(Line(kTwoItems), Stored(2), "alice");
  EXPECT_EQ(plan.result, ImportResult::kUnchanged);
  EXPECT_FALSE(plan.create.has_value());
  EXPECT_TRUE(plan.updates.empty());
}

TEST(PlanImport, LaterEvidenceByOthersLeavesTheClaimUnchanged) {
  v1::Claim stored = Stored(2);
  *stored.add_evidence() = Proto<v1::Evidence>(
      R"pb(source: "S3" status: VERIFICATION_STATUS_DENIED)pb");
  EXPECT_EQ(PlanImport(Line(kTwoItems), stored, "alice").result,
            ImportResult::kUnchanged);
  EXPECT_EQ(PlanImport(Line(R"({"name":"claims/a","statement":"A",)"
                            R"("labels":{"desk":"world"}})"),
                       stored, "alice")
                .result,
            ImportResult::kUnchanged);
}

TEST(PlanImport, ClaimThatIsNotTheLinesIsSkipped) {
  v1::Claim other_statement = Stored(1);
  other_statement.set_statement("B");
  v1::Claim other_labels = Stored(1);
  (*other_labels.mutable_labels())["desk"] = "sport";
  v1::Claim other_first = Stored(1);
  other_first.mutable_evidence(0)->set_quote("Q");
  v1::Claim other_status = Stored(1);
  other_status.mutable_evidence(0)->set_status(
      v1::VERIFICATION_STATUS_CONFIRMED);
  v1::Claim diverged = Stored(1);
  *diverged.add_evidence() =
      Proto<v1::Evidence>(R"pb(source: "S9"
                               status: VERIFICATION_STATUS_CONFIRMED)pb");
  v1::Claim no_evidence = Stored(1);
  no_evidence.clear_evidence();
  const std::vector<std::pair<v1::Claim, std::string>> cases = {
      {other_statement, "claims/a already exists with another statement"},
      {other_labels, "claims/a already exists with other labels"},
      {other_first,
       "claims/a already exists and its evidence does not start with the "
       "line's"},
      {other_status,
       "claims/a already exists and its evidence does not start with the "
       "line's"},
      {diverged, "claims/a already exists with other evidence at item 1"},
      {no_evidence,
       "claims/a already exists and its evidence does not start with the "
       "line's"},
  };
  for (const auto& [stored, message] : cases) {
    const ImportPlan plan = PlanImport(Line(kTwoItems), stored, "alice");
    EXPECT_EQ(plan.result, ImportResult::kSkipped) << message;
    EXPECT_THAT(plan.skip_reason,
                StatusIs(absl::StatusCode::kAlreadyExists, message));
    EXPECT_FALSE(plan.create.has_value());
    EXPECT_TRUE(plan.updates.empty());
  }
}

TEST(PlanImport, LineWithoutEvidenceComparesTheStatus) {
  v1::Claim stored = Stored(1);
  stored.clear_evidence();
  const v1::Claim line =
      Line(R"({"name":"claims/a","statement":"A","labels":{"desk":"world"},)"
           R"("status":"VERIFICATION_STATUS_DENIED"})");
  EXPECT_THAT(PlanImport(line, stored, "alice").skip_reason,
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "claims/a already exists with status REPORTED"));
  stored.set_status(v1::VERIFICATION_STATUS_DENIED);
  EXPECT_EQ(PlanImport(line, stored, "alice").result, ImportResult::kUnchanged);
}

// -------------------------------------------------------------------------
// ImportSummary, ImportOutcomeJson

TEST(ImportSummary, CountsEveryResult) {
  ImportCounts counts;
  for (ImportResult result :
       {ImportResult::kCreated, ImportResult::kCreated, ImportResult::kUpdated,
        ImportResult::kUnchanged, ImportResult::kFailed}) {
    counts.Add(result);
  }
  EXPECT_EQ(ImportSummary(counts),
            "imported 5 lines: 2 created, 1 updated, 1 unchanged, 1 failed");
  counts.Add(ImportResult::kSkipped);
  EXPECT_EQ(ImportSummary(counts),
            "imported 6 lines: 2 created, 1 updated, 1 unchanged, 1 failed, "
            "1 skipped");
  EXPECT_EQ(ImportSummary(ImportCounts{.unchanged = 1}),
            "imported 1 line: 0 created, 0 updated, 1 unchanged, 0 failed");
}

TEST(ImportOutcomeJson, PrintsOneObjectWithEscapedStrings) {
  EXPECT_EQ(
      ImportOutcomeJson(
          {.line = 3, .name = "claims/a", .result = ImportResult::kCreated}),
      R"({"line":3,"name":"claims/a","result":"created"})");
  EXPECT_EQ(
      ImportOutcomeJson({.line = 4,
                         .result = ImportResult::kFailed,
                         .error = "a \"q\" \\ b\n\t\x01 é \xff"}),
      R"({"line":4,"result":"failed","error":"a \"q\" \\ b\n\t\u0001 é \ufffd"})");
  EXPECT_EQ(ImportResultName(ImportResult::kUnchanged), "unchanged");
  EXPECT_EQ(ImportResultName(ImportResult::kSkipped), "skipped");
}

// -------------------------------------------------------------------------
// claimctl import, against an in-memory server behind the mocked stub.

// Just enough of ClaimService for import: claims by name, replies remembered
// by request_id, expected_revision checked, every mutation logged.
class FakeServer {
 public:
  void Install(MockClaimStub& stub) {
    InstallReads(stub);
    EXPECT_CALL(stub, CreateClaim(_, _, _))
        .Times(AnyNumber())
        .WillRepeatedly(Invoke(this, &FakeServer::Create));
    EXPECT_CALL(stub, UpdateClaimStatus(_, _, _))
        .Times(AnyNumber())
        .WillRepeatedly(Invoke(this, &FakeServer::Update));
  }
  void InstallReads(MockClaimStub& stub) {
    EXPECT_CALL(stub, GetClaim(_, _, _))
        .Times(AnyNumber())
        .WillRepeatedly(Invoke(this, &FakeServer::Get));
    EXPECT_CALL(stub, ListClaimEvents(_, _, _))
        .Times(AnyNumber())
        .WillRepeatedly(Invoke(this, &FakeServer::History));
  }

  grpc::Status Get(grpc::ClientContext*, const v1::GetClaimRequest& request,
                   v1::Claim* response) {
    auto it = claims.find(request.name());
    if (it == claims.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such claim");
    }
    *response = it->second;
    return grpc::Status::OK;
  }
  grpc::Status History(grpc::ClientContext*,
                       const v1::ListClaimEventsRequest& request,
                       v1::ListClaimEventsResponse* response) {
    if (deleted.count(request.parent()) == 0) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "never existed");
    }
    response->add_events()->set_type(v1::EVENT_TYPE_CREATED);
    return grpc::Status::OK;
  }
  grpc::Status Create(grpc::ClientContext*,
                      const v1::CreateClaimRequest& request,
                      v1::Claim* response) {
    log.push_back(
        absl::StrCat("create ", request.claim_id(), " ", request.request_id()));
    if (Replay(request.request_id(), response)) return grpc::Status::OK;
    for (const auto& [key, value] : request.claim().labels()) {
      if (key != absl::AsciiStrToLower(key)) {
        return grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("claim.labels: key \"", key, "\" must be lower case"));
      }
    }
    const std::string name = absl::StrCat(
        "claims/", request.claim_id().empty() ? "gen" : request.claim_id());
    if (claims.count(name) > 0) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                          absl::StrCat(name, " already exists"));
    }
    v1::Claim claim = request.claim();
    claim.set_name(name);
    claim.set_revision(++revision);
    for (v1::Evidence& evidence : *claim.mutable_evidence()) {
      evidence.set_status(claim.status());
      evidence.set_revision(revision);
    }
    return Commit(request.request_id(), claim, response);
  }
  grpc::Status Update(grpc::ClientContext*,
                      const v1::UpdateClaimStatusRequest& request,
                      v1::Claim* response) {
    log.push_back(absl::StrCat("update ", request.name(), " ",
                               request.request_id(), " at ",
                               request.expected_revision()));
    if (Replay(request.request_id(), response)) return grpc::Status::OK;
    if (request.evidence().url() == "too-long") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "evidence.url: is too long");
    }
    auto it = claims.find(request.name());
    if (it == claims.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such claim");
    }
    if (request.expected_revision() != it->second.revision()) {
      return grpc::Status(grpc::StatusCode::ABORTED, "stale");
    }
    v1::Claim claim = it->second;
    claim.set_status(request.status());
    claim.set_revision(++revision);
    v1::Evidence* evidence = claim.add_evidence();
    *evidence = request.evidence();
    evidence->set_status(request.status());
    evidence->set_revision(revision);
    return Commit(request.request_id(), claim, response);
  }

  std::map<std::string, v1::Claim> claims;
  std::set<std::string> deleted;
  std::vector<std::string> log;
  int64_t revision = 0;

 private:
  bool Replay(const std::string& request_id, v1::Claim* response) {
    auto it = replies_.find(request_id);
    if (request_id.empty() || it == replies_.end()) return false;
    *response = it->second;
    return true;
  }
  grpc::Status Commit(const std::string& request_id, const v1::Claim& claim,
                      v1::Claim* response) {
    claims[claim.name()] = claim;
    if (!request_id.empty()) replies_[request_id] = claim;
    *response = claim;
    return grpc::Status::OK;
  }

  std::map<std::string, v1::Claim> replies_;
};

class ImportCommandTest : public ::testing::Test {
 protected:
  // The environment is set before claimctl's code runs, on the only thread.
  void SetUp() override {
    unsetenv("CLAIMD_ADDR");      // NOLINT(concurrency-mt-unsafe)
    setenv("USER", "tester", 1);  // NOLINT(concurrency-mt-unsafe)
  }

  std::string WriteFile(const std::string& text) {
    std::string path = dir_.File("claims.jsonl");
    std::ofstream(path) << text;
    return path;
  }

  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    std::vector<const char*> argv = {"claimctl"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    CliEnvironment env;
    env.in = &in_;
    env.out = &out_;
    env.err = &err_;
    env.make_stub = [this](const std::string&, const ChannelSecurity&,
                           const ChannelOptions&) {
      ++stubs_made_;
      return stub_;
    };
    env.client_options.max_attempts = 2;
    env.client_options.sleep = [](absl::Duration) {};
    return RunClaimctl(static_cast<int>(argv.size()), argv.data(), env);
  }

  claimd::testing::TempDir dir_;
  std::shared_ptr<MockClaimStub> stub_ = std::make_shared<MockClaimStub>();
  FakeServer server_;
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
  int stubs_made_ = 0;
};

// Line 1: two items; line 2 blank; line 3 broken JSON; line 4: no evidence
// (and a CRLF ending).
constexpr char kOneBrokenLine[] =
    R"({"name":"claims/a","statement":"A","labels":{"desk":"world"},)"
    R"("evidence":[{"source":"S1","note":"N1"},)"
    R"({"source":"S2","url":"U2","status":"VERIFICATION_STATUS_CONFIRMED"}]})"
    "\n"
    "\n"
    R"({"name":"claims/broken", "statement": )"
    "\n"
    R"({"name":"claims/b","statement":"B"})"
    "\r\n";
// kOneBrokenLine, and line 5, which the server rejects.
const std::string kFile = absl::StrCat(
    kOneBrokenLine,
    R"({"name":"claims/c","statement":"C","labels":{"Desk":"x"}})", "\n");

TEST_F(ImportCommandTest, ReportsBrokenLinesByNumberAndImportsTheRest) {
  server_.Install(*stub_);
  const std::string path = WriteFile(kFile);
  EXPECT_EQ(Run({"import", path}), 1);
  EXPECT_EQ(server_.log,
            (std::vector<std::string>{
                "create a import:a:0", "update claims/a import:a:1 at 1",
                "create b import:b:0", "create c import:c:0"}));
  EXPECT_THAT(server_.claims["claims/a"], EqualsProto(Proto<v1::Claim>(R"pb(
                name: "claims/a"
                statement: "A"
                status: VERIFICATION_STATUS_CONFIRMED
                labels { key: "desk" value: "world" }
                evidence {
                  source: "S1"
                  note: "N1"
                  actor: "tester"
                  status: VERIFICATION_STATUS_REPORTED
                  revision: 1
                }
                evidence {
                  source: "S2"
                  url: "U2"
                  actor: "tester"
                  status: VERIFICATION_STATUS_CONFIRMED
                  revision: 2
                }
                revision: 2
              )pb")));
  EXPECT_EQ(server_.claims.count("claims/c"), 0u);
  const std::string err = err_.str();
  EXPECT_THAT(err,
              StartsWith(absl::StrCat("claimctl: import ", path,
                                      ":3: not a claims.v1.Claim in JSON: ")));
  EXPECT_THAT(err, HasSubstr(absl::StrCat(
                       "(INVALID_ARGUMENT)\nclaimctl: import ", path,
                       ":5: claim.labels: key \"Desk\" must be lower case "
                       "(INVALID_ARGUMENT)\n")));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 2);
  EXPECT_EQ(out_.str(),
            "imported 4 lines: 2 created, 0 updated, 0 unchanged, 2 failed\n");
}

TEST_F(ImportCommandTest, SecondImportOfTheSameFileWritesNothing) {
  server_.Install(*stub_);
  const std::string path = WriteFile(kOneBrokenLine);
  ASSERT_EQ(Run({"import", path}), 1);
  EXPECT_EQ(out_.str(),
            "imported 3 lines: 2 created, 0 updated, 0 unchanged, 1 failed\n");
  ::testing::Mock::VerifyAndClearExpectations(stub_.get());

  server_.InstallReads(*stub_);
  EXPECT_CALL(*stub_, CreateClaim(_, _, _)).Times(0);
  EXPECT_CALL(*stub_, UpdateClaimStatus(_, _, _)).Times(0);
  EXPECT_CALL(*stub_, DeleteClaim(_, _, _)).Times(0);
  EXPECT_EQ(Run({"import", path}), 1);  // the broken line still fails
  EXPECT_EQ(err_.str(),
            absl::StrCat("claimctl: import ", path,
                         ":3: not a claims.v1.Claim in JSON: Unexpected end "
                         "of string. Expected a value. (INVALID_ARGUMENT)\n"));
  EXPECT_EQ(out_.str(),
            "imported 3 lines: 0 created, 0 updated, 2 unchanged, 1 failed\n");
}

TEST_F(ImportCommandTest, CleanFileImportsAgainAsAllUnchangedAndExitsZero) {
  server_.Install(*stub_);
  in_.str(absl::StrCat(kTwoItems, "\n",
                       R"({"name":"claims/b","statement":"B"})", "\n"));
  EXPECT_EQ(Run({"import", "-"}), 0);
  EXPECT_EQ(out_.str(),
            "imported 2 lines: 2 created, 0 updated, 0 unchanged, 0 failed\n");
  EXPECT_EQ(err_.str(), "");
  server_.log.clear();
  in_.clear();
  in_.seekg(0);
  EXPECT_EQ(Run({"import", "-"}), 0);
  EXPECT_EQ(out_.str(),
            "imported 2 lines: 0 created, 0 updated, 2 unchanged, 0 failed\n");
  EXPECT_TRUE(server_.log.empty());
}

TEST_F(ImportCommandTest, ResumesAPartlyImportedClaim) {
  server_.Install(*stub_);
  v1::Claim stored = Stored(1);
  server_.claims["claims/a"] = stored;
  server_.revision = stored.revision();
  in_.str(kTwoItems);
  EXPECT_EQ(Run({"import", "-", "--actor", "bob"}), 0);
  EXPECT_EQ(server_.log,
            (std::vector<std::string>{"update claims/a import:a:1 at 4"}));
  EXPECT_EQ(server_.claims["claims/a"].evidence(1).actor(), "bob");
  EXPECT_EQ(out_.str(),
            "imported 1 line: 0 created, 1 updated, 0 unchanged, 0 failed\n");
}

TEST_F(ImportCommandTest, JsonPrintsOneObjectPerLineAndTheSummaryOnStderr) {
  server_.Install(*stub_);
  const std::string path = WriteFile(kFile);
  EXPECT_EQ(Run({"-o", "json", "import", path}), 1);
  const std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n');
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], R"({"line":1,"name":"claims/a","result":"created"})");
  EXPECT_THAT(lines[1],
              StartsWith(R"({"line":3,"result":"failed","error":"not a )"));
  EXPECT_EQ(lines[2], R"({"line":4,"name":"claims/b","result":"created"})");
  EXPECT_EQ(lines[3],
            R"({"line":5,"name":"claims/c","result":"failed","error":)"
            R"("claim.labels: key \"Desk\" must be lower case )"
            R"x((INVALID_ARGUMENT)"})x");
  EXPECT_EQ(lines[4], "");
  EXPECT_THAT(err_.str(), HasSubstr("imported 4 lines: 2 created, 0 updated, 0 "
                                    "unchanged, 2 failed\n"));
}

TEST_F(ImportCommandTest, UnreachableServerStopsTheImportAndExitsFive) {
  EXPECT_CALL(*stub_, GetClaim(_, _, _))
      .WillOnce(Invoke(&server_, &FakeServer::Get))
      .WillRepeatedly(::testing::Return(
          grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       "failed to connect to all addresses")));
  EXPECT_CALL(*stub_, ListClaimEvents(_, _, _))
      .WillRepeatedly(Invoke(&server_, &FakeServer::History));
  EXPECT_CALL(*stub_, CreateClaim(_, _, _))
      .WillRepeatedly(Invoke(&server_, &FakeServer::Create));
  in_.str(
      "{\"name\":\"claims/a\",\"statement\":\"A\"}\n"
      "{\"name\":\"claims/b\",\"statement\":\"B\"}\n"
      "{\"name\":\"claims/c\",\"statement\":\"C\"}\n");
  EXPECT_EQ(Run({"import", "-"}), 5);
  EXPECT_EQ(server_.log, (std::vector<std::string>{"create a import:a:0"}));
  EXPECT_EQ(err_.str(),
            "claimctl: import stdin:2: failed to connect to all addresses "
            "(UNAVAILABLE); is claimd running "
            "at 127.0.0.1:50051? set --server or CLAIMD_ADDR; stopped at line "
            "2, import again to continue\n");
  EXPECT_EQ(out_.str(),
            "imported 2 lines: 1 created, 0 updated, 0 unchanged, 1 failed\n");
}

TEST_F(ImportCommandTest, ClaimCreatedElsewhereMeanwhileIsSkipped) {
  server_.Install(*stub_);
  // GetClaim finds nothing, then someone else creates claims/a first.
  EXPECT_CALL(*stub_, CreateClaim(_, _, _))
      .WillOnce(::testing::Return(grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                                               "claims/a already exists")));
  in_.str(kTwoItems);
  EXPECT_EQ(Run({"import", "-"}), 0);
  EXPECT_TRUE(server_.log.empty());  // no update either
  EXPECT_EQ(err_.str(),
            "claimctl: import stdin:1: claims/a already exists "
            "(ALREADY_EXISTS); skipped: its evidence was not applied\n");
  EXPECT_EQ(out_.str(),
            "imported 1 line: 0 created, 0 updated, 0 unchanged, 0 failed, 1 "
            "skipped\n");
}

TEST_F(ImportCommandTest, DeletedClaimIsNotRecreated) {
  server_.Install(*stub_);
  server_.deleted.insert("claims/a");
  in_.str(kTwoItems);
  EXPECT_EQ(Run({"import", "-"}), 0);
  EXPECT_TRUE(server_.log.empty());
  EXPECT_THAT(err_.str(),
              StartsWith("claimctl: import stdin:1: claims/a was deleted "
                         "(FAILED_PRECONDITION); skipped: "));
}

TEST_F(ImportCommandTest, RejectedUpdateFailsTheLineNamingTheItem) {
  server_.Install(*stub_);
  in_.str(
      R"({"name":"claims/a","statement":"A","evidence":[{"source":"S1"},)"
      R"({"source":"S2","url":"too-long","status":"VERIFICATION_STATUS_DENIED"}]})");
  EXPECT_EQ(Run({"import", "-"}), 1);
  EXPECT_EQ(err_.str(),
            "claimctl: import stdin:1: claims/a evidence[1]: evidence.url: is "
            "too long (INVALID_ARGUMENT); claims/a holds the line's evidence "
            "before item 1; fix the line and import again to add the rest\n");
  EXPECT_EQ(out_.str(),
            "imported 1 line: 0 created, 0 updated, 0 unchanged, 1 failed\n");
}

TEST_F(ImportCommandTest, LineWithoutNameGetsTheGeneratedId) {
  server_.Install(*stub_);
  in_.str(R"({"statement":"A","evidence":[{"source":"S1"},)"
          R"({"source":"S2","status":"VERIFICATION_STATUS_DENIED"}]})");
  EXPECT_EQ(Run({"-o", "json", "import", "-"}), 0);
  ASSERT_EQ(server_.log.size(), 2u);
  EXPECT_THAT(server_.log[0], StartsWith("create  "));  // a random request_id
  EXPECT_EQ(server_.log[1], "update claims/gen import:gen:1 at 1");
  EXPECT_EQ(out_.str(),
            "{\"line\":1,\"name\":\"claims/gen\",\"result\":"
            "\"created\"}\n");
}

TEST_F(ImportCommandTest, UsageErrorsExitTwoWithoutAServer) {
  EXPECT_EQ(Run({"import"}), 2);
  EXPECT_EQ(
      err_.str(),
      "claimctl import: FILE is required; see `claimctl import --help`\n");
  EXPECT_EQ(Run({"import", dir_.File("missing.jsonl")}), 2);
  EXPECT_EQ(err_.str(),
            absl::StrCat("claimctl: import ", dir_.File("missing.jsonl"),
                         ": cannot open: No such file or directory "
                         "(INVALID_ARGUMENT); see `claimctl import "
                         "--help`\n"));
  EXPECT_EQ(Run({"import", dir_.path()}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("cannot open: Is a directory"));
  EXPECT_EQ(stubs_made_, 0);
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ImportCommandTest, EmptyFileImportsNothing) {
  EXPECT_EQ(Run({"import", WriteFile("\n  \n")}), 0);
  EXPECT_EQ(out_.str(),
            "imported 0 lines: 0 created, 0 updated, 0 unchanged, 0 failed\n");
  EXPECT_EQ(stubs_made_, 0);
}

TEST_F(ImportCommandTest, HelpShowsAnExample) {
  EXPECT_EQ(Run({"import", "--help"}), 0);
  EXPECT_THAT(
      out_.str(),
      HasSubstr("Example:\n  claimctl import deploy/sample/claims.jsonl"));
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("  import "));
  EXPECT_THAT(out_.str(),
              HasSubstr("  claimctl import deploy/sample/claims.jsonl\n"));
}

TEST_F(ImportCommandTest, MaxErrorsStopsTheImport) {
  server_.Install(*stub_);
  std::string text;
  for (int i = 0; i < 50; ++i) text += "not json\n";
  text += R"({"name":"claims/late","statement":"never reached"})";
  const std::string path = WriteFile(text);
  EXPECT_EQ(Run({"import", "--max_errors", "3", path}), 1);
  const std::string err = err_.str();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 4) << err;
  EXPECT_THAT(err, HasSubstr(absl::StrCat(
                       "claimctl: import ", path,
                       ": stopped after 3 failed entries (--max_errors 3); "
                       "nothing after line 3 was imported")));
  EXPECT_EQ(server_.claims.count("claims/late"), 0u);
  EXPECT_EQ(Run({"import", "--max_errors", "-1", path}), 2);
}

TEST_F(ImportCommandTest, ClaimReviewWarningsAndUserVerdicts) {
  server_.Install(*stub_);
  const std::string path = WriteFile(
      R"({"@type": "ClaimReview", "identifier": "claims/w", "claimReviewed": )"
      R"("S", "author": "Desk", "reviewRating": {"alternateName": "Bofe"}})"
      "\n");
  EXPECT_EQ(Run({"import", "--format", "claimreview", path}), 0);
  EXPECT_EQ(err_.str(),
            absl::StrCat("claimctl: import ", path,
                         ":1: warning: the rating \"Bofe\" is not in the "
                         "verdict table; imported as REPORTED with the wording "
                         "kept (add it with --verdicts FILE)\n"));
  EXPECT_EQ(server_.claims["claims/w"].status(),
            v1::VERIFICATION_STATUS_REPORTED);

  const std::string words = dir_.File("words.tsv");
  std::ofstream(words) << "DENIED\tpt\tBofe\n";
  EXPECT_EQ(
      Run({"import", "--format", "claimreview", "--verdicts", words, path}), 0);
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(server_.claims["claims/w"].status(),
            v1::VERIFICATION_STATUS_DENIED);
  EXPECT_EQ(Run({"import", "--verdicts", words, path}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--verdicts: applies to --format "
                                    "claimreview and factcheck-api"));
}

// A publisher's corrections, each imported as its feed is fetched again:
// every flip is written (a flip back to an earlier verdict is not answered
// as a replay of that verdict's request), and an older copy is skipped.
TEST_F(ImportCommandTest, ClaimReviewCorrectionsFlipTheVerdictBothWays) {
  server_.Install(*stub_);
  const auto review = [](const std::string& rating, const std::string& date) {
    return absl::StrCat(
        R"({"@type": "ClaimReview", "identifier": "claims/bridge", )"
        R"("claimReviewed": "The bridge cost twice its budget", )"
        R"("author": "Check Desk", "url": "https://desk.example/bridge", )"
        R"("datePublished": "2024-03-01", "dateModified": ")",
        date, R"(", "reviewRating": {"alternateName": ")", rating, "\"}}\n");
  };
  const std::vector<std::pair<std::string, v1::VerificationStatus>> steps = {
      {review("False", "2024-03-01"), v1::VERIFICATION_STATUS_DENIED},
      {review("Mostly True", "2024-03-04"), v1::VERIFICATION_STATUS_CONFIRMED},
      {review("False", "2024-03-08"), v1::VERIFICATION_STATUS_DENIED},
      {review("Mostly True", "2024-03-12"), v1::VERIFICATION_STATUS_CONFIRMED},
  };
  for (const auto& [text, status] : steps) {
    EXPECT_EQ(Run({"import", "--format", "claimreview", WriteFile(text)}), 0)
        << err_.str();
    EXPECT_EQ(server_.claims["claims/bridge"].status(), status) << text;
  }
  EXPECT_EQ(server_.claims["claims/bridge"].evidence_size(), 4);

  const std::string path = WriteFile(steps[2].first);  // the 03-08 copy
  EXPECT_EQ(Run({"import", "--format", "claimreview", path}), 0);
  EXPECT_EQ(out_.str(),
            "imported 1 line: 0 created, 0 updated, 0 unchanged, 0 failed, 1 "
            "skipped\n");
  EXPECT_THAT(err_.str(),
              HasSubstr("claims/bridge holds a newer review by Check Desk "
                        "(2024-03-12T00:00:00Z, CONFIRMED) than this one "
                        "(2024-03-08T00:00:00Z, DENIED)"));
  EXPECT_EQ(server_.claims["claims/bridge"].status(),
            v1::VERIFICATION_STATUS_CONFIRMED);

  EXPECT_EQ(Run({"import", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("unless the recorded one is newer"));
}

TEST_F(ImportCommandTest, FactCheckApiResponseFromStdin) {
  server_.Install(*stub_);
  in_.str(R"({"claims": [{"text": "T", "claimReview": [)"
          R"({"publisher": {"name": "P1"}, "url": "https://a.example/1", )"
          R"("textualRating": "False"}, {"publisher": {"name": "P2"}, )"
          R"("url": "https://b.example/2", "textualRating": "Falso"}]}]})");
  EXPECT_EQ(Run({"import", "--format", "factcheck-api", "-"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "imported 2 lines: 1 created, 1 updated, 0 unchanged, 0 failed\n");
  ASSERT_EQ(server_.claims.size(), 1u);
  const v1::Claim& claim = server_.claims.begin()->second;
  EXPECT_EQ(claim.status(), v1::VERIFICATION_STATUS_DENIED);
  ASSERT_EQ(claim.evidence_size(), 2);
  EXPECT_EQ(claim.evidence(1).source(), "P2");
  EXPECT_EQ(claim.evidence(1).quote(), "Falso");
}

TEST_F(ImportCommandTest, FactCheckMarkupPagesAndTheFormatThatFits) {
  server_.Install(*stub_);
  const std::string pages =
      std::string(CLAIMD_FORMATS_TESTDATA) + "/markup_pages.json";
  EXPECT_EQ(Run({"import", "--format", "factcheck-api", pages}), 1);
  EXPECT_EQ(out_.str(),
            "imported 3 lines: 2 created, 0 updated, 0 unchanged, 1 failed\n");
  EXPECT_EQ(Run({"import", "--format", "claimreview", pages}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("import it with --format factcheck-api"));
  EXPECT_EQ(Run({"import", "--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("markup pages"));
}

// A file given to the wrong --format is told once which format reads it.
TEST_F(ImportCommandTest, TheWrongFormatNamesTheOneThatReadsTheFile) {
  server_.Install(*stub_);
  const std::string page =
      std::string(CLAIMD_FORMATS_TESTDATA) + "/wrapped_blocks.html";
  EXPECT_EQ(Run({"import", "--format", "factcheck-api", page}), 1);
  EXPECT_EQ(err_.str(),
            absl::StrCat("claimctl: import ", page,
                         ":1: an HTML page, which --format factcheck-api does "
                         "not read; import a saved fact-check page with "
                         "--format claimreview (INVALID_ARGUMENT)\n"));
  EXPECT_EQ(Run({"import", page}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("which --format jsonl does not read"));

  const std::string reviews = WriteFile(
      R"({"@context": "https://schema.org", "@type": "ClaimReview", )"
      R"("claimReviewed": "S", "reviewRating": {"alternateName": "False"}})"
      "\n"
      R"({"claims": [{"text": "T", "claimReview": []}]})"
      "\n");
  EXPECT_EQ(Run({"import", reviews}), 1);
  const std::vector<std::string> lines =
      absl::StrSplit(err_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << err_.str();
  EXPECT_THAT(lines[0], HasSubstr(":1: not a claims.v1.Claim in JSON: "));
  EXPECT_THAT(lines[0], HasSubstr("; the line is schema.org ClaimReview: "
                                  "import the file with --format claimreview"));
  EXPECT_THAT(lines[1], HasSubstr("import the file with --format "
                                  "factcheck-api"));
  EXPECT_TRUE(server_.claims.empty());
}

}  // namespace
}  // namespace claimd::client
