/// Why a backfill cannot be planned or run. Messages name the feed and the window, never a record's values.
public enum BackfillError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The manifest has no `incremental.window`: the source cannot be asked for a date range.
    case notWindowed(feed: String)
    /// `--from`/`--to` is not a date.
    case invalidDate(String)
    /// `--to` is before `--from`.
    case emptyRange(from: String, to: String)
    /// The step does not suit the source.
    case stepMismatch(feed: String, reason: String)
    /// The range has too many windows.
    case tooManyWindows(limit: Int)
    /// The same range was backfilled before and has unfinished windows: say `--resume` or `--reprocess`.
    case unfinished(feed: String, backfillID: Int64, remaining: Int)
    /// `--resume` found nothing to resume.
    case nothingToResume(feed: String)
    /// Another backfill of the feed is running.
    case busy(feed: String)

    public var description: String {
        switch self {
        case .notWindowed(let feed):
            return "feed \(feed) cannot be backfilled: its manifest has no incremental.window (start_parameter, end_parameter, step) to ask the source for a date range"
        case .invalidDate(let text):
            return "'\(text)' is not a date: write YYYY-MM-DD (or YYYY-MM for a whole month)"
        case .emptyRange(let from, let to): return "--to \(to) is before --from \(from)"
        case .stepMismatch(let feed, let reason): return "feed \(feed): \(reason)"
        case .tooManyWindows(let limit): return "more than \(limit) windows: use a longer --step or a shorter range"
        case .unfinished(let feed, let id, let remaining):
            return "backfill #\(id) of \(feed) over this range has \(remaining) unfinished window\(remaining == 1 ? "" : "s"): add --resume to continue it, or --reprocess all to load every window again"
        case .nothingToResume(let feed):
            return "no unfinished backfill of \(feed) to resume (see citypipe status)"
        case .busy(let feed):
            return "another backfill of \(feed) is running (advisory lock citypipe:backfill:\(feed)); wait for it or stop it first"
        }
    }
}
