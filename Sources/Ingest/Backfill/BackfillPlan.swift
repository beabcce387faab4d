import Foundation
import Manifest
import Normalize

/// The windows of a backfill: `--from` to `--to` (both days included) cut into steps of a day, a week or a
/// month, each with the request parameters of the manifest's `incremental.window`.
///
/// Days are Asia/Ho_Chi_Minh days. A source that takes only a window start (`end_parameter` absent, e.g. the
/// monthly insurance exports) answers windows of the manifest's own step, so the step must be that one and the
/// range must start on a window boundary.
public struct BackfillPlan: Sendable {
    /// How long one window is.
    public enum Step: String, Sendable, CaseIterable {
        case day, week, month
    }

    public let feed: String
    /// First day of the range.
    public let first: CivilDate
    /// Day after the last day of the range.
    public let end: CivilDate
    public let step: Step
    /// The windows, in order.
    public let windows: [LoadWindow]

    /// Last day of the range (included).
    public var last: CivilDate { CivilDate(daysSince1970: end.daysSince1970 - 1) }

    /// The first request a window makes (for `--dry-run`), from a manifest whose placeholders may be resolved.
    public static func firstURL(of window: LoadWindow, manifest: ConnectorManifest) -> String {
        PagePlanner(request: manifest.request, pagination: manifest.pagination, windowParameters: window.pairs).firstURL()
    }

    /// At most this many windows in one backfill.
    public static let maxWindows = 5_000

    /// Plans a backfill of `manifest` from `from` to `to` (`YYYY-MM-DD`, or `YYYY-MM` for whole months).
    /// `step` nil takes the manifest's window step.
    public init(manifest: ConnectorManifest, from: String, to: String, step: Step?) throws(BackfillError) {
        feed = manifest.name
        guard let incremental = manifest.incremental, let window = incremental.window else {
            throw .notWindowed(feed: manifest.name)
        }
        guard let first = BackfillPlan.day(from, end: false) else { throw .invalidDate(from) }
        guard let last = BackfillPlan.day(to, end: true) else { throw .invalidDate(to) }
        guard last >= first else { throw .emptyRange(from: from, to: to) }
        let own = BackfillPlan.step(of: window.step)
        let chosen = step ?? own ?? .day
        if incremental.format == .month && chosen != .month {
            throw .stepMismatch(feed: feed, reason: "its windows are months (format: month); use --step month")
        }
        if window.endParameter == nil {
            guard chosen == own else {
                throw .stepMismatch(
                    feed: feed,
                    reason: "the source takes a window start only, so windows are its own step (\(own?.rawValue ?? window.step.text)); use --step \(own?.rawValue ?? "day")")
            }
            if chosen == .month && first.day != 1 {
                throw .stepMismatch(feed: feed, reason: "monthly windows start on the 1st; use --from \(String(first.description.prefix(7)))")
            }
        }
        self.first = first
        self.step = chosen
        let end = CivilDate(daysSince1970: last.daysSince1970 + 1)
        self.end = end
        var windows: [LoadWindow] = []
        var start = first
        while start < end {
            guard windows.count < BackfillPlan.maxWindows else { throw .tooManyWindows(limit: BackfillPlan.maxWindows) }
            var next = BackfillPlan.advance(start, by: chosen)
            if next > end && window.endParameter != nil { next = end }
            var parameters = [LoadWindow.QueryParameter(
                name: window.startParameter, value: BackfillPlan.text(start, incremental.format))]
            if let endParameter = window.endParameter {
                parameters.append(.init(name: endParameter, value: BackfillPlan.text(next, incremental.format)))
            }
            windows.append(LoadWindow(from: BackfillPlan.instant(start), to: BackfillPlan.instant(next), parameters: parameters))
            start = next
        }
        self.windows = windows
    }

    /// Local midnight (UTC+7) of a day.
    static func instant(_ day: CivilDate) -> Date {
        Date(timeIntervalSince1970: Double(day.daysSince1970) * 86_400 - 7 * 3_600)
    }

    /// A day of `--from`/`--to`: `YYYY-MM-DD`, or `YYYY-MM` (its first day, or its last for the end).
    public static func day(_ text: String, end: Bool) -> CivilDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0].count == 4, parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let year = Int(parts[0]), let month = Int(parts[1]), parts[1].count == 2, (1...12).contains(month)
        else { return nil }
        if parts.count == 3 {
            guard parts[2].count == 2, let day = Int(parts[2]) else { return nil }
            return CivilDate(year: year, month: month, day: day)
        }
        return CivilDate(year: year, month: month, day: end ? CivilDate.daysIn(month: month, year: year) : 1)
    }

    static func advance(_ day: CivilDate, by step: Step) -> CivilDate {
        switch step {
        case .day: return CivilDate(daysSince1970: day.daysSince1970 + 1)
        case .week: return CivilDate(daysSince1970: day.daysSince1970 + 7)
        case .month:
            let total = day.year * 12 + day.month  // the month after, zero-based month + 1
            return CivilDate(year: total / 12, month: total % 12 + 1, day: 1) ?? CivilDate(daysSince1970: day.daysSince1970 + 28)
        }
    }

    /// The step a manifest's window duration is, if it is one of ours.
    static func step(of duration: ManifestDuration) -> Step? {
        if duration.months == 1 && duration.seconds == 0 { return .month }
        if duration.months == 0 && duration.seconds == 86_400 { return .day }
        if duration.months == 0 && duration.seconds == 7 * 86_400 { return .week }
        return nil
    }

    /// A day as the manifest's cursor format writes it.
    static func text(_ day: CivilDate, _ format: CursorFormat) -> String {
        switch format {
        case .month: return String(day.description.prefix(7))
        case .date: return day.description
        case .iso8601: return LoadWindow.timestamp(instant(day))
        case .epochSeconds: return String(Int64(instant(day).timeIntervalSince1970))
        case .epochMillis: return String(Int64(instant(day).timeIntervalSince1970) * 1000)
        }
    }
}
