/// Why a run, backfill, ingest or transform could not start, in words an operator (or the API's caller) can act
/// on. The text never holds a record's values.
public enum OrchestrationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Another run or backfill holds the lock; the text names the holder (`run #12 of nightly is in progress
    /// (started … ICT on host, pid …)`).
    case busy(String)
    /// A bad pipeline, feed, range or option: what is wrong and what to do.
    case invalid(String)
    /// Nothing to load (every window of the range is already loaded): what to do to load it again.
    case nothingToDo(String)
    /// Could not start: the database, a migration, the reference data, the ledger.
    case failed(String)

    /// The message, without the kind: what the command line prints after `citypipe: COMMAND: `.
    public var message: String {
        switch self {
        case .busy(let text), .invalid(let text), .nothingToDo(let text), .failed(let text): text
        }
    }

    public var description: String { message }

    /// `error` as `.failed`, unless it is already an `OrchestrationError`.
    static func failed(because error: any Error) -> OrchestrationError {
        error as? OrchestrationError ?? .failed(String(describing: error))
    }

    /// `error` as `.invalid`, unless it is already an `OrchestrationError`.
    static func invalid(because error: any Error) -> OrchestrationError {
        error as? OrchestrationError ?? .invalid(String(describing: error))
    }
}
