/// Maps decoded records onto a manifest's declared fields (source path → column position) without a dictionary
/// lookup per value: the index plan is computed once per `FieldSchema` and reused while records share it (every
/// record of a CSV stream; consecutive XML/JSON records of the same shape).
///
/// Not thread-safe (it caches the last plan): use one per loader.
public final class FieldProjection {
    /// The manifest's source paths, in column order.
    public let sourcePaths: [String]
    private var lastSchema: FieldSchema?
    private var plan: [Int?] = []
    private var extras: [Int] = []

    /// Creates a projection onto `sourcePaths`.
    public init(sourcePaths: [String]) {
        self.sourcePaths = sourcePaths
    }

    /// The record's values in column order (nil where the record lacks the path).
    public func values(of record: DecodedRecord) -> [String?] {
        refresh(record.schema)
        return plan.map { index in index.flatMap { $0 < record.values.count ? record.values[$0] : nil } }
    }

    /// The record's fields that no source path names (for `_extra`), in record order.
    public func extraFields(of record: DecodedRecord) -> [(path: String, value: String?)] {
        refresh(record.schema)
        return extras.compactMap { i in
            i < record.values.count ? (path: record.schema.paths[i], value: record.values[i]) : nil
        }
    }

    /// The declared paths missing from a schema (schema drift: a renamed or dropped source column).
    public func missingPaths(in schema: FieldSchema) -> [String] {
        sourcePaths.filter { schema.index(of: $0) == nil }
    }

    private func refresh(_ schema: FieldSchema) {
        if let lastSchema, lastSchema === schema { return }
        lastSchema = schema
        plan = sourcePaths.map { schema.index(of: $0) }
        let used = Set(plan.compactMap { $0 })
        extras = schema.paths.indices.filter { !used.contains($0) }
    }
}
