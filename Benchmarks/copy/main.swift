// Benchmark: COPY of 1,000,000 generated rows through the Postgres module, against `psql \copy` of the same
// rows from a file, in one run and alternating, against the same server. Prints a Markdown table.
//
// Usage: copy-bench [--rows N] [--rounds R] [--database-url URL]   (default: the embedded cluster)
import Foundation
import Postgres
import Warehouse

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var rows = 1_000_000
    var rounds = 3
    var databaseURL: String? = nil

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rows": rows = iterator.next().flatMap(Int.init) ?? rows
            case "--rounds": rounds = iterator.next().flatMap(Int.init) ?? rounds
            case "--database-url": databaseURL = iterator.next()
            default: break
            }
        }
    }
}

/// Deterministic rows shaped like a staged population record: id, ward code, name, birth date, amount, note.
///
/// The distinct values are rendered once, before timing, as a decoder hands over values it has already read;
/// what is timed is what the Postgres module does with them: escaping, buffering, sending.
struct RowGenerator {
    static let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
    static let middles = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Hữu"]
    static let givens = ["An", "Bình", "Cường", "Dũng", "Hoà", "Hương", "Khánh", "Lan", "Nam", "Thuỷ", "Tùng", "Yến"]
    static let wards = ["09169", "09163", "07738", "09187", "07222", "09247", "07864", "09292"]
    static let notes: [String?] = [nil, "", "chuyển đến từ Bắc Giang", "địa chỉ cũ: Thôn 3\tXã Phù Chẩn", "C:\\hồ sơ\\2024"]

    let names: [String]
    let dates: [String]
    let amounts: [String]

    init() {
        names = (0..<960).map { k in
            "\(RowGenerator.families[k % 10]) \(RowGenerator.middles[(k / 10) % 8]) \(RowGenerator.givens[(k / 80) % 12])"
        }
        dates = (0..<(28 * 12 * 80)).map { k in
            let day = 1 + k % 28, month = 1 + (k / 28) % 12, year = 1940 + (k / 336) % 80
            return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        }
        amounts = (0..<10_007).map { k in "\(k * 97).\(k % 100 < 10 ? "0" : "")\(k % 100)" }
    }

    func write(row i: Int, to writer: CopyInWriter) throws(PostgresError) {
        try writer.append(i)
        try writer.append(RowGenerator.wards[i % RowGenerator.wards.count])
        try writer.append(names[i % names.count])
        try writer.append(dates[i % dates.count])
        try writer.append(amounts[i % amounts.count])
        try writer.append(RowGenerator.notes[i % RowGenerator.notes.count])
        try writer.endRow()
    }
}

/// CPU seconds this process has used (user + system).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func runPsqlCopy(psql: URL, conninfo: String, file: String) throws {
    let process = Process()
    process.executableURL = psql
    process.arguments = [conninfo, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "\\copy bench_copy FROM '\(file)'"]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PostgresError(.copy, message: "psql \\copy exited \(process.terminationStatus)")
    }
}

let options = Options(CommandLine.arguments)
do {
    let conninfo = try DatabaseTarget.resolve(flag: options.databaseURL).conninfo(start: true)
    let psql = try PostgresBinaries.locate().psql
    let connection = try PostgresConnection.connect(conninfo)
    defer { connection.close() }
    try connection.simpleExecute(
        """
        DROP TABLE IF EXISTS bench_copy;
        CREATE TABLE bench_copy (id bigint, ward_code char(5), full_name text, birth_date date,
                                 amount numeric(14,2), note text);
        """)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("citypipe-bench-copy.txt").path
    defer { unlink(file) }

    let generator = RowGenerator()
    var clientCPU: [Double] = []
    func citypipeLoad() throws -> Double {
        try connection.simpleExecute("TRUNCATE bench_copy; CHECKPOINT")
        let cpuBefore = cpuSeconds()
        defer { clientCPU.append(cpuSeconds() - cpuBefore) }
        return try seconds {
            let rows = try connection.copyIn("COPY bench_copy FROM STDIN") { writer in
                for i in 0..<options.rows { try generator.write(row: i, to: writer) }
            }
            precondition(rows == options.rows, "loaded \(rows) rows, expected \(options.rows)")
        }
    }
    func psqlLoad() throws -> Double {
        try connection.simpleExecute("TRUNCATE bench_copy; CHECKPOINT")
        return try seconds { try runPsqlCopy(psql: psql, conninfo: conninfo, file: file) }
    }

    // Warm-up, and the file psql reads: the very rows CityPipe sent, exported by the server.
    _ = try citypipeLoad()
    var bytes = 0
    try connection.copyOut("COPY bench_copy TO STDOUT") { row in bytes += row.count }
    let exporter = Process()
    exporter.executableURL = psql
    exporter.arguments = [conninfo, "-X", "-q", "-c", "\\copy bench_copy TO '\(file)'"]
    try exporter.run()
    exporter.waitUntilExit()

    var ours: [Double] = []
    var theirs: [Double] = []
    for _ in 0..<options.rounds {
        theirs.append(try psqlLoad())
        ours.append(try citypipeLoad())
    }
    let ourRate = Double(options.rows) / median(ours)
    let theirRate = Double(options.rows) / median(theirs)
    print("| tool | median s | rows/s | ratio to psql \\copy |")
    print("|---|---:|---:|---:|")
    print(String(format: "| psql \\copy (file) | %.3f | %.0f | 1.00 |", median(theirs), theirRate))
    print(String(format: "| citypipe Postgres.copyIn (values in memory) | %.3f | %.0f | %.2f |", median(ours), ourRate, ourRate / theirRate))
    print("")
    print(String(format: "citypipe client CPU per load (median): %.3f s", median(Array(clientCPU.dropFirst()))))
    print("rows: \(options.rows), text-format bytes: \(bytes), rounds: \(options.rounds) (alternating), runs psql: \(theirs.map { String(format: "%.3f", $0) }), citypipe: \(ours.map { String(format: "%.3f", $0) })")
    try connection.simpleExecute("DROP TABLE bench_copy")
} catch {
    FileHandle.standardError.write(Data("copy-bench: \(error)\n".utf8))
    exit(1)
}
