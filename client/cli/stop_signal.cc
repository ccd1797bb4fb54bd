#include "client/cli/stop_signal.h"

#include <pthread.h>

#include <cstdlib>
#include <utility>

namespace claimd::client {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

StopSignal::StopSignal(std::function<void()> on_stop)
    : on_stop_(std::move(on_stop)) {
  const sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  thread_ = std::thread([this] { Wait(); });
}

StopSignal::~StopSignal() {
  done_ = true;
  // Wakes the waiting thread, which sees done_ and leaves without calling back.
  // Not a kill: SIGTERM is blocked in that thread and taken by its sigwait, so
  // it cannot end the process.
  // NOLINTNEXTLINE(bugprone-bad-signal-to-kill-thread): see above.
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void StopSignal::Wait() {
  const sigset_t set = StopSignals();
  bool stopping = false;
  while (true) {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) continue;
    if (done_) return;
    if (stopping) std::_Exit(128 + SIGINT);
    stopping = true;
    on_stop_();
  }
}

}  // namespace claimd::client
