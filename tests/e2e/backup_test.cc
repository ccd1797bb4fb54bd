// `claimd backup`, `claimd backup-status` and `claimd restore` as an operator
// runs them, against a running claimd: the restored claimd serves exactly the
// backed-up state under a new store id, clients holding revisions of the old
// history get FAILED_PRECONDITION, and a backup killed halfway leaves the
// store untouched and only a .partial file that every command refuses.
#include <signal.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "claims/v1/claims.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/claimd_harness.h"
#include "tests/e2e/process.h"
#include "tests/testing/claims_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::e2e {
namespace {

using ::claimd::testing::CreateClaim;
using ::claimd::testing::ListAllEvents;
using ::claimd::testing::SetTimeout;
using ::claimd::testing::UpdateClaimStatus;

namespace fs = std::filesystem;
namespace v1 = ::claims::v1;
using ::testing::HasSubstr;

v1::ListClaimsResponse ListAll(v1::ClaimService::Stub& stub) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(5));
  v1::ListClaimsRequest request;
  request.set_page_size(1000);
  v1::ListClaimsResponse response;
  grpc::Status status = stub.ListClaims(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.next_page_token().empty());
  return response;
}

// Opens a watch and returns how it ended, or OK with the first response when
// it started (the stream is then cancelled).
grpc::Status Watch(v1::ClaimService::Stub& stub,
                   const v1::WatchClaimsRequest& request,
                   v1::WatchClaimsResponse* first) {
  grpc::ClientContext context;
  SetTimeout(context, absl::Seconds(10));
  std::unique_ptr<grpc::ClientReader<v1::WatchClaimsResponse>> reader =
      stub.WatchClaims(&context, request);
  if (reader->Read(first)) {
    context.TryCancel();
    reader->Finish().IgnoreError();
    return grpc::Status::OK;
  }
  return reader->Finish();
}

CommandResult Claimd(const std::vector<std::string>& args,
                     const std::string& scratch) {
  return RunCommand(ClaimdBinary(), args, scratch, absl::Seconds(60));
}

