#include "tests/bench/etcd_client.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"
#include "tests/bench/arena_reads.h"
#include "tests/bench/unary_write.h"

namespace claimd::bench {
namespace {

constexpr char kPrefix[] = "claims/";
constexpr char kPrefixEnd[] = "claims0";  // the prefix with '/' + 1

class EtcdPutOp final : public WriteOp {
 public:
  EtcdPutOp(const Channels& channels, std::string id_prefix, int key_count,
            int value_bytes)
      : stubs_(channels),
        id_prefix_(std::move(id_prefix)),
        key_count_(key_count < 1 ? 1 : key_count),
        value_(static_cast<size_t>(value_bytes < 0 ? 0 : value_bytes), 'v') {}

  void Start(int64_t sequence, Done done) override {
    etcdserverpb::PutRequest request;
    request.set_key(absl::StrCat(kPrefix, id_prefix_, sequence % key_count_));
    request.set_value(value_);
    StartUnaryWrite<etcdserverpb::PutResponse>(
        std::move(request),
        [stub = stubs_.For(sequence).async()](auto... args) {
          stub->Put(std::move(args)...);
        },
        [](const etcdserverpb::PutResponse& response) {
          return response.header().revision();
        },
        std::move(done));
  }

 private:
  StubPool<etcdserverpb::KV> stubs_;
  const std::string id_prefix_;
  const int key_count_;
  const std::string value_;
};

class EtcdWatch final
    : public WatchStream,
      public grpc::ClientBidiReactor<etcdserverpb::WatchRequest,
                                     etcdserverpb::WatchResponse> {
 public:
  EtcdWatch(grpc::Channel& channel, int64_t start_revision, DeliverySink* sink)
      : WatchStream(start_revision),
        stub_(etcdserverpb::Watch::NewStub(
            std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}))),
        sink_(sink) {
    etcdserverpb::WatchCreateRequest* create =
        request_.mutable_create_request();
    create->set_key(kPrefix);
    create->set_range_end(kPrefixEnd);
    create->set_start_revision(start_revision);
    stub_->async()->Watch(&context_, this);
    // The send side stays open (etcd keeps a watch while its stream lives);
    // Cancel ends it.
    StartWrite(&request_);
    StartRead(response_.get());
    StartCall();
  }
  ~EtcdWatch() override {
    Cancel();
    AwaitDone(absl::Seconds(30));
  }

  void Cancel() override { context_.TryCancel(); }

  void OnWriteDone(bool ok) override {}

  void OnReadDone(bool ok) override {
    if (!ok) return;
    const etcdserverpb::WatchResponse& response = *response_.get();
    if (response.canceled()) {
      cancel_reason_ = response.cancel_reason();
      Cancel();
      return;
    }
    const absl::Time received = absl::Now();
    for (const mvccpb::Event& event : response.events())
      Deliver(event.kv().mod_revision(), received, *sink_);
    StartRead(response_.Next());
  }

  void OnDone(const grpc::Status& status) override {
    if (!cancel_reason_.empty()) {
      NoteDone(absl::StrCat("etcd cancelled the watch: ", cancel_reason_));
      return;
    }
    NoteDone(
        status.ok() || status.error_code() == grpc::StatusCode::CANCELLED
            ? ""
            : absl::StrCat(status.error_code(), ": ", status.error_message()));
  }

 private:
  std::unique_ptr<etcdserverpb::Watch::Stub> stub_;
  DeliverySink* sink_;
  grpc::ClientContext context_;
  etcdserverpb::WatchRequest request_;
  ArenaReads<etcdserverpb::WatchResponse> response_;
  std::string cancel_reason_;  // set before Cancel, read in OnDone
};

}  // namespace

std::unique_ptr<WriteOp> NewEtcdPutOp(const Channels& channels,
                                      std::string id_prefix, int key_count,
                                      int value_bytes) {
  return std::make_unique<EtcdPutOp>(channels, std::move(id_prefix), key_count,
                                     value_bytes);
}

std::unique_ptr<WatchStream> StartEtcdWatch(grpc::Channel& channel,
                                            int64_t start_revision,
                                            DeliverySink* sink) {
  return std::make_unique<EtcdWatch>(channel, start_revision, sink);
}

}  // namespace claimd::bench
