/// The ordered field names shared by many records (a CSV header, or the leaf paths of XML/JSON records of one shape).
///
/// Records of one CSV stream share a single instance, so a staging loader can compute its manifest-field → index plan
/// once per schema (keyed by `ObjectIdentifier(schema)`) and then read each record's `values` by index.
public final class FieldSchema: Sendable, Hashable {
    /// Source paths in record order (`MA_LK`, `FILEHOSO/LOAIHOSO`, `@id`, `address.ward_code`, `identifier[0].value`).
    public let paths: [String]
    /// Path → index of its first occurrence in `paths`.
    public let firstIndex: [String: Int]

    /// Creates a schema from paths in record order.
    public init(paths: [String]) {
        self.paths = paths
        var index: [String: Int] = [:]
        index.reserveCapacity(paths.count)
        for (i, p) in paths.enumerated() where index[p] == nil { index[p] = i }
        self.firstIndex = index
    }

    /// The index of `path`'s first occurrence.
    public func index(of path: String) -> Int? { firstIndex[path] }

    /// Schemas are equal when their paths are.
    public static func == (a: FieldSchema, b: FieldSchema) -> Bool { a === b || a.paths == b.paths }
    /// Hashes the paths.
    public func hash(into hasher: inout Hasher) { hasher.combine(paths) }
}

/// Where a record decoded from a document embedded in another record came from (the 130/QĐ-BYT envelope).
public struct EmbeddedOrigin: Sendable, Hashable {
    /// The 1-based number of the outer record (e.g. the `HOSO`) that carried the embedded document.
    public let outerRecord: Int
    /// The embedded file's type (`XML1`…), from the type element.
    public let fileType: String
}

/// One record out of a streaming decoder: its position and its fields, in source order.
///
/// `values[i]` belongs to `schema.paths[i]`. A value is nil when the source has no value (an unquoted empty CSV
/// field, an empty XML element, JSON `null`) and `""` when it has an explicitly empty one (a quoted empty CSV field).
public struct DecodedRecord: Sendable {
    /// 1-based record number within the stream (header excluded; rejected records count too, so numbers are stable).
    public let number: Int
    /// 1-based source line where the record starts, when the format has lines (CSV).
    public let line: Int?
    /// The field names, shared between records of the same shape.
    public let schema: FieldSchema
    /// The field values, parallel to `schema.paths`.
    public let values: [String?]
    /// Set for records decoded from an embedded document.
    public let origin: EmbeddedOrigin?

    /// Creates a record.
    public init(number: Int, line: Int?, schema: FieldSchema, values: [String?], origin: EmbeddedOrigin? = nil) {
        self.number = number
        self.line = line
        self.schema = schema
        self.values = values
        self.origin = origin
    }

    /// The value of the first field at `path` (nil if absent or empty).
    public subscript(path: String) -> String? {
        guard let i = schema.firstIndex[path], i < values.count else { return nil }
        return values[i]
    }

    /// Every value at `path` (repeated XML elements), in order.
    public func allValues(at path: String) -> [String?] {
        var out: [String?] = []
        for (i, p) in schema.paths.enumerated() where p == path && i < values.count { out.append(values[i]) }
        return out
    }

    /// The fields as ordered (path, value) pairs.
    public var fields: [(path: String, value: String?)] {
        zip(schema.paths, values).map { (path: $0.0, value: $0.1) }
    }
}

/// What a decoder hands to its sink: a record, or a record it had to reject (decoding goes on after it).
public enum DecodeEvent: Sendable {
    /// A complete record.
    case record(DecodedRecord)
    /// A malformed record, described without its values.
    case rejected(RecordError)
}

/// Reuses the last schema when consecutive records have the same paths (XML and JSON records of one shape).
package struct SchemaInterner {
    private var last: FieldSchema?

    package mutating func schema(for paths: [String]) -> FieldSchema {
        if let last, last.paths == paths { return last }
        let s = FieldSchema(paths: paths)
        last = s
        return s
    }
}
