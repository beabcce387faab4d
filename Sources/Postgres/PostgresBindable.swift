import Foundation

/// A Swift value that can be sent as a statement parameter (`$1`, `$2`…).
///
/// Values travel in PostgreSQL's text format with a declared type OID, except `Data`, which travels as binary
/// `bytea`. An OID of 0 lets the server infer the type from the statement's context.
public protocol PostgresBindable: Sendable {
    /// The parameter as PostgreSQL will receive it.
    var postgresParameter: PostgresParameter { get }
}

/// One encoded parameter: its bytes (nil for SQL NULL), type OID and format.
public struct PostgresParameter: Sendable, Equatable {
    public var bytes: [UInt8]?
    public var typeOID: UInt32
    public var isBinary: Bool

    public init(bytes: [UInt8]?, typeOID: UInt32, isBinary: Bool = false) {
        self.bytes = bytes
        self.typeOID = typeOID
        self.isBinary = isBinary
    }

    /// SQL NULL of an unspecified type.
    public static let null = PostgresParameter(bytes: nil, typeOID: 0)

    public static func text(_ string: String, oid: UInt32) -> PostgresParameter {
        PostgresParameter(bytes: Array(string.utf8), typeOID: oid)
    }
}

/// Well-known type OIDs.
public enum PostgresOID {
    public static let unknown: UInt32 = 0
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let float8: UInt32 = 701
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let jsonb: UInt32 = 3802
}

extension String: PostgresBindable {
    public var postgresParameter: PostgresParameter { .text(self, oid: PostgresOID.unknown) }
}

extension Substring: PostgresBindable {
    public var postgresParameter: PostgresParameter { .text(String(self), oid: PostgresOID.unknown) }
}

extension Int: PostgresBindable {
    public var postgresParameter: PostgresParameter { .text(String(self), oid: PostgresOID.int8) }
}

extension Int64: PostgresBindable {
    public var postgresParameter: PostgresParameter { .text(String(self), oid: PostgresOID.int8) }
}

extension Int32: PostgresBindable {
    public var postgresParameter: PostgresParameter { .text(String(self), oid: PostgresOID.int4) }
}

extension Double: PostgresBindable {
    public var postgresParameter: PostgresParameter {
        if isNaN { return .text("NaN", oid: PostgresOID.float8) }
        if isInfinite { return .text(self < 0 ? "-Infinity" : "Infinity", oid: PostgresOID.float8) }
        return .text("\(self)", oid: PostgresOID.float8)
    }
}

extension Bool: PostgresBindable {
    public var postgresParameter: PostgresParameter { .text(self ? "t" : "f", oid: PostgresOID.bool) }
}

extension Decimal: PostgresBindable {
    public var postgresParameter: PostgresParameter {
        // `description` always uses "." and no grouping, whatever the process locale.
        .text(self.description, oid: PostgresOID.numeric)
    }
}

extension Data: PostgresBindable {
    public var postgresParameter: PostgresParameter {
        PostgresParameter(bytes: Array(self), typeOID: PostgresOID.bytea, isBinary: true)
    }
}

extension Date: PostgresBindable {
    /// Sent as `timestamptz` in UTC with microseconds, e.g. `2025-07-01 00:00:00.000000+00`.
    public var postgresParameter: PostgresParameter {
        .text(PostgresTimestamp.format(self), oid: PostgresOID.timestamptz)
    }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresParameter: PostgresParameter {
        switch self {
        case .none: return .null
        case .some(let value): return value.postgresParameter
        }
    }
}

/// A JSON document sent as `jsonb`.
public struct JSONB: PostgresBindable, Equatable {
    public var text: String
    public init(_ text: String) { self.text = text }
    public var postgresParameter: PostgresParameter { .text(text, oid: PostgresOID.jsonb) }
}
