#include "service/api/claim_service.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "service/api/claim_wire.h"
#include "service/api/event_bytes.h"
#include "service/api/message_budget.h"
#include "service/api/proto_convert.h"
#include "service/api/status_mapping.h"
#include "service/api/store_identity.h"
#include "service/auth/methods.h"
#include "service/core/claim_id.h"
#include "service/core/limits.h"
#include "service/core/page_token.h"
#include "service/util/status_macros.h"

namespace claimd::api {
namespace {

// Responses stay well under the 4 MiB a default gRPC client accepts: a page
// stops early (with a token) once it holds this much.
constexpr size_t kMaxResponseBytes = size_t{2} << 20;

// AIP-158: 0 means the default, larger than the maximum is clamped, and a
// negative size is the caller's mistake.
absl::StatusOr<int> PageSize(int32_t requested,
                             const core::RequestLimits& limits) {
  if (requested < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must not be negative (got ", requested,
        "; 0 means the default of ", limits.default_page_size, ")"));
  }
  if (requested == 0) return limits.default_page_size;
  return std::min(requested, static_cast<int32_t>(limits.max_page_size));
}

std::string NewClaimId() {
  thread_local absl::BitGen gen;
  return core::GenerateClaimId(gen);
}

// Parses a raw request body onto `arena`; null when the bytes are not a
// `Request`.
template <typename Request>
const Request* ParseRequest(const grpc::ByteBuffer& raw,
                            google::protobuf::Arena& arena) {
  auto* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
  grpc::ByteBuffer copy(raw);  // shares the slices; Deserialize consumes
  if (!grpc::SerializationTraits<Request>::Deserialize(&copy, request).ok())
    return nullptr;
  return request;
}

// A request's arena with its first block on the caller's stack: a request
// parsed on it costs no heap unless it is large (a create with evidence).
class RequestArena {
 public:
  RequestArena() : arena_(Options(block_)) {}
  google::protobuf::Arena& get() { return arena_; }

 private:
  static google::protobuf::ArenaOptions Options(char (&block)[2048]) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = sizeof(block);
    return options;
  }
  alignas(16) char block_[2048];  // arenas want 8-byte aligned blocks
  google::protobuf::Arena arena_;
};

// The fields of a ListClaimsRequest a page needs, copied off the request so
// that the read pool holds no reference to it.
struct ClaimsPageRequest {
  int32_t page_size = 0;
  std::string page_token;
  std::string filter;
};

// A page of claims, serialised as a ListClaimsResponse (claim_wire.h).
absl::StatusOr<std::string> ClaimsPage(core::ClaimStore& store,
                                       const core::RequestLimits& limits,
                                       const ClaimsPageRequest& request) {
  ASSIGN_OR_RETURN(core::Filter filter,
                   core::Filter::Parse(request.filter, limits));
  ASSIGN_OR_RETURN(const int page_size, PageSize(request.page_size, limits));
  core::ListClaimsQuery query{.limit = page_size, .filter = std::move(filter)};
  if (!request.page_token.empty()) {
    ASSIGN_OR_RETURN(query.after_id,
                     core::DecodePageToken(request.page_token, request.filter));
  }
  ASSIGN_OR_RETURN(core::ClaimPage page, store.List(query));
  std::vector<size_t> sizes;  // each claim sized once: for the budget, then
  sizes.reserve(page.claims.size());  // for the encoder
  const size_t taken =
      CountWithinBudget(page.claims.size(), kMaxResponseBytes, [&](size_t i) {
        return sizes.emplace_back(ClaimWireSize(page.claims[i]));
      });
  std::string resume_after = page.last_examined_id;
  bool more = page.more;
  if (taken < page.claims.size()) {
    resume_after = page.claims[taken - 1].id;
    more = true;
  }
  return EncodeClaimsPage(
      absl::MakeConstSpan(page.claims).first(taken),
      absl::MakeConstSpan(sizes).first(taken),
      more ? core::EncodePageToken(request.filter, resume_after) : "",
      page.revision, store.StoreId());
}

// The fields of a ListClaimEventsRequest a page needs, copied off the request.
struct EventsPageRequest {
  std::string parent;
  int32_t page_size = 0;
  std::string page_token;
};

