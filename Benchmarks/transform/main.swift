import Foundation
import Ingest
import Postgres
import Transform

#if canImport(Glibc)
import Glibc
#endif

// The normalise step of the transform stage on its own, apart from PostgreSQL: each feed's staged rows are read
// into memory first (`NormalizeWorkload`), then normalised by the pass's own code on 1 and on 2 Dispatch workers,
// in alternating rounds, with nothing written. A real pass (`citypipe transform`, the rest of run.sh) shares the
// two cores with the server that reads and writes its rows; this shows how the Dispatch half scales when it has
// them. Run by Benchmarks/transform/run.sh with IN_MEMORY=1, or:
//   swift build -c release --product transform-bench
//   .build/release/transform-bench DATABASE_URL CONNECTORS_DIR [ROUNDS] [ROWS_PER_FEED]

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: transform-bench DATABASE_URL CONNECTORS_DIR [ROUNDS] [ROWS_PER_FEED]\n".utf8))
    exit(64)
}
let rounds = arguments.count > 3 ? max(1, Int(arguments[3]) ?? 3) : 3
let limit = arguments.count > 4 ? max(1, Int(arguments[4]) ?? .max) : .max

/// CPU seconds of this process so far (user + system, every thread).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

do {
    let connection = try PostgresConnection.connect(arguments[1])
    defer { connection.close() }
    let plans = try ManifestCatalog(directory: arguments[2]).manifests(named: []).map(FeedNormalization.init(manifest:))
        .filter(\.hasSemantics)
    print("| feed | rows | 1 worker s | rows/s | cores busy | 2 workers s | rows/s | cores busy | 2 / 1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    var totals = (rows: 0, one: 0.0, two: 0.0)
    for plan in plans {
        let present = try connection.query("SELECT to_regclass($1) IS NOT NULL AS present", ["staging.\(plan.feed)"])
            .first?.decode(Bool.self, "present") ?? false
        guard present else { continue }
        let workload = try NormalizeWorkload.read(plan, limit: limit, connection)
        guard workload.rows > 0 else { continue }
        var seconds: [Int: [Double]] = [1: [], 2: []]
        var busy: [Int: [Double]] = [1: [], 2: []]
        var failures: Set<Int> = []
        for _ in 0..<rounds {
            for workers in [1, 2] {
                let cpu = cpuSeconds()
                let start = ContinuousClock.now
                failures.insert(workload.normalize(workers: workers))
                let elapsed = start.duration(to: .now)
                let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                seconds[workers, default: []].append(wall)
                busy[workers, default: []].append((cpuSeconds() - cpu) / wall)
            }
        }
        guard failures.count == 1 else {
            FileHandle.standardError.write(Data("\(plan.feed): the runs found different failures (\(failures.sorted())): a bug\n".utf8))
            exit(1)
        }
        let one = median(seconds[1] ?? []), two = median(seconds[2] ?? [])
        totals.rows += workload.rows
        totals.one += one
        totals.two += two
        print(
            "| \(plan.feed) | \(workload.rows) | \(format(one)) | \(Int(Double(workload.rows) / one)) | \(format(median(busy[1] ?? []))) "
                + "| \(format(two)) | \(Int(Double(workload.rows) / two)) | \(format(median(busy[2] ?? []))) | \(format(one / two))× |")
    }
    print(
        "| all | \(totals.rows) | \(format(totals.one)) | \(Int(Double(totals.rows) / totals.one)) | | \(format(totals.two)) "
            + "| \(Int(Double(totals.rows) / totals.two)) | | \(format(totals.one / totals.two))× |")
} catch {
    FileHandle.standardError.write(Data("transform-bench: \(error)\n".utf8))
    exit(1)
}
