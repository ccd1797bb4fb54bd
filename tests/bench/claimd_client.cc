#include "tests/bench/claimd_client.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/bench/arena_reads.h"
#include "tests/bench/unary_write.h"
#include "tests/e2e/claimd_harness.h"

namespace claimd::bench {
namespace {

namespace v1 = ::claims::v1;

using ClaimStubs = StubPool<v1::ClaimService>;

int64_t RevisionOf(const v1::Claim& claim) { return claim.revision(); }

std::string Statement(int64_t sequence) {
  return absl::StrCat("Benchmark claim number ", sequence,
                      " says the river rose two metres overnight");
}

// The evidence every benchmark write carries: a source and a unique url.
void FillEvidence(int64_t sequence, v1::Evidence* evidence) {
  evidence->set_source("claimbench");
  evidence->set_url(absl::StrCat("https://bench.example/evidence/", sequence));
}

class CreateClaimOp final : public WriteOp {
 public:
  CreateClaimOp(const Channels& channels, std::string id_prefix,
                int evidence_items)
      : stubs_(channels),
        id_prefix_(std::move(id_prefix)),
        evidence_items_(evidence_items) {}

  void Start(int64_t sequence, Done done) override {
    v1::CreateClaimRequest request;
    request.set_claim_id(absl::StrCat(id_prefix_, sequence));
    request.mutable_claim()->set_statement(Statement(sequence));
    for (int i = 0; i < evidence_items_; ++i)
      FillEvidence(i, request.mutable_claim()->add_evidence());
    StartUnaryWrite<v1::Claim>(
        std::move(request),
        [stub = stubs_.For(sequence).async()](auto... args) {
          stub->CreateClaim(std::move(args)...);
        },
        RevisionOf, std::move(done));
  }

 private:
  ClaimStubs stubs_;
  const std::string id_prefix_;
  const int evidence_items_;
};

class UpdateStatusOp final : public WriteOp {
 public:
  UpdateStatusOp(const Channels& channels, std::vector<std::string> ids)
      : stubs_(channels), ids_(std::move(ids)) {}

  void Start(int64_t sequence, Done done) override {
    v1::UpdateClaimStatusRequest request;
    const size_t round = static_cast<size_t>(sequence) / ids_.size();
    request.set_name(absl::StrCat(
        "claims/", ids_[static_cast<size_t>(sequence) % ids_.size()]));
    request.set_status(round % 2 == 0 ? v1::VERIFICATION_STATUS_CONFIRMED
                                      : v1::VERIFICATION_STATUS_DENIED);
    FillEvidence(sequence, request.mutable_evidence());
    StartUnaryWrite<v1::Claim>(
        std::move(request),
        [stub = stubs_.For(sequence).async()](auto... args) {
          stub->UpdateClaimStatus(std::move(args)...);
        },
        RevisionOf, std::move(done));
  }

 private:
  ClaimStubs stubs_;
  const std::vector<std::string> ids_;
};

class ClaimdWatch final
    : public WatchStream,
      public grpc::ClientReadReactor<v1::WatchClaimsResponse> {
 public:
  ClaimdWatch(grpc::Channel& channel, int64_t start_revision,
              DeliverySink* sink)
      : WatchStream(start_revision),
        stub_(v1::ClaimService::NewStub(
            std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}))),
        sink_(sink) {
    request_.set_start_revision(start_revision);
    stub_->async()->WatchClaims(&context_, &request_, this);
    StartRead(response_.get());
    StartCall();
  }
  ~ClaimdWatch() override {
    Cancel();
    AwaitDone(absl::Seconds(30));
  }

  void Cancel() override { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    const absl::Time received = absl::Now();
    for (const v1::ClaimEvent& event : response_.get()->events())
      Deliver(event.revision(), received, *sink_);
    StartRead(response_.Next());
  }

  void OnDone(const grpc::Status& status) override {
    NoteDone(
        status.ok() || status.error_code() == grpc::StatusCode::CANCELLED
            ? ""
            : absl::StrCat(status.error_code(), ": ", status.error_message()));
  }

 private:
  std::unique_ptr<v1::ClaimService::Stub> stub_;
  DeliverySink* sink_;
  grpc::ClientContext context_;
  v1::WatchClaimsRequest request_;
  ArenaReads<v1::WatchClaimsResponse> response_;
};

}  // namespace

Channels MakeChannels(const std::string& address, int count) {
  Channels channels;
  for (int i = 0; i < count; ++i)
    channels.push_back(e2e::NewLoopbackChannel(address));
  return channels;
}

std::unique_ptr<WriteOp> NewCreateClaimOp(const Channels& channels,
                                          std::string id_prefix,
                                          int evidence_items) {
  return std::make_unique<CreateClaimOp>(channels, std::move(id_prefix),
                                         evidence_items);
}

size_t CreateClaimBytes(const std::string& id_prefix, int64_t sequence) {
  return absl::StrCat(id_prefix, sequence).size() + Statement(sequence).size();
}

size_t UpdateEvidenceBytes(int64_t sequence) {
  v1::Evidence evidence;
  FillEvidence(sequence, &evidence);
  return evidence.source().size() + evidence.url().size();
}

std::unique_ptr<WriteOp> NewUpdateStatusOp(const Channels& channels,
                                           std::vector<std::string> ids) {
  return std::make_unique<UpdateStatusOp>(channels, std::move(ids));
}

std::unique_ptr<WatchStream> StartClaimdWatch(grpc::Channel& channel,
                                              int64_t start_revision,
                                              DeliverySink* sink) {
  return std::make_unique<ClaimdWatch>(channel, start_revision, sink);
}

absl::StatusOr<ListRun> RunListLoad(const Channels& channels,
                                    const std::string& filter, int page_size,
                                    int in_flight, absl::Duration duration) {
  absl::Mutex mutex;
  ListRun total;
  std::string error;
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::vector<std::thread> scanners;
  scanners.reserve(static_cast<size_t>(in_flight));
  for (int i = 0; i < in_flight; ++i) {
    scanners.emplace_back([&, i] {
      auto stub = v1::ClaimService::NewStub(channels[i % channels.size()]);
      std::string token;
      int64_t pages = 0;
      while (absl::Now() < end) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(30));
        v1::ListClaimsRequest request;
        request.set_page_size(page_size);
        request.set_filter(filter);
        request.set_page_token(token);
        v1::ListClaimsResponse response;
        grpc::Status status = stub->ListClaims(&context, request, &response);
        if (!status.ok()) {
          absl::MutexLock lock(&mutex);
          error = status.error_message();
          return;
        }
        ++pages;
        token = response.next_page_token();
      }
      absl::MutexLock lock(&mutex);
      total.pages += pages;
    });
  }
  for (std::thread& scanner : scanners) scanner.join();
  if (!error.empty())
    return absl::UnavailableError(absl::StrCat("ListClaims: ", error));
  total.elapsed = absl::Now() - start;
  return total;
}

}  // namespace claimd::bench
