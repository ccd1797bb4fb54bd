// Disk full and failed fsync under a real server (in process, 127.0.0.1:0)
// whose store writes through FaultVfs: a write during the fault gets an error,
// never OK; health (the server and claims.v1.ClaimService) reports
// NOT_SERVING while the fault lasts and SERVING again once the store commits
// (its probe, with no client write); what was acknowledged before is intact,
// the retried request applies exactly once, and the reopened file passes
// PRAGMA integrity_check.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "claims/v1/claims.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "service/api/server.h"
#include "service/core/watch_hub.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "service/store/sqlite_db.h"
#include "service/store/testing/fault_vfs.h"
#include "tests/reliability/checker.h"
#include "tests/reliability/grpc_history.h"
#include "tests/reliability/store_history.h"
#include "tests/testing/health_check.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace claimd::reliability {
namespace {

namespace v1 = ::claims::v1;
using ::claimd::testing::CheckHealth;
using ::claimd::testing::WaitForHealth;
using ::grpc::health::v1::HealthCheckResponse;

enum class Fault { kDiskFull, kFsyncFails };

class IoErrorTest : public ::testing::TestWithParam<Fault> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(vfs_,
                         store::testing::FaultVfs::Register("io_error_test"));
    hub_ = std::make_unique<core::WatchHub>(core::WatchHubOptions{});
    store::SqliteStoreOptions options;
    options.observer = hub_.get();
    options.vfs = vfs_->name();
    ASSERT_OK_AND_ASSIGN(store_,
                         store::SqliteClaimStore::Open(db_path(), options));
    api::ServerOptions server_options;
    server_options.listen_address = "127.0.0.1:0";
    server_options.store_health_interval = absl::Milliseconds(50);
    server_options.watch.progress_interval = absl::Milliseconds(200);
    ASSERT_OK_AND_ASSIGN(
        server_,
        api::ClaimServer::Start(server_options, store_.get(), hub_.get()));
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
    server_.reset();
    if (store_ != nullptr) store_->Close();
    store_.reset();
  }
  std::string db_path() const { return dir_.File("claims.db"); }
  void SetFault(bool on) {
    if (GetParam() == Fault::kDiskFull) {
      vfs_->SetDiskFull(on);
    } else {
      vfs_->SetSyncFails(on);
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<store::testing::FaultVfs> vfs_;
  std::unique_ptr<core::WatchHub> hub_;
  std::unique_ptr<store::SqliteClaimStore> store_;
  std::unique_ptr<api::ClaimServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_P(IoErrorTest, WritesFailHealthFollowsTheStoreAndNothingIsHarmed) {
  HistoryLog history;
  GrpcWorkload before(channel_, history, "before", /*shared_claims=*/2);
  for (int i = 0; i < 30; ++i) before.Step(i, /*retries=*/0);
  ASSERT_EQ(before.acknowledged(), 30);
  WatchFollower watch("all", channel_, /*start_revision=*/1);
  ASSERT_TRUE(
      WaitForHealth(channel_, HealthCheckResponse::SERVING, absl::Seconds(10)));

  SetFault(true);
  // Writes during the fault: an error, never OK (recorded as unknown outcome).
  GrpcWorkload during(channel_, history, "during", /*shared_claims=*/0);
  for (int i = 0; i < 5; ++i) during.Step(i, /*retries=*/0);
  EXPECT_EQ(during.acknowledged(), 0);
  EXPECT_TRUE(WaitForHealth(channel_, HealthCheckResponse::NOT_SERVING,
                            absl::Seconds(10)));
  // The probes keep failing while the fault lasts: once the store has tried
  // to write several more times (its probes, every 50 ms), health still says
  // NOT_SERVING. Waiting on the attempts, not on a clock, proves probes ran.
  const int64_t io_before = vfs_->io_count();
  const absl::Time probes_deadline = absl::Now() + absl::Seconds(10);
  while (vfs_->io_count() < io_before + 3 && absl::Now() < probes_deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GE(vfs_->io_count(), io_before + 3)
      << "the store attempted no write (no health probe) within 10 s";
  EXPECT_EQ(CheckHealth(channel_, ""), HealthCheckResponse::NOT_SERVING);
  for (const WriteOp& op : history.writes()) {
    if (absl::StartsWith(op.tag, "during")) {
      EXPECT_NE(op.outcome, Outcome::kOk) << op.tag;
    }
  }

  // Recovery without any client write: the store's probe commits.
  SetFault(false);
  EXPECT_TRUE(
      WaitForHealth(channel_, HealthCheckResponse::SERVING, absl::Seconds(10)));
  // The failed requests retried with their request_ids apply once each.
  GrpcWorkload retry(channel_, history, "during", /*shared_claims=*/0);
  for (int i = 0; i < 5; ++i) retry.Step(i, /*retries=*/0);
  EXPECT_EQ(retry.acknowledged(), 5);
  GrpcWorkload after(channel_, history, "after", /*shared_claims=*/2);
  for (int i = 0; i < 10; ++i) after.Step(i, /*retries=*/0);

  auto stub = v1::ClaimService::NewStub(channel_);
  ASSERT_OK_AND_ASSIGN(RecoveredLog live, ReadGrpcLog(*stub));
  ASSERT_TRUE(watch.WaitForRevision(live.revision, absl::Seconds(10)));
  watch.Stop();
  CheckResult result = CheckHistory(history.writes(), {watch.stream()}, live);
  EXPECT_TRUE(result.ok()) << result.Summary();
  EXPECT_EQ(result.writes_acknowledged, 45);

  // And on disk, after a clean restart of the store.
  server_->Shutdown(absl::Seconds(2));
  server_.reset();
  store_->Close();
  store_.reset();
  ASSERT_OK_AND_ASSIGN(auto db,
                       store::internal::Connection::Open(db_path(), {}));
  EXPECT_EQ(db->QueryText("PRAGMA integrity_check").value_or(""), "ok");
  ASSERT_OK_AND_ASSIGN(auto reopened,
                       store::SqliteClaimStore::Open(db_path(), {}));
  ASSERT_OK_AND_ASSIGN(RecoveredLog stored, ReadStoreLog(*reopened));
  CheckResult on_disk = CheckHistory(history.writes(), {}, stored);
  EXPECT_TRUE(on_disk.ok()) << on_disk.Summary();
  EXPECT_EQ(stored.revision, live.revision);
}

INSTANTIATE_TEST_SUITE_P(Faults, IoErrorTest,
                         ::testing::Values(Fault::kDiskFull,
                                           Fault::kFsyncFails),
                         [](const ::testing::TestParamInfo<Fault>& info) {
                           return info.param == Fault::kDiskFull ? "DiskFull"
                                                                 : "FsyncFails";
                         });

}  // namespace
}  // namespace claimd::reliability
