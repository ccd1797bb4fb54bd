// TestServer: a real claimd for integration tests. It owns a temporary data
// directory, the WatchHub, a SqliteClaimStore in that directory and a
// ClaimServer on 127.0.0.1 (port 0 on the first start), plus a channel and a
// stub connected to it.
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
//                        TestServer::Start());
//   ASSERT_OK(CreateClaim(server->stub(), "a", "The sky is green").status());
//   ASSERT_OK(server->Restart());  // same data, new hub, store and server
//
// The options default to short timings so tests stay fast: progress messages
// every 200 ms, compaction checked every 100 ms (only when compaction.retention
// is set). The wiring is the one service/main.cc does: the hub is created
// first and passed to the store as its observer, and a core::HistoryCompactor
// runs beside the server.
//
// Thread-safety: stub(), channel() and the accessors may be used from any
// thread while the server runs; Shutdown, Restart and destruction must not
// race other calls on the TestServer itself.
#ifndef CLAIMD_TESTS_API_TEST_SERVER_H_
#define CLAIMD_TESTS_API_TEST_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "claims/v1/claims.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "service/api/server.h"
#include "service/core/history_compactor.h"
#include "service/core/watch_hub.h"
#include "service/store/data_dir.h"
#include "service/store/sqlite_claim_store.h"
#include "tests/testing/temp_dir.h"

namespace claimd::testing {

// ServerOptions tuned for tests (see the banner); listen_address is ignored.
api::ServerOptions FastServerOptions();

struct TestServerOptions {
  api::ServerOptions server = FastServerOptions();
  core::WatchHubOptions hub;
  core::HistoryCompactorOptions compaction = {
      .retention = 0, .interval = absl::Milliseconds(100)};
  // Tests do not cut the power: skip the fsync per commit to stay fast.
  bool durable = false;
};

class TestServer {
 public:
  // Starts a server on a fresh data directory. Errors: those of
  // SqliteClaimStore::Open and ClaimServer::Start.
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(
      TestServerOptions options = {});
  ~TestServer();  // shuts the server down (1 s grace) and closes the store
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Stops the compactor and ClaimServer::Shutdown: the store stays open so tests can look at it.
  void Shutdown(absl::Duration grace = absl::Seconds(2));

  // Shuts everything down (server, store, hub), then starts it all again on
  // the same data directory, on the same port when it is still free. The old
  // stub and channel are replaced.
  absl::Status Restart();

  claims::v1::ClaimService::Stub& stub() { return *stub_; }
  const std::shared_ptr<grpc::Channel>& channel() { return channel_; }
  // A channel on a connection of its own (channels with equal arguments share
  // one).
  std::shared_ptr<grpc::Channel> NewChannel();
  std::unique_ptr<claims::v1::ClaimService::Stub> NewStub();

  std::string address() const;
  int port() const { return port_; }
  const std::string& data_dir() const { return dir_.path(); }
  store::SqliteClaimStore& store() { return *store_; }
  core::WatchHub& hub() { return *hub_; }
  api::ClaimServer& server() { return *server_; }

 private:
  explicit TestServer(TestServerOptions options)
      : options_(std::move(options)) {}
  absl::Status Open(int port);
  void Close();

  const TestServerOptions options_;
  TempDir dir_;
  // Destroyed in reverse: compactor and server before store before hub before
  // the lock.
  store::DataDirLock lock_;
  std::unique_ptr<core::WatchHub> hub_;
  std::unique_ptr<store::SqliteClaimStore> store_;
  std::unique_ptr<api::ClaimServer> server_;
  std::unique_ptr<core::HistoryCompactor> compactor_;
  int port_ = 0;
  std::atomic<int> channels_made_{0};
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<claims::v1::ClaimService::Stub> stub_;
};

}  // namespace claimd::testing

#endif  // CLAIMD_TESTS_API_TEST_SERVER_H_
