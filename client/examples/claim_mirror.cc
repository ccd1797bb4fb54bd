// claim_mirror: keeps every claim of a claimd (or those matching a filter) in
// memory with a ClaimInformer, logs each change, and writes the mirror to a
// file whenever it is synced, the way a service would feed a cache or a
// search index. It survives claimd restarts, failovers across the addresses
// given, and restores of the store (it re-snapshots and says so).
//
//   claim_mirror 127.0.0.1:50051,127.0.0.1:50052 mirror.txt ['status = DENIED']
//
// mirror.txt: "revision N" on the first line, then "NAME REVISION STATUS" per
// claim in name order. Ctrl-C (or SIGTERM) stops it.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "claimd/client/claim_client.h"
#include "claimd/client/claim_informer.h"
#include "claimd/client/server_target.h"

namespace v1 = ::claims::v1;
using namespace claimd::client;  // NOLINT: a short example

namespace {

// Writes the mirror to `path` whole (a reader never sees half a file).
void WriteMirror(const ClaimInformer& informer, const std::string& path) {
  std::ofstream out(path + ".tmp", std::ios::trunc);
  out << "revision " << informer.synced_revision() << "\n";
  for (const v1::Claim& claim : informer.List()) {
    out << claim.name() << " " << claim.revision() << " "
        << v1::VerificationStatus_Name(claim.status()) << "\n";
  }
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: claim_mirror ADDRESS[,ADDRESS...] FILE [FILTER]\n";
    return 2;
  }
  absl::StatusOr<Target> target = ServerTarget(argv[1]);
  if (!target.ok()) {
    std::cerr << "claim_mirror: " << target.status() << "\n";
    return 2;
  }
  // Signals go to a thread of their own; block them before gRPC starts any.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ClaimClient client(MakeGrpcClaimStub(MakeClaimChannel(target->target)), {});
  const std::string path = argv[2];
  ClaimInformer* self = nullptr;
  ClaimInformer informer(
      [&client](const v1::WatchClaimsRequest& request) {
        return client.WatchClaims(request);
      },
      {.filter = argc > 3 ? argv[3] : ""},
      {.on_add =
           [](const v1::Claim& c) {
             std::cout << "added " << c.name() << std::endl;
           },
       .on_update =
           [](const v1::Claim&, const v1::Claim& c) {
             std::cout << "updated " << c.name() << std::endl;
           },
       .on_delete =
           [](const v1::Claim& c) {
             std::cout << "deleted " << c.name() << std::endl;
           },
       .on_synced =
           [&, written = int64_t{-1}](int64_t revision) mutable {
             // Every response syncs, progress messages too: write only what
             // changed, not the whole cache once per message.
             if (revision == written) return;
             WriteMirror(*self, path);
             written = revision;
             std::cout << "synced at revision " << revision << std::endl;
           },
       .on_resync =
           [](const absl::Status& cause) {
             std::cout << "store changed (" << cause << "); re-listing"
                       << std::endl;
           },
       .on_disconnect =
           [](const absl::Status& cause, absl::Duration delay) {
             std::cout << "disconnected (" << cause << "); retrying in "
                       << delay << std::endl;
           }});
  self = &informer;
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    informer.Stop();
  });
  const absl::Status status = informer.Run();
  if (!status.ok()) std::cerr << "claim_mirror: " << status << std::endl;
  // Run also ends on its own (a bad filter): wake the signal thread.
  kill(getpid(), SIGTERM);
  stopper.join();
  return status.ok() ? 0 : 1;
}
