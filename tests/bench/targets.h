// Issue 4's targets and ratios, computed from a finished BenchReport: each line
// names the target, the measured figure, and whether it was met, so
// docs/BENCHMARKS.md states misses (and by how much) without hand arithmetic.
//
// Thread-safety: pure over its arguments.
#ifndef CLAIMD_TESTS_BENCH_TARGETS_H_
#define CLAIMD_TESTS_BENCH_TARGETS_H_

#include <ostream>

#include "tests/bench/bench_plan.h"
#include "tests/bench/bench_report.h"

namespace claimd::bench {

// Prints a Markdown table of target | measured | verdict; targets whose rows
// were not run are left out.
void PrintTargets(const BenchPlan& plan, const BenchReport& report,
                  std::ostream& out);

}  // namespace claimd::bench

#endif  // CLAIMD_TESTS_BENCH_TARGETS_H_
