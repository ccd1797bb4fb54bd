// StopSignal: runs a callback when SIGINT or SIGTERM arrives, on its own
// thread.
//
// `claimctl watch` blocks in a gRPC read; a signal handler cannot safely cancel
// it. StopSignal blocks SIGINT and SIGTERM in the calling thread (and so in
// every thread started after it, gRPC's included) and waits for them with
// sigwait on a thread of its own, where the callback may take locks and cancel
// RPCs. A second signal ends the process at once (exit status 130), in case
// stopping hangs.
//
//   StopSignal stop([&] { follower.Stop(); });  // before creating the channel
//   follower.Run(...);                          // returns after Ctrl-C
//
// Create it before any other thread exists, in the main thread; the destructor
// joins the thread and restores the signal mask. Not copyable.
#ifndef CLAIMD_CLIENT_CLI_STOP_SIGNAL_H_
#define CLAIMD_CLIENT_CLI_STOP_SIGNAL_H_

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace claimd::client {

class StopSignal {
 public:
  explicit StopSignal(std::function<void()> on_stop);
  ~StopSignal();

  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

 private:
  void Wait();

  std::function<void()> on_stop_;
  sigset_t old_mask_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace claimd::client

#endif  // CLAIMD_CLIENT_CLI_STOP_SIGNAL_H_
