import Foundation
import Manifest
import Normalize

/// Which requests an incremental feed makes in a nightly run: one open-ended request from the stored cursor
/// (minus the lookback) through the cursor's parameter, or windows of the manifest's step from there to now
/// when the source answers bounded windows (monthly exports).
struct IncrementalPlan {
    let manifest: ConnectorManifest
    let storedCursor: String?
    let now: Date

    /// The parameters of each request (or page walk) of the load, in order: each window (one empty window for a
    /// snapshot feed) times each of `request.partitions`.
    func windows() -> [[(String, String)]] {
        IncrementalPlan.crossed(timeWindows(), with: manifest)
    }

    /// Each window's parameters times each of the manifest's `request.partitions` (the windows alone without).
    static func crossed(_ windows: [[(String, String)]], with manifest: ConnectorManifest) -> [[(String, String)]] {
        let partitions = manifest.request.partitions
        guard !partitions.isEmpty else { return windows }
        return windows.flatMap { window in
            partitions.map { partition in partition.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + window }
        }
    }

    /// The window parameters of each request, in order; one empty window for a snapshot feed.
    func timeWindows() -> [[(String, String)]] {
        guard let incremental = manifest.incremental else { return [[]] }
        let start = storedCursor ?? incremental.startDatetime
        if let parameter = incremental.parameter {
            guard let start else { return [[]] }
            let from = IncrementalPlan.subtract(incremental.lookbackWindow, from: start, format: incremental.format)
            return [[(parameter, incremental.parameterValue(from))]]
        }
        guard let window = incremental.window, let start else { return [[]] }
        var result: [[(String, String)]] = []
        var cursor = IncrementalPlan.subtract(incremental.lookbackWindow, from: start, format: incremental.format)
        let end = IncrementalPlan.format(IncrementalPlan.text(of: now, incremental.format), incremental.format)
        var guardCount = 0
        while cursor <= end && guardCount < 10_000 {
            var parameters = [(window.startParameter, cursor)]
            let next = IncrementalPlan.add(window.step, to: cursor, format: incremental.format)
            if let endParameter = window.endParameter { parameters.append((endParameter, next)) }
            result.append(parameters)
            guard next > cursor else { break }
            cursor = next
            guardCount += 1
        }
        return result
    }

    /// A cursor value in the manifest's format (`2025-07` for months, RFC 3339 for timestamps).
    static func format(_ value: String, _ format: CursorFormat?) -> String {
        switch format {
        case .month: return String(value.prefix(7))
        case .date: return String(value.prefix(10))
        default: return value
        }
    }

    /// True when `a` is a later cursor value than `b` (timestamps compared as instants).
    static func isAfter(_ a: String, _ b: String) -> Bool {
        // Both `yyyy-mm-ddThh:mm:ss+07:00` (the common case, once per record): their order is their bytes' order,
        // whether or not both parse (the comparisons below agree on that).
        if let plain = plainOrder(a, b) { return plain }
        if case .success(let x) = DateNormalizer.timestamp(a), case .success(let y) = DateNormalizer.timestamp(b) {
            return x.epochSeconds != y.epochSeconds ? x.epochSeconds > y.epochSeconds : x.fraction > y.fraction
        }
        if let x = Int64(a), let y = Int64(b) { return x > y }
        return a > b
    }

    /// `a > b` by bytes when both have the shape `dddd-dd-ddTdd:dd:dd+07:00` with seconds below 60 (a leap second
    /// would compare equal to :59 once parsed), else nil.
    private static func plainOrder(_ a: String, _ b: String) -> Bool? {
        CopyText.withUTF8(a) { x in
            CopyText.withUTF8(b) { y -> Bool? in
                guard hasPlainShape(x), hasPlainShape(y), let p = x.baseAddress, let q = y.baseAddress else { return nil }
                return memcmp(p, q, 25) > 0
            }
        }
    }

    private static func hasPlainShape(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard p.count == 25 else { return false }
        for k in 0..<25 {
            let b = p[k]
            switch k {
            case 4, 7: guard b == UInt8(ascii: "-") else { return false }
            case 10: guard b == UInt8(ascii: "T") else { return false }
            case 13, 16, 22: guard b == UInt8(ascii: ":") else { return false }
            case 19: guard b == UInt8(ascii: "+") else { return false }
            case 20: guard b == UInt8(ascii: "0") else { return false }
            case 21: guard b == UInt8(ascii: "7") else { return false }
            case 23, 24: guard b == UInt8(ascii: "0") else { return false }
            case 17: guard b >= 48 && b <= 53 else { return false }
            default: guard b >= 48 && b <= 57 else { return false }
            }
        }
        return true
    }

    static func text(of date: Date, _ format: CursorFormat) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        switch format {
        case .epochSeconds: return String(Int64(date.timeIntervalSince1970))
        case .epochMillis: return String(Int64(date.timeIntervalSince1970 * 1000))
        default: return formatter.string(from: date)
        }
    }

    /// `value` moved back by `duration` (months, or seconds for timestamps).
    static func subtract(_ duration: ManifestDuration?, from value: String, format: CursorFormat) -> String {
        guard let duration, !duration.isZero else { return IncrementalPlan.format(value, format) }
        return shift(value, months: -duration.months, seconds: -duration.seconds, format: format)
    }

    static func add(_ duration: ManifestDuration, to value: String, format: CursorFormat) -> String {
        shift(value, months: duration.months, seconds: duration.seconds, format: format)
    }

    private static func shift(_ value: String, months: Int, seconds: Double, format: CursorFormat) -> String {
        switch format {
        case .month, .date:
            let parts = value.split(separator: "-").compactMap { Int($0) }
            guard parts.count >= 2 else { return value }
            var total = parts[0] * 12 + (parts[1] - 1) + months
            var day = parts.count > 2 ? parts[2] : 1
            if seconds != 0, let date = CivilDate(year: total / 12, month: total % 12 + 1, day: day) {
                let shifted = CivilDate(daysSince1970: date.daysSince1970 + Int((seconds / 86_400).rounded()))
                total = shifted.year * 12 + shifted.month - 1
                day = shifted.day
            }
            let year = total / 12, month = total % 12 + 1
            let text = "\(year)-\(month < 10 ? "0" : "")\(month)"
            return format == .month ? text : text + "-\(day < 10 ? "0" : "")\(day)"
        case .epochSeconds:
            return String((Int64(value) ?? 0) + Int64(seconds))
        case .epochMillis:
            return String((Int64(value) ?? 0) + Int64(seconds * 1000))
        case .iso8601:
            guard case .success(let stamp) = DateNormalizer.timestamp(value) else { return value }
            var date = Date(timeIntervalSince1970: Double(stamp.epochSeconds) + seconds)
            if months != 0 { date = Calendar(identifier: .gregorian).date(byAdding: .month, value: months, to: date) ?? date }
            return text(of: date, .iso8601)
        }
    }
}
