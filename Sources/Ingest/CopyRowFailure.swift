import Foundation
import Postgres

/// Why a typed value could not be written into a COPY row: a NUL byte (which PostgreSQL text cannot store), or a
/// typed value in a form the binary writer does not read (a defect: the typer renders only forms it reads).
enum CopyRowFailure: Sendable, Equatable {
    case nul
    case form(CopyBinary.Column)

    /// Appends `bytes` (a value's text form) to `out` as `column` (`CopyBinary.append`); nil when written,
    /// otherwise what kept it from being written (nothing is appended then).
    @inline(__always)
    static func append(_ bytes: UnsafeRawBufferPointer, as column: CopyBinary.Column, to out: inout [UInt8]) -> CopyRowFailure? {
        if CopyBinary.append(bytes, as: column, to: &out) { return nil }
        if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil { return .nul }
        return .form(column)
    }

    /// The load's error, naming the record and field, never the value (it may be personal data).
    func error(feed: String, position: Int, field: String?) -> StagingError {
        .database(feed: feed, postgresError(position: position, field: field))
    }

    /// The COPY error behind `error(feed:position:field:)`.
    func postgresError(position: Int, field: String?) -> PostgresError {
        let what = field.map { "field \($0)" } ?? "a value"
        let message = switch self {
        case .nul:
            "record \(position): \(what) holds a NUL byte, which PostgreSQL text cannot store; strip it at the source or load the field as bytea"
        case .form(let column):
            "record \(position): \(what) was typed as \(column) but is not in a form the binary COPY writer reads; this is a CityPipe defect: report it with the feed and record number"
        }
        return PostgresError(.copy, message: message, statement: "(in memory)")
    }
}
