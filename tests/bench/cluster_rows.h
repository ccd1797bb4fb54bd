// The `cluster` workload of claimbench (issue 17): claimd over a real etcd
// cluster. It starts a fresh N-member etcd cluster on free loopback ports
// (tests/etcd/etcd_cluster.h) and claimd replicas over it (--store=etcd), then
// measures, interleaving the systems trial by trial so that the machine's load
// hits them alike:
//   - CreateClaim and UpdateClaimStatus at full speed and at a steady rate,
//     through 1 replica and spread over several, next to etcd's own Put from
//     the same client on the same cluster;
//   - fan-out per replica (cluster_fanout.h): watchers split over 1 and 2
//     replicas, a writer at a fixed rate through replica 1;
//   - GetClaim and ListClaims per replica, next to a SQLite claimd measured in
//     the same run, and the etcd requests each read costs (a diff of the
//     members' /metrics over a sequential batch of reads);
//   - failover: a watcher on a replica that is killed -9 resumes on another
//     from its last revision while a writer keeps writing through that other;
//     the figure is the time from the kill to the first event from the other;
//   - an etcd leader killed -9 under a steady write load through a replica:
//     the longest gap between successive acknowledged writes.
// Every load is bounded in count and time; everything stays on loopback.
//
// Thread-safety: RunClusterRows blocks its caller, which must outlive the
// child processes it starts (tests/e2e/process.h).
#ifndef CLAIMD_TESTS_BENCH_CLUSTER_ROWS_H_
#define CLAIMD_TESTS_BENCH_CLUSTER_ROWS_H_

#include "absl/status/status.h"
#include "tests/bench/bench_plan.h"
#include "tests/bench/bench_report.h"

namespace claimd::bench {

// Adds the cluster rows to `report`. Errors: the cluster or a replica could
// not be started, or a workload could not run at all (failed calls are
// counted in the rows' notes instead).
absl::Status RunClusterRows(const BenchPlan& plan, BenchReport& report);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_CLUSTER_ROWS_H_
