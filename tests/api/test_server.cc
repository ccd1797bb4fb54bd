#include "tests/api/test_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "service/util/status_macros.h"

namespace claimd::testing {

api::ServerOptions FastServerOptions() {
  api::ServerOptions options;
  options.watch.progress_interval = absl::Milliseconds(200);
  options.catch_up_threads = 2;
  options.fanout_threads = 2;
  return options;
}

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(
    TestServerOptions options) {
  std::unique_ptr<TestServer> server(new TestServer(std::move(options)));
  RETURN_IF_ERROR(server->Open(/*port=*/0));
  return server;
}

TestServer::~TestServer() { Close(); }

absl::Status TestServer::Open(int port) {
  ASSIGN_OR_RETURN(lock_, store::LockDataDir(dir_.path()));
  hub_ = std::make_unique<core::WatchHub>(options_.hub);
  ASSIGN_OR_RETURN(
      store_, store::SqliteClaimStore::Open(store::DatabasePath(dir_.path()),
                                            store::SqliteStoreOptions{
                                                .observer = hub_.get(),
                                                .durable = options_.durable,
                                            }));
  api::ServerOptions server_options = options_.server;
  server_options.listen_address = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<std::unique_ptr<api::ClaimServer>> server =
      api::ClaimServer::Start(server_options, store_.get(), hub_.get());
  if (!server.ok() && port != 0) {
    // The old port was taken meanwhile: any port will do.
    server_options.listen_address = "127.0.0.1:0";
    server = api::ClaimServer::Start(server_options, store_.get(), hub_.get());
  }
  RETURN_IF_ERROR(server.status());
  server_ = *std::move(server);
  compactor_ = std::make_unique<core::HistoryCompactor>(store_.get(),
                                                        options_.compaction);
  compactor_->Start();
  port_ = server_->port();
  channel_ = NewChannel();
  stub_ = claims::v1::ClaimService::NewStub(channel_);
  return absl::OkStatus();
}

void TestServer::Close() {
  stub_.reset();
  channel_.reset();
  compactor_.reset();
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
  server_.reset();
  if (store_ != nullptr) store_->Close();
  store_.reset();
  hub_.reset();
  lock_ = store::DataDirLock();
}

void TestServer::Shutdown(absl::Duration grace) {
  if (compactor_ != nullptr) compactor_->Stop();
  if (server_ != nullptr) server_->Shutdown(grace);
}

absl::Status TestServer::Restart() {
  int port = port_;
  Close();
  return Open(port);
}

std::string TestServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

std::shared_ptr<grpc::Channel> TestServer::NewChannel() {
  grpc::ChannelArguments args;
  // A distinct argument per channel keeps its connection its own.
  args.SetInt("claimd.test.channel", ++channels_made_);
  return grpc::CreateCustomChannel(address(),
                                   grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<claims::v1::ClaimService::Stub> TestServer::NewStub() {
  return claims::v1::ClaimService::NewStub(NewChannel());
}

}  // namespace claimd::testing
