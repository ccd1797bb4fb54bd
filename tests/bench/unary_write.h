// The shared shape of claimbench's unary write ops (claimd CreateClaim and
// UpdateClaimStatus, etcd Put, the echo ceiling): stubs picked round-robin over
// the channels, and one call on gRPC's callback API whose state lives until
// its callback and is deleted before the write is reported done (see
// WriteOp::Start for why that order matters).
//
// Thread-safety: StubPool is immutable after construction; StartUnaryWrite's
// callback runs on a gRPC thread.
#ifndef CLAIMD_TESTS_BENCH_UNARY_WRITE_H_
#define CLAIMD_TESTS_BENCH_UNARY_WRITE_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "google/protobuf/arena.h"
#include "grpcpp/grpcpp.h"
#include "tests/bench/write_load.h"

namespace claimd::bench {

// One stub of `Service` per channel; call `sequence` uses channel
// sequence % count, so the load arrives on several TCP connections.
template <typename Service>
class StubPool {
 public:
  explicit StubPool(
      const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
    for (const auto& channel : channels)
      stubs_.push_back(Service::NewStub(channel));
  }
  // clang 14, the lint's fallback, still needs the typename C++20 made optional.
  // NOLINTNEXTLINE(readability-redundant-typename)
  typename Service::Stub& For(int64_t sequence) {
    return *stubs_[static_cast<size_t>(sequence) % stubs_.size()];
  }

 private:
  std::vector<std::unique_ptr<typename Service::Stub>> stubs_;
};

// Sends `request` with `invoke(context, request, response, callback)` (a
// stub's async() method) and reports the outcome to `done` with the revision
// `revision_of(response)`.
template <typename Response, typename Request, typename Invoke,
          typename RevisionOf>
void StartUnaryWrite(Request request, Invoke invoke, RevisionOf revision_of,
                     WriteOp::Done done) {
  // The reply is parsed on an arena, as a client that reads whole claims
  // should: a claim with 200 evidence items is hundreds of strings, and with
  // one malloc and free each this client spent as much CPU parsing replies as
  // claimd spent making them, on the same cores (docs/BENCHMARKS.md).
  struct Call {
    google::protobuf::Arena arena;
    grpc::ClientContext context;
    Request request;
    Response* response =
        google::protobuf::Arena::CreateMessage<Response>(&arena);
  };
  auto* call = new Call;
  call->request = std::move(request);
  invoke(
      &call->context, &call->request, call->response,
      [call, revision_of, done = std::move(done)](const grpc::Status& status) {
        const int64_t revision = revision_of(*call->response);
        delete call;  // first: see WriteOp::Start
        done(status.ok(), revision, status.error_message());
      });
}

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_UNARY_WRITE_H_