TEST(Backup, RestoredClaimdServesTheBackupAndRefusesTheOldHistory) {
  testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path());
  ASSERT_OK(claimd.Start());
  auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(CreateClaim(*stub, absl::StrCat("c", i), "a statement"));
    if (i % 2 == 0) {
      ASSERT_OK(UpdateClaimStatus(*stub, absl::StrCat("claims/c", i),
                                  v1::VERIFICATION_STATUS_CONFIRMED, "src"));
    }
  }
  const v1::ListClaimsResponse backed_up = ListAll(*stub);
  ASSERT_EQ(backed_up.revision(), 30);
  const std::string& old_store_id = backed_up.store_id();
  ASSERT_EQ(old_store_id.size(), 32u);
  ASSERT_OK_AND_ASSIGN(std::vector<v1::ClaimEvent> history,
                       ListAllEvents(*stub, "claims/-"));

  // Backed up while claimd serves.
  const std::string file = dir.File("claims.cbk");
  CommandResult backup =
      Claimd({"backup", "--data_dir=" + dir.File("data"), file}, dir.path());
  ASSERT_TRUE(backup.exit.Success()) << backup.Describe();
  EXPECT_THAT(backup.out, HasSubstr("revision: 30\n"));
  EXPECT_THAT(backup.out, HasSubstr("store_id: " + old_store_id));
  CommandResult status = Claimd({"backup-status", file}, dir.path());
  ASSERT_TRUE(status.exit.Success()) << status.Describe();
  EXPECT_THAT(status.out, HasSubstr("checksum ok"));
  EXPECT_THAT(status.out, HasSubstr("revision: 30\n"));

  // The old store moves on; a client sees revision 35 of it.
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(CreateClaim(*stub, absl::StrCat("later", i), "after the backup"));
  }
  const v1::ListClaimsResponse seen = ListAll(*stub);
  ASSERT_EQ(seen.revision(), 35);
  ASSERT_TRUE(claimd.Stop(SIGTERM, absl::Seconds(10)).has_value());

  // A truncated copy is refused and nothing is written.
  const std::string truncated = dir.File("truncated.cbk");
  fs::copy_file(file, truncated);
  fs::resize_file(truncated, fs::file_size(truncated) - 10);
  CommandResult refused = Claimd(
      {"restore", truncated, "--data_dir=" + dir.File("never")}, dir.path());
  EXPECT_EQ(refused.exit.code, 1) << refused.Describe();
  EXPECT_THAT(refused.err, HasSubstr("incomplete"));
  EXPECT_FALSE(fs::exists(dir.File("never")));

  // Restored on "another machine": a new data directory.
  CommandResult restore = Claimd(
      {"restore", file, "--data_dir=" + dir.File("restored")}, dir.path());
  ASSERT_TRUE(restore.exit.Success()) << restore.Describe();
  EXPECT_THAT(restore.out, HasSubstr("revision: 30\n"));
  CommandResult again = Claimd(
      {"restore", file, "--data_dir=" + dir.File("restored")}, dir.path());
  EXPECT_EQ(again.exit.code, 1);
  EXPECT_THAT(again.err, HasSubstr("is not empty"));

  ClaimdHarness restored(dir.File("restored"), dir.path());
  ASSERT_OK(restored.Start());
  auto new_stub = v1::ClaimService::NewStub(restored.NewChannel());
  const v1::ListClaimsResponse now = ListAll(*new_stub);
  EXPECT_EQ(now.revision(), 30);
  EXPECT_NE(now.store_id(), old_store_id);
  EXPECT_THAT(restore.out, HasSubstr("store_id: " + now.store_id()));
  ASSERT_EQ(now.claims_size(), backed_up.claims_size());
  for (int i = 0; i < now.claims_size(); ++i) {
    EXPECT_EQ(now.claims(i).SerializeAsString(),
              backed_up.claims(i).SerializeAsString())
        << now.claims(i).ShortDebugString();
  }
  ASSERT_OK_AND_ASSIGN(std::vector<v1::ClaimEvent> restored_history,
                       ListAllEvents(*new_stub, "claims/-"));
  ASSERT_EQ(restored_history.size(), history.size());
  for (size_t i = 0; i < history.size(); ++i) {
    EXPECT_EQ(restored_history[i].SerializeAsString(),
              history[i].SerializeAsString());
  }

  // A watcher that saw revision 35 of the old store resumes from 36: refused,
  // whether it names the old store id or not.
  v1::WatchClaimsResponse first;
  v1::WatchClaimsRequest resume;
  resume.set_start_revision(seen.revision() + 1);
  grpc::Status beyond = Watch(*new_stub, resume, &first);
  EXPECT_EQ(beyond.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(beyond.error_message(), HasSubstr("beyond"));
  resume.set_start_revision(20);
  resume.set_store_id(old_store_id);
  grpc::Status other = Watch(*new_stub, resume, &first);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(other.error_message(), HasSubstr("is not this store's"));
  // Re-snapshotting works and names the new store.
  v1::WatchClaimsRequest snapshot;
  snapshot.set_initial_snapshot(true);
  snapshot.set_store_id(old_store_id);
  ASSERT_TRUE(Watch(*new_stub, snapshot, &first).ok());
  EXPECT_EQ(first.store_id(), now.store_id());
  EXPECT_EQ(first.revision(), 30);

  // A compare-and-set with a revision read from the old store fails cleanly
  // and changes nothing.
  {
    grpc::ClientContext context;
    SetTimeout(context, absl::Seconds(5));
    v1::UpdateClaimStatusRequest update;
    update.set_name("claims/c1");
    update.set_status(v1::VERIFICATION_STATUS_DENIED);
    update.mutable_evidence()->set_source("src");
    update.set_expected_revision(backed_up.claims(1).revision());
    update.set_store_id(old_store_id);
    v1::Claim response;
    grpc::Status cas = new_stub->UpdateClaimStatus(&context, update, &response);
    EXPECT_EQ(cas.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << cas.error_message();
  }
  EXPECT_EQ(ListAll(*new_stub).revision(), 30);
}

TEST(Backup, KillDuringABackupLeavesTheStoreAndAnIncompletePartialFile) {
  testing::TempDir dir;
  ClaimdHarness claimd(dir.File("data"), dir.path());
  ASSERT_OK(claimd.Start());
  auto stub = v1::ClaimService::NewStub(claimd.NewChannel());
  // About 3 MB of store: at 64 KiB/s the copy takes most of a minute, so the
  // kill lands halfway.
  const std::string statement(2000, 's');
  for (int i = 0; i < 600; ++i) {
    ASSERT_OK(CreateClaim(*stub, absl::StrCat("c", i), statement));
  }
  const std::string file = dir.File("claims.cbk");
  const std::string err = dir.File("backup.err");
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Process> backup,
      Process::Start(ClaimdBinary(),
                     {"backup", "--data_dir=" + dir.File("data"),
                      "--backup_bytes_per_second=65536", file},
                     dir.File("backup.out"), err));
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!absl::StrContains(ReadFile(err), "claimd backup: copying") &&
         backup->Running() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_THAT(ReadFile(err), HasSubstr("claimd backup: copying"));
  // Writers go on while the backup holds its snapshot.
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(CreateClaim(*stub, absl::StrCat("during", i), "during"));
  }
  if (!backup->Running()) {
    std::optional<ExitStatus> ended = backup->Wait(absl::Seconds(1));
    FAIL() << "the throttled backup ended too soon ("
           << (ended.has_value() ? ended->ToString() : "?")
           << "): " << ReadFile(err) << ReadFile(dir.File("backup.out"));
  }
  const ExitStatus killed = backup->Kill();
  EXPECT_EQ(killed.signal, SIGKILL);

  EXPECT_FALSE(fs::exists(file));
  ASSERT_TRUE(fs::exists(file + ".partial"));
  CommandResult status =
      Claimd({"backup-status", file + ".partial"}, dir.path());
  EXPECT_EQ(status.exit.code, 1) << status.Describe();
  EXPECT_THAT(status.err, HasSubstr("incomplete"));
  CommandResult restore =
      Claimd({"restore", file + ".partial", "--data_dir=" + dir.File("new")},
             dir.path());
  EXPECT_EQ(restore.exit.code, 1) << restore.Describe();
  EXPECT_FALSE(fs::exists(dir.File("new")));

  // The store is untouched: it serves, writes, and a new backup (replacing
  // the stale .partial) holds everything.
  ASSERT_OK(CreateClaim(*stub, "after", "after the kill"));
  EXPECT_EQ(ListAll(*stub).revision(), 621);
  CommandResult second =
      Claimd({"backup", "--data_dir=" + dir.File("data"), file}, dir.path());
  ASSERT_TRUE(second.exit.Success()) << second.Describe();
  EXPECT_THAT(second.out, HasSubstr("revision: 621\n"));
  EXPECT_FALSE(fs::exists(file + ".partial"));
  ASSERT_TRUE(claimd.Stop(SIGTERM, absl::Seconds(10)).has_value());
  ASSERT_OK(claimd.Start());
  auto restarted = v1::ClaimService::NewStub(claimd.NewChannel());
  const v1::ListClaimsResponse reopened = ListAll(*restarted);
  EXPECT_EQ(reopened.claims_size(), 621);
  EXPECT_EQ(reopened.revision(), 621);
}

TEST(Backup, UsageErrorsExitTwo) {
  testing::TempDir dir;
  CommandResult no_file = Claimd({"backup"}, dir.path());
  EXPECT_EQ(no_file.exit.code, 2) << no_file.Describe();
  EXPECT_THAT(no_file.err, HasSubstr("usage:"));
  CommandResult unknown = Claimd({"bakup", "x"}, dir.path());
  EXPECT_EQ(unknown.exit.code, 2) << unknown.Describe();
  CommandResult missing =
      Claimd({"backup-status", dir.File("nope")}, dir.path());
  EXPECT_EQ(missing.exit.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace claimd::e2e