// A page of history as a ListClaimEventsResponse, its events' bytes shared
// with the watch streams through `cache`.
absl::StatusOr<grpc::ByteBuffer> EventsPage(core::ClaimStore& store,
                                            const core::RequestLimits& limits,
                                            EventBytesCache& cache,
                                            const EventsPageRequest& request) {
  ASSIGN_OR_RETURN(const int page_size, PageSize(request.page_size, limits));
  // The store stops near the response cap too: a page of claims near the
  // size limits is not read whole only to be cut to 2 MiB here.
  core::ListEventsQuery query{.limit = page_size,
                              .max_bytes = kMaxResponseBytes};
  if (request.parent != core::kAllClaimsParent) {
    ASSIGN_OR_RETURN(query.claim_id,
                     core::ParseClaimName(request.parent, "parent"));
  }
  if (request.page_token.empty()) {
    query.from_revision = 0;  // the oldest revision kept
  } else {
    ASSIGN_OR_RETURN(std::string position,
                     core::DecodePageToken(request.page_token, request.parent));
    if (!absl::SimpleAtoi(position, &query.from_revision) ||
        query.from_revision < 1) {
      return absl::InvalidArgumentError(
          "page_token: is not a token this server issued");
    }
  }
  ASSIGN_OR_RETURN(core::EventPage page, store.ListEvents(query));
  if (page.events.empty() && request.page_token.empty() &&
      !query.claim_id.empty()) {
    // No history at all: the claim never existed (or its history was trimmed).
    absl::StatusOr<core::Claim> claim = store.Get(query.claim_id);
    if (!claim.ok()) return claim.status();
  }
  int64_t next = page.next_revision;
  bool more = page.more;
  std::vector<EventBytes> events;
  events.reserve(page.events.size());
  const size_t taken =
      CountWithinBudget(page.events.size(), kMaxResponseBytes, [&](size_t i) {
        return events.emplace_back(cache.Get(*page.events[i]))->size();
      });
  events.resize(taken);  // the one that did not fit opens the next page
  if (taken < page.events.size()) {
    next = page.events[taken - 1]->revision + 1;
    more = true;
  }
  return EventsPageBytes(
      events,
      more ? core::EncodePageToken(request.parent, absl::StrCat(next)) : "",
      store.StoreId());
}

// A compare-and-set carries the store id its expected_revision was read from:
// a revision of another history (the store was restored from a backup since)
// must not be compared with this one's, where the same number may name a
// different change.
// A compare-and-set names a revision: of this store's history only.
absl::Status CheckStoreId(core::ClaimStore& store, int64_t expected_revision,
                          const std::string& store_id) {
  if (expected_revision == 0) return absl::OkStatus();
  return CheckSameStore(store.StoreId(), store_id,
                        absl::StrCat("read the claim again and retry with its "
                                     "revision and this store_id (",
                                     "expected_revision ", expected_revision,
                                     " was read from the other one)"));
}

// A watch refused before it starts (credentials, quota): it ends at once.
class RejectedWatchReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RejectedWatchReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

grpc::ServerWriteReactor<grpc::ByteBuffer>* RejectedWatch(
    const grpc::Status& status) {
  return new RejectedWatchReactor(status);
}

}  // namespace

bool ClaimServiceImpl::RejectIfDraining(grpc::ServerUnaryReactor* reactor) {
  if (!draining_.load()) return false;
  reactor->Finish(grpc::Status(
      grpc::StatusCode::UNAVAILABLE,
      "claimd is shutting down; retry (with the same request_id) shortly"));
  return true;
}

