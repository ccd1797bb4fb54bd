#include "tests/reliability/grpc_history.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/reliability/store_history.h"

namespace claimd::reliability {
namespace {

namespace v1 = ::claims::v1;

// Generous: on a loaded machine a deadline would show up as a transient error.
constexpr absl::Duration kCallTimeout = absl::Seconds(20);
constexpr char kResumeKey[] = "start_revision=";

std::unique_ptr<grpc::ClientContext> NewContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
  return context;
}

// For the checker's own reads: a connect that fails on a loaded machine (just
// after a restart, say) is retried within the deadline, not reported as the
// server's answer.
std::unique_ptr<grpc::ClientContext> NewPatientContext() {
  std::unique_ptr<grpc::ClientContext> context = NewContext();
  context->set_wait_for_ready(true);
  return context;
}

Outcome ClassifyGrpc(const grpc::Status& status) {
  return Classify(static_cast<absl::StatusCode>(status.error_code()));
}

std::string ClaimName(const std::string& id) {
  return absl::StrCat("claims/", id);
}

}  // namespace

EventRecord ToRecord(const v1::ClaimEvent& event) {
  const v1::Claim& claim = event.claim();
  return EventRecord{event.revision(),
                     std::string(absl::StripPrefix(claim.name(), "claims/")),
                     claim.evidence().empty()
                         ? claim.statement()
                         : claim.evidence(claim.evidence_size() - 1).source()};
}

int64_t ResumeRevision(const std::string& message) {
  const size_t at = message.find(kResumeKey);
  if (at == std::string::npos) return 0;
  absl::string_view rest =
      absl::string_view(message).substr(at + sizeof(kResumeKey) - 1);
  size_t digits = 0;
  while (digits < rest.size() && absl::ascii_isdigit(rest[digits])) ++digits;
  int64_t revision = 0;
  if (!absl::SimpleAtoi(rest.substr(0, digits), &revision)) return 0;
  return revision;
}

