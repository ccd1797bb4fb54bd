#include "tests/bench/echo_ceiling.h"

#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "echo/v1/echo.grpc.pb.h"
#include "tests/bench/unary_write.h"

namespace claimd::bench {
namespace {

namespace v1 = ::claimbench::v1;

// Writes `count` messages, one in flight at a time, then finishes.
class StreamWriter final : public grpc::ServerWriteReactor<v1::EchoMessage> {
 public:
  explicit StreamWriter(const v1::StreamRequest& request)
      : remaining_(request.count()) {
    message_.set_payload(request.payload());
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (remaining_ <= 0) {
      Finish(grpc::Status::OK);
      return;
    }
    message_.set_sequence(remaining_--);
    StartWrite(&message_);
  }

  int64_t remaining_;
  v1::EchoMessage message_;
};

class EchoService final : public v1::Echo::CallbackService {
 public:
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  const v1::EchoMessage* request,
                                  v1::EchoMessage* response) override {
    *response = *request;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerWriteReactor<v1::EchoMessage>* Stream(
      grpc::CallbackServerContext* context,
      const v1::StreamRequest* request) override {
    return new StreamWriter(*request);
  }
};

class EchoUnaryOp final : public WriteOp {
 public:
  EchoUnaryOp(const Channels& channels, int payload_bytes)
      : stubs_(channels), payload_(static_cast<size_t>(payload_bytes), 'p') {}
  void Start(int64_t sequence, Done done) override {
    v1::EchoMessage request;
    request.set_sequence(sequence);
    request.set_payload(payload_);
    StartUnaryWrite<v1::EchoMessage>(
        std::move(request),
        [stub = stubs_.For(sequence).async()](auto... args) {
          stub->Unary(std::move(args)...);
        },
        [](const v1::EchoMessage&) { return int64_t{0}; }, std::move(done));
  }

 private:
  StubPool<v1::Echo> stubs_;
  const std::string payload_;
};

// Shared by the stream readers of one RunStreamCeiling.
struct StreamTally {
  absl::Mutex mutex;
  int open ABSL_GUARDED_BY(mutex) = 0;
  std::string error ABSL_GUARDED_BY(mutex);
  std::atomic<int64_t> messages{0};
  bool AllDone() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    return open == 0;
  }
};

class StreamReader final : public grpc::ClientReadReactor<v1::EchoMessage> {
 public:
  StreamReader(v1::Echo::Stub& stub, const v1::StreamRequest& request,
               StreamTally* tally)
      : tally_(tally) {
    stub.async()->Stream(&context_, &request, this);
    StartRead(&message_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    tally_->messages.fetch_add(1, std::memory_order_relaxed);
    StartRead(&message_);
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&tally_->mutex);
    if (!status.ok() && tally_->error.empty())
      tally_->error = status.error_message();
    --tally_->open;
  }
  void Cancel() { context_.TryCancel(); }

 private:
  StreamTally* tally_;
  grpc::ClientContext context_;
  v1::EchoMessage message_;
};

}  // namespace

struct EchoServer::Impl {
  EchoService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

EchoServer::EchoServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EchoServer::~EchoServer() {
  impl_->server->Shutdown(std::chrono::system_clock::now() +
                          std::chrono::seconds(2));
}

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start() {
  auto impl = std::make_unique<Impl>();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &impl->port);
  builder.RegisterService(&impl->service);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0)
    return absl::UnavailableError("cannot start the echo server");
  return std::unique_ptr<EchoServer>(new EchoServer(std::move(impl)));
}

std::string EchoServer::address() const {
  return absl::StrCat("127.0.0.1:", impl_->port);
}

std::unique_ptr<WriteOp> NewEchoUnaryOp(const Channels& channels,
                                        int payload_bytes) {
  return std::make_unique<EchoUnaryOp>(channels, payload_bytes);
}

absl::StatusOr<StreamCeiling> RunStreamCeiling(const Channels& channels,
                                               int streams,
                                               int64_t messages_each,
                                               int payload_bytes,
                                               absl::Duration timeout) {
  std::vector<std::unique_ptr<v1::Echo::Stub>> stubs;
  for (const auto& channel : channels)
    stubs.push_back(v1::Echo::NewStub(channel));
  v1::StreamRequest request;
  request.set_count(messages_each);
  request.set_payload(std::string(static_cast<size_t>(payload_bytes), 'p'));
  StreamTally tally;
  {
    absl::MutexLock lock(&tally.mutex);
    tally.open = streams;
  }
  const absl::Time start = absl::Now();
  std::vector<std::unique_ptr<StreamReader>> readers;
  readers.reserve(static_cast<size_t>(streams));
  for (int i = 0; i < streams; ++i) {
    readers.push_back(std::make_unique<StreamReader>(
        *stubs[static_cast<size_t>(i) % stubs.size()], request, &tally));
  }
  absl::MutexLock lock(&tally.mutex);
  if (!tally.mutex.AwaitWithTimeout(
          absl::Condition(&tally, &StreamTally::AllDone), timeout)) {
    for (auto& reader : readers) reader->Cancel();
    tally.mutex.Await(absl::Condition(&tally, &StreamTally::AllDone));
    return absl::DeadlineExceededError("echo streams did not finish in time");
  }
  if (!tally.error.empty())
    return absl::UnavailableError(absl::StrCat("echo stream: ", tally.error));
  return StreamCeiling{tally.messages.load(), absl::Now() - start};
}

}  // namespace claimd::bench
