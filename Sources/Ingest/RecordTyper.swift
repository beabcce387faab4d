import Foundation
import Decoders

/// A record after typing: staged, or rejected with its field and reason.
public enum TypedRecord: Sendable, Equatable {
    case staged(StagedRecord)
    case rejected(RejectedRecord)
}

/// Turns a decoded record (source paths and their text) into a staged record, typed as the manifest declares,
/// or into a rejected record naming the first field that failed and why.
///
/// Source paths the manifest does not bind are kept, as a JSON object, in the record's `_extra` (schema drift is
/// kept, not lost).
public struct RecordTyper: Sendable {
    public let feed: String
    public let bindings: [FieldBinding]
    /// Indexes of the primary-key bindings, in key order.
    public let keyIndexes: [Int]
    private let indexByPath: [String: Int]
    let keepExtra: Bool

    public init(feed: String, bindings: [FieldBinding], primaryKey: [String], keepExtra: Bool = true) {
        self.feed = feed
        self.bindings = bindings
        self.keyIndexes = primaryKey.compactMap { key in bindings.firstIndex { $0.name == key } }
        self.indexByPath = Dictionary(bindings.enumerated().map { ($1.sourcePath, $0) }, uniquingKeysWith: { first, _ in first })
        self.keepExtra = keepExtra
    }

    /// Types one record.
    ///
    /// - Parameters:
    ///   - position: the record's 1-based position in the feed.
    ///   - fields: the decoded (source path, text) pairs; a path absent from them is NULL.
    ///   - raw: the record's raw text, kept with a reject (computed only for a reject).
    public func type(position: Int, fields: [(String, String?)], frame: GeometryFrame? = nil, raw: () -> String) -> TypedRecord {
        var sources = [String?](repeating: nil, count: bindings.count)
        var extra: [(String, String?)] = []
        for (path, value) in fields {
            if let index = indexByPath[path] {
                sources[index] = value
            } else if keepExtra {
                extra.append((path, value))
            }
        }
        return type(position: position, values: sources, extra: extra, frame: frame, raw: raw)
    }

    /// Types one record whose values are already in binding order (see `FieldProjection`), with the fields no
    /// binding names; `frame` is the CRS of its geometries (the response's `Content-Crs`; default CRS84).
    public func type(
        position: Int, values sources: [String?], extra: [(String, String?)], frame: GeometryFrame? = nil, raw: () -> String
    )
        -> TypedRecord
    {
        var values = [String?](repeating: nil, count: bindings.count)
        for (index, binding) in bindings.enumerated() {
            let source = index < sources.count ? sources[index] : nil
            switch ValueTyper.type(source, as: binding.sqlType, format: binding.format, frame: frame) {
            case .value(let typed):
                let missing = typed.map(Whitespace.isBlank) ?? true
                if missing && (binding.required || keyIndexes.contains(index)) {
                    return .rejected(reject(position, binding.name, "required field is missing or empty", sources, raw))
                }
                values[index] = typed
            case .invalid(let reason):
                return .rejected(reject(position, binding.name, reason, sources, raw))
            }
        }
        let kept = keepExtra ? extra.filter { $0.1 != nil } : []
        return .staged(StagedRecord(position: position, values: values, extra: kept.isEmpty ? nil : JSONText.object(kept)))
    }

    private func reject(
        _ position: Int, _ field: String, _ reason: String, _ sources: [String?], _ raw: () -> String
    ) -> RejectedRecord {
        let key: [String?]? = keyIndexes.isEmpty ? nil : keyIndexes.map { sources[$0] }
        let usableKey = key.flatMap { $0.contains(where: { $0 == nil || $0?.isEmpty == true }) ? nil : $0 }
        return RejectedRecord(position: position, field: field, reason: reason, raw: raw(), key: usableKey)
    }
}
