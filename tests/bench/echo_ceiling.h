// The ceiling: a trivial echo service (claimbench.v1.Echo) hosted inside
// claimbench on 127.0.0.1, driven by the same client code as claimd and etcd,
// so its unary calls/s and streamed messages/s are the most this machine's
// gRPC can do in the same run.
//
// Thread-safety: EchoServer is started and stopped by one thread; the op and
// the stream run on gRPC threads.
#ifndef CLAIMD_TESTS_BENCH_ECHO_CEILING_H_
#define CLAIMD_TESTS_BENCH_ECHO_CEILING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "tests/bench/claimd_client.h"
#include "tests/bench/write_load.h"

namespace claimd::bench {

class EchoServer {
 public:
  // Serves on 127.0.0.1 at a free port. Errors: UNAVAILABLE.
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start();
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  std::string address() const;

 private:
  struct Impl;
  explicit EchoServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Unary echo of a `payload_bytes` message.
std::unique_ptr<WriteOp> NewEchoUnaryOp(const Channels& channels,
                                        int payload_bytes);

struct StreamCeiling {
  int64_t messages = 0;
  absl::Duration elapsed;
};
// `streams` server streams (spread over the channels) of `messages_each`
// messages of `payload_bytes`, all at once; waits (bounded by `timeout`) for
// every stream to end.
absl::StatusOr<StreamCeiling> RunStreamCeiling(const Channels& channels,
                                               int streams,
                                               int64_t messages_each,
                                               int payload_bytes,
                                               absl::Duration timeout);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_ECHO_CEILING_H_