absl::StatusOr<RecoveredLog> ReadGrpcLog(v1::ClaimService::Stub& stub) {
  RecoveredLog log;
  std::string token;
  for (int page = 0; page < 100000; ++page) {
    v1::ListClaimEventsRequest request;
    request.set_parent("claims/-");
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListClaimEventsResponse response;
    grpc::Status status =
        stub.ListClaimEvents(NewPatientContext().get(), request, &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    for (const v1::ClaimEvent& event : response.events())
      log.events.push_back(ToRecord(event));
    token = response.next_page_token();
    if (token.empty()) break;
  }
  v1::ListClaimsRequest request;
  request.set_page_size(1);
  v1::ListClaimsResponse response;
  grpc::Status status =
      stub.ListClaims(NewPatientContext().get(), request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  log.revision = response.revision();
  return log;
}

GrpcWorkload::GrpcWorkload(std::shared_ptr<grpc::Channel> channel,
                           HistoryLog& history, std::string name,
                           int shared_claims)
    : stub_(v1::ClaimService::NewStub(std::move(channel))),
      history_(history),
      name_(std::move(name)),
      shared_claims_(shared_claims) {}

void GrpcWorkload::Step(int step, int retries) {
  const std::string tag = absl::StrCat(name_, "-", step);
  WriteOp op;
  op.tag = tag;
  op.request_id = tag;
  // Every attempt of one request sends the same message.
  std::function<grpc::Status(v1::Claim&)> call;
  const bool cas = step % 3 == 2 && shared_claims_ > 0;
  std::string claim_id =
      cas ? absl::StrCat("cas-", step / 300, "-", step % shared_claims_) : tag;
  op.claim_id = claim_id;
  v1::Claim current;
  grpc::Status read = grpc::Status(grpc::StatusCode::NOT_FOUND, "");
  if (cas) {
    v1::GetClaimRequest get;
    get.set_name(ClaimName(claim_id));
    read = stub_->GetClaim(NewContext().get(), get, &current);
    if (!read.ok() && read.error_code() != grpc::StatusCode::NOT_FOUND) return;
  }
  if (read.ok()) {
    v1::UpdateClaimStatusRequest update;
    update.set_name(ClaimName(claim_id));
    update.set_status(current.status() == v1::VERIFICATION_STATUS_CONFIRMED
                          ? v1::VERIFICATION_STATUS_DENIED
                          : v1::VERIFICATION_STATUS_CONFIRMED);
    update.mutable_evidence()->set_source(tag);
    update.set_expected_revision(current.revision());
    update.set_request_id(tag);
    op.expected_revision = current.revision();
    call = [this, update](v1::Claim& reply) {
      return stub_->UpdateClaimStatus(NewContext().get(), update, &reply);
    };
  } else {
    v1::CreateClaimRequest create;
    create.set_claim_id(claim_id);
    create.mutable_claim()->set_statement(tag);
    create.set_request_id(tag);
    call = [this, create](v1::Claim& reply) {
      return stub_->CreateClaim(NewContext().get(), create, &reply);
    };
  }
  for (int attempt = 0; attempt <= retries; ++attempt) {
    v1::Claim reply;
    const grpc::Status status = call(reply);
    op.outcome = ClassifyGrpc(status);
    op.revision = status.ok() ? reply.revision() : 0;
    op.error = status.error_message();
    history_.Add(op);
    if (op.outcome == Outcome::kOk) ++acknowledged_;
    if (op.outcome != Outcome::kUnknown) return;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

WatchFollower::WatchFollower(std::string name,
                             std::shared_ptr<grpc::Channel> channel,
                             int64_t start_revision, absl::Duration read_delay)
    : stub_(v1::ClaimService::NewStub(std::move(channel))),
      stream_{std::move(name), "", {}},
      read_delay_(read_delay),
      thread_([this, start_revision] { Run(start_revision, ""); }) {}

WatchFollower::WatchFollower(std::string name,
                             std::shared_ptr<grpc::Channel> channel,
                             int64_t start_revision,
                             const std::string& claim_prefix)
    : stub_(v1::ClaimService::NewStub(std::move(channel))),
      stream_{std::move(name), claim_prefix, {}},
      read_delay_(absl::ZeroDuration()),
      thread_([this, start_revision,
               filter = absl::StrCat("claim_id:\"", claim_prefix, "\"")] {
        Run(start_revision, filter);
      }) {}

WatchFollower::~WatchFollower() { Stop(); }

void WatchFollower::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void WatchFollower::Run(int64_t start_revision, const std::string& filter) {
  int64_t next = start_revision;
  // Bounded: 100,000 calls is far beyond any test.
  for (int call = 0; call < 100000; ++call) {
    grpc::ClientContext context;
    {
      absl::MutexLock lock(&mutex_);
      if (stopping_) return;
      context_ = &context;
      stream_.segments.push_back(WatchSegment{next, {}, false, 0, 0});
    }
    v1::WatchClaimsRequest request;
    request.set_start_revision(next);
    request.set_filter(filter);
    std::unique_ptr<grpc::ClientReader<v1::WatchClaimsResponse>> reader =
        stub_->WatchClaims(&context, request);
    v1::WatchClaimsResponse response;
    while (reader->Read(&response)) {
      WatchResponse recorded;
      recorded.revision = response.revision();
      for (const v1::ClaimEvent& event : response.events())
        recorded.events.push_back(ToRecord(event));
      {
        absl::MutexLock lock(&mutex_);
        stream_.segments.back().responses.push_back(std::move(recorded));
        last_revision_ = std::max(last_revision_, response.revision());
      }
      PauseAfterRead();
    }
    const grpc::Status status = reader->Finish();
    absl::MutexLock lock(&mutex_);
    context_ = nullptr;
    WatchSegment& segment = stream_.segments.back();
    // A call the client cancelled says nothing about the server.
    if (status.error_code() == grpc::StatusCode::CANCELLED && stopping_) {
      segment.ended = false;
      return;
    }
    segment.ended = true;
    segment.code = status.error_code();
    segment.resume_revision = ResumeRevision(status.error_message());
    segment.message = status.error_message();
    next = segment.resume_revision != 0 ? segment.resume_revision
                                        : std::max(next, last_revision_ + 1);
    if (mutex_.AwaitWithTimeout(absl::Condition(&stopping_),
                                absl::Milliseconds(100)))
      return;
  }
}

void WatchFollower::SetReadDelay(absl::Duration delay) {
  absl::MutexLock lock(&mutex_);
  read_delay_ = delay;
}

void WatchFollower::PauseAfterRead() {
  const absl::Time start = absl::Now();
  // Sliced, so SetReadDelay and Stop take effect within 20 ms.
  for (;;) {
    absl::MutexLock lock(&mutex_);
    if (stopping_ || absl::Now() - start >= read_delay_) return;
    mutex_.AwaitWithTimeout(
        absl::Condition(&stopping_),
        std::min(read_delay_ - (absl::Now() - start), absl::Milliseconds(20)));
  }
}

bool WatchFollower::WaitForRevision(int64_t revision, absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  auto reached = [this, revision]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return last_revision_ >= revision;
  };
  return mutex_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

bool WatchFollower::WaitForFirstResponse(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  auto answered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return !stream_.segments.empty() &&
           !stream_.segments.back().responses.empty();
  };
  return mutex_.AwaitWithTimeout(absl::Condition(&answered), timeout);
}

WatchStream WatchFollower::stream() {
  absl::MutexLock lock(&mutex_);
  return stream_;
}

int64_t WatchFollower::last_revision() {
  absl::MutexLock lock(&mutex_);
  return last_revision_;
}

int WatchFollower::calls_ended_with(int code) {
  absl::MutexLock lock(&mutex_);
  int count = 0;
  for (const WatchSegment& segment : stream_.segments)
    count += segment.ended && segment.code == code ? 1 : 0;
  return count;
}

}  // namespace claimd::reliability
