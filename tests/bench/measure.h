// Small pieces every claimbench workload shares: how one write load becomes a
// report row's trial, the size of the values etcd's Put writes, and the
// progress lines printed to stderr while trials run.
//
// Thread-safety: pure functions; PrintProgress writes whole lines.
#ifndef CLAIMD_TESTS_BENCH_MEASURE_H_
#define CLAIMD_TESTS_BENCH_MEASURE_H_

#include <string>

#include "tests/bench/bench_report.h"
#include "tests/bench/latency_histogram.h"
#include "tests/bench/write_load.h"

namespace claimd::bench {

// About what claimd stores for a claim with one evidence item; etcd's values
// get the same size so both move the same bytes.
inline constexpr int kEtcdValueBytes = 200;

// The trial a write load measured: its rate and latency percentiles, failed
// (with the first error) when any write failed.
Measurement MeasureWrites(const WriteLoadResult& result,
                          const LatencyHistogram& latency);

// "HH:MM:SS what" on stderr (UTC).
void PrintProgress(const std::string& what);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_MEASURE_H_