grpc::ServerUnaryReactor* ClaimServiceImpl::Mutate(
    grpc::CallbackServerContext* context, const absl::StatusOr<Caller>& caller,
    absl::FunctionRef<absl::StatusOr<core::Mutation>()> make_mutation,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = new CountedUnaryReactor(deps_.counter);
  if (RejectIfDraining(reactor)) return reactor;
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  absl::StatusOr<core::Mutation> mutation = make_mutation();
  if (mutation.ok()) CallGate::StampActor(*caller, *mutation);
  absl::Status valid =
      mutation.ok() ? core::ValidateMutation(*mutation) : mutation.status();
  if (!valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  // After validation, which bounds what the client sent.
  mutation->request_id =
      CallGate::ScopedRequestId(*caller, mutation->request_id);
  // Whoever claims `answer` first finishes the call: the store's callback, or
  // the server's deadline (unary_deadline.h). The loser touches neither the
  // reactor nor `response`, which are gone once the call is finished.
  auto answer = std::make_shared<std::atomic<bool>>(false);
  // The client's deadline arrives as wall-clock time: compared with the wall
  // clock once, here; from then on the timer counts on the monotonic clock.
  const absl::Time now = absl::Now();
  const absl::Time server_deadline =
      ServerDeadline(now, absl::FromChrono(context->deadline()), deadlines_);
  std::optional<DeadlineTimer::Handle> timeout;
  if (server_deadline != absl::InfiniteFuture() && timer_ != nullptr) {
    timeout = timer_->After(server_deadline - now, [answer, reactor] {
      if (answer->exchange(true)) return;
      reactor->Finish(grpc::Status(
          grpc::StatusCode::DEADLINE_EXCEEDED,
          "claimd's deadline for this call passed before the write was "
          "acknowledged; it may still take effect: retry with the same "
          "request_id to learn its outcome"));
    });
  }
  // The store calls back on its commit thread; building the reply (a whole
  // claim, up to 256 pieces of evidence) happens on the pool so the next commit
  // is not held up. The call is claimed here, before the pool is used: once
  // claimed it stays counted until the pool finishes it, so the pool outlives
  // the task (shutdown waits for counted calls).
  util::ThreadPool* pool = deps_.fanout_pool;
  DeadlineTimer* timer = timer_;
  deps_.store->Submit(
      *std::move(mutation), [pool, reactor, response, answer, timer, timeout](
                                absl::StatusOr<core::MutationResult> result) {
        // When the deadline answered, the call is done and the server (with
        // the timer) may be gone: touch nothing.
        if (answer->exchange(true)) return;
        if (timeout.has_value()) timer->Cancel(*timeout);
        // Urgent: ahead of the watch pumps this commit just woke.
        pool->ScheduleUrgent([reactor, response, result = std::move(result)] {
          if (result.ok() && response != nullptr) {
            *response = ClaimBytes(result->event->claim);
          }
          reactor->Finish(ToGrpcStatus(result.status()));
        });
      });
  return reactor;
}

grpc::ServerUnaryReactor* ClaimServiceImpl::Read(
    const absl::StatusOr<Caller>& caller,
    absl::AnyInvocable<absl::Status() &&> read) {
  grpc::ServerUnaryReactor* reactor = new CountedUnaryReactor(deps_.counter);
  if (RejectIfDraining(reactor)) return reactor;
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  auto run = [reactor, read = std::move(read)]() mutable {
    reactor->Finish(ToGrpcStatus(std::move(read)()));
  };
  // The call stays counted until it finishes, and shutdown waits for counted
  // calls before the pool goes: the pool outlives the task.
  if (deps_.read_pool != nullptr) {
    deps_.read_pool->Schedule(std::move(run));
  } else {
    run();
  }
  return reactor;
}

grpc::ServerUnaryReactor* ClaimServiceImpl::Unparsable() {
  grpc::ServerUnaryReactor* reactor = new CountedUnaryReactor(deps_.counter);
  reactor->Finish(UnparsableRequestStatus());
  return reactor;
}

// The raw methods parse before they admit the caller, as gRPC does before a
// generated handler runs: bad bytes are refused before credentials are looked
// at.
grpc::ServerUnaryReactor* ClaimServiceImpl::CreateClaim(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
    grpc::ByteBuffer* response) {
  RequestArena arena;
  const auto* request =
      ParseRequest<claims::v1::CreateClaimRequest>(*raw_request, arena.get());
  if (request == nullptr) return Unparsable();
  return Mutate(
      context, gate_->Admit(*context, auth::methods::kCreateClaim),
      [&] {
        bool generated = request->claim_id().empty();
        std::string claim_id = generated ? NewClaimId() : request->claim_id();
        return ToMutation(*request, std::move(claim_id), generated);
      },
      response);
}

grpc::ServerUnaryReactor* ClaimServiceImpl::UpdateClaimStatus(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
    grpc::ByteBuffer* response) {
  RequestArena arena;
  const auto* request = ParseRequest<claims::v1::UpdateClaimStatusRequest>(
      *raw_request, arena.get());
  if (request == nullptr) return Unparsable();
  return Mutate(
      context, gate_->Admit(*context, auth::methods::kUpdateClaimStatus),
      [&]() -> absl::StatusOr<core::Mutation> {
        RETURN_IF_ERROR(CheckStoreId(*deps_.store, request->expected_revision(),
                                     request->store_id()));
        return ToMutation(*request);
      },
      response);
}

grpc::ServerUnaryReactor* ClaimServiceImpl::DeleteClaim(
    grpc::CallbackServerContext* context,
    const claims::v1::DeleteClaimRequest* request,
    google::protobuf::Empty* /*response*/) {
  return Mutate(
      context, gate_->Admit(*context, auth::methods::kDeleteClaim),
      [&]() -> absl::StatusOr<core::Mutation> {
        RETURN_IF_ERROR(CheckStoreId(*deps_.store, request->expected_revision(),
                                     request->store_id()));
        return ToMutation(*request);
      },
      nullptr);
}

grpc::ServerUnaryReactor* ClaimServiceImpl::GetClaim(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
    grpc::ByteBuffer* response) {
  // The name is all the read needs: taken here, so that the read pool holds
  // no reference to the request.
  std::string name;
  {
    RequestArena arena;
    const auto* request =
        ParseRequest<claims::v1::GetClaimRequest>(*raw_request, arena.get());
    if (request == nullptr) return Unparsable();
    name = request->name();
  }
  return Read(gate_->Admit(*context, auth::methods::kGetClaim),
              [this, name = std::move(name), response]() -> absl::Status {
                ASSIGN_OR_RETURN(std::string id,
                                 core::ParseClaimName(name, "name"));
                ASSIGN_OR_RETURN(core::Claim claim, deps_.store->Get(id));
                *response = ClaimBytes(claim);
                return absl::OkStatus();
              });
}

grpc::ServerUnaryReactor* ClaimServiceImpl::ListClaims(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
    grpc::ByteBuffer* response) {
  ClaimsPageRequest page_request;
  {
    RequestArena arena;
    const auto* request =
        ParseRequest<claims::v1::ListClaimsRequest>(*raw_request, arena.get());
    if (request == nullptr) return Unparsable();
    page_request = {.page_size = request->page_size(),
                    .page_token = request->page_token(),
                    .filter = request->filter()};
  }
  return Read(gate_->Admit(*context, auth::methods::kListClaims),
              [this, page_request = std::move(page_request),
               response]() -> absl::Status {
                ASSIGN_OR_RETURN(std::string bytes,
                                 ClaimsPage(*deps_.store, deps_.request_limits,
                                            page_request));
                *response = MessageBytes(std::move(bytes));
                return absl::OkStatus();
              });
}

grpc::ServerUnaryReactor* ClaimServiceImpl::ListClaimEvents(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request,
    grpc::ByteBuffer* response) {
  EventsPageRequest page_request;
  {
    RequestArena arena;
    const auto* request = ParseRequest<claims::v1::ListClaimEventsRequest>(
        *raw_request, arena.get());
    if (request == nullptr) return Unparsable();
    page_request = {.parent = request->parent(),
                    .page_size = request->page_size(),
                    .page_token = request->page_token()};
  }
  return Read(gate_->Admit(*context, auth::methods::kListClaimEvents),
              [this, page_request = std::move(page_request),
               response]() -> absl::Status {
                ASSIGN_OR_RETURN(*response,
                                 EventsPage(*deps_.store, deps_.request_limits,
                                            *deps_.event_bytes, page_request));
                return absl::OkStatus();
              });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ClaimServiceImpl::WatchClaims(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  absl::StatusOr<Caller> caller =
      gate_->Admit(*context, auth::methods::kWatchClaims);
  if (!caller.ok()) return RejectedWatch(ToGrpcStatus(caller.status()));
  absl::StatusOr<auth::WatcherQuota::Lease> lease =
      gate_->AcquireWatcher(*caller);
  if (!lease.ok()) return RejectedWatch(ToGrpcStatus(lease.status()));
  // While draining, the hub is already shut down: the stream ends at once with
  // UNAVAILABLE and the revision to resume from.
  return StartWatch(
      deps_, *request,
      std::shared_ptr<auth::WatcherQuota::LeaseSlot>(*std::move(lease)),
      *caller);
}

}  // namespace claimd::api
