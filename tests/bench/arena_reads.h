// The message a watch reactor reads into, parsed on an arena that is emptied
// before each read.
//
// A reused protobuf message without an arena frees and allocates every
// submessage on each parse (generated Clear() deletes them), so 1,000
// watchers reading 700,000 events/s spent half of claimbench's CPU in malloc
// and free, on the same two cores as the server they measure
// (docs/BENCHMARKS.md). On an arena a parse costs a few blocks, freed
// together.
//
//   ArenaReads<v1::WatchClaimsResponse> reads;
//   StartRead(reads.get());
//   // OnReadDone: use *reads.get(), then
//   StartRead(reads.Next());
//
// Thread-safety: none; a reactor's reads are serialised by gRPC.
#ifndef CLAIMD_TESTS_BENCH_ARENA_READS_H_
#define CLAIMD_TESTS_BENCH_ARENA_READS_H_

#include "google/protobuf/arena.h"

namespace claimd::bench {

template <typename Message>
class ArenaReads {
 public:
  ArenaReads() : arena_(Options()), message_(New()) {}
  ArenaReads(const ArenaReads&) = delete;
  ArenaReads& operator=(const ArenaReads&) = delete;

  Message* get() { return message_; }
  // Frees the last message and returns an empty one to read into.
  Message* Next() {
    arena_.Reset();
    message_ = New();
    return message_;
  }

 private:
  static google::protobuf::ArenaOptions Options() {
    google::protobuf::ArenaOptions options;
    options.start_block_size = 8 << 10;  // a response of a few events
    return options;
  }
  Message* New() {
    return google::protobuf::Arena::CreateMessage<Message>(&arena_);
  }

  google::protobuf::Arena arena_;
  Message* message_;
};

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_ARENA_READS_H_
