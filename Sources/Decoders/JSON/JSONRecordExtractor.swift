import Foundation

/// A REST page that is not usable JSON, or whose records are not where the manifest says.
public enum JSONExtractError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The page is not valid JSON (Foundation's reason, without content).
    case invalidJSON(String)
    /// The records path is missing from the page.
    case recordsNotFound(path: String)
    /// The records path holds something other than an array or object.
    case recordsNotAnArray(path: String)
    /// A path in the options cannot be parsed.
    case invalidPath(String)

    /// A one-line explanation without any data value.
    public var description: String {
        switch self {
        case .invalidJSON(let why): "page is not valid JSON: \(why)"
        case .recordsNotFound(let path): "no records at path \(path)"
        case .recordsNotAnArray(let path): "records path \(path) is neither an array nor an object"
        case .invalidPath(let path): "invalid JSON path \(path)"
        }
    }
}

/// One decoded REST page: its records, and where the next page is.
public struct JSONPage: Sendable {
    /// The page's records, numbered from `firstNumber`.
    public let records: [DecodedRecord]
    /// The next cursor or next URL found at `nextPath`, as text (nil at the last page).
    public let next: String?

    /// A page of `records` with its `next` link or cursor (a page filtered after decoding keeps its link).
    package init(records: [DecodedRecord], next: String?) {
        self.records = records
        self.next = next
    }
}

/// Extracts the records of one bounded REST page (`JSONSerialization` of a page is fine; the stream is the
/// sequence of pages). Records are at a dotted path (`data.items`, `entry` for FHIR bundles, `value` for
/// SensorThings; empty for a top-level array); each is flattened to (source path, value) pairs:
/// `address.ward_code`, `identifier[0].value`. Strings are given as is, numbers and booleans as their JSON text,
/// `null` as nil; objects and arrays are descended into, except at `keepAsJSON` paths (the declared fields' paths: a
/// GeoJSON `geometry`, a FHIR `extension`) and when empty, where the value is their compact JSON text.
public struct JSONRecordExtractor: Sendable {
    private let recordsPath: JSONPath
    private let nextPath: JSONPath?
    private let keepAsJSON: Set<String>

    /// Creates an extractor; `nextPath` locates a cursor token or next URL (FHIR: `link[?relation=next]` is
    /// read with `nextLink(in:relation:)`).
    public init(recordsPath: String, nextPath: String? = nil, keepAsJSON: Set<String> = []) throws(JSONExtractError) {
        guard let records = JSONPath(recordsPath) else { throw .invalidPath(recordsPath) }
        self.recordsPath = records
        if let nextPath {
            guard let next = JSONPath(nextPath) else { throw .invalidPath(nextPath) }
            self.nextPath = next
        } else {
            self.nextPath = nil
        }
        self.keepAsJSON = keepAsJSON
    }

    /// Decodes one page; records are numbered from `firstNumber` (continue the count across pages).
    public func extract(page: Data, firstNumber: Int = 1) throws(JSONExtractError) -> JSONPage {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: page, options: [.fragmentsAllowed])
        } catch {
            throw .invalidJSON("unparseable at or before byte \(page.count)")
        }
        let found = recordsPath.resolve(in: root)
        var items: [Any]
        switch found {
        case let array as [Any]: items = array
        case let object as [String: Any]: items = [object]
        case nil, is NSNull:
            if nextPath == nil || found == nil && recordsPath.steps.isEmpty {
                throw .recordsNotFound(path: recordsPath.description)
            }
            items = []  // an empty last page often omits the records key
        default: throw .recordsNotAnArray(path: recordsPath.description)
        }
        var interner = SchemaInterner()
        var records: [DecodedRecord] = []
        records.reserveCapacity(items.count)
        for (k, item) in items.enumerated() {
            var paths: [String] = []
            var values: [String?] = []
            flatten(item, prefix: "", into: &paths, &values)
            records.append(
                DecodedRecord(
                    number: firstNumber + k, line: nil, schema: interner.schema(for: paths), values: values))
        }
        return JSONPage(records: records, next: nextPath.flatMap { cursorText($0.resolve(in: root)) })
    }

    /// One record's JSON text flattened as `extract` flattens each record (for a reject's raw text when the
    /// page was read by `DirectJSONPageReader`); empty when it is not JSON.
    public func fields(ofRecord json: Data) -> [(path: String, value: String?)] {
        guard let item = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) else { return [] }
        var paths: [String] = []
        var values: [String?] = []
        flatten(item, prefix: "", into: &paths, &values)
        return zip(paths, values).map { (path: $0.0, value: $0.1) }
    }

    /// The `url` of the `link` entry whose `relation` is `relation` (FHIR Bundle paging), if any.
    public static func nextLink(in page: Data, relation: String = "next") -> String? {
        guard let root = try? JSONSerialization.jsonObject(with: page) as? [String: Any],
            let links = root["link"] as? [[String: Any]]
        else { return nil }
        return links.first { ($0["relation"] as? String) == relation }?["url"] as? String
    }

    // MARK: - Flattening

    private func flatten(_ node: Any, prefix: String, into paths: inout [String], _ values: inout [String?]) {
        if !prefix.isEmpty && keepAsJSON.contains(prefix) && (node is [String: Any] || node is [Any]) {
            paths.append(prefix)
            values.append(jsonText(node))
            return
        }
        switch node {
        case let object as [String: Any] where !object.isEmpty:
            // JSONSerialization loses key order; sort for a stable field order.
            for key in object.keys.sorted() {
                if let value = object[key] {
                    flatten(value, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &paths, &values)
                }
            }
        case let array as [Any] where !array.isEmpty:
            for (i, value) in array.enumerated() {
                flatten(value, prefix: prefix + "[\(i)]", into: &paths, &values)
            }
        default:
            paths.append(prefix)
            values.append(scalarText(node))
        }
    }

    private func scalarText(_ node: Any) -> String? {
        switch node {
        case is NSNull: return nil
        case let s as String: return s
        case let n as NSNumber: return numberText(n)
        default: return jsonText(node)
        }
    }

    private func cursorText(_ node: Any?) -> String? {
        guard let node, !(node is NSNull) else { return nil }
        if let s = node as? String { return s.isEmpty ? nil : s }
        if let n = node as? NSNumber { return numberText(n) }
        return jsonText(node)
    }

    private func numberText(_ n: NSNumber) -> String {
        if isBoolean(n) { return n.boolValue ? "true" : "false" }
        let type = String(cString: n.objCType)
        if type == "d" || type == "f" {
            let d = n.doubleValue
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        }
        return n.stringValue
    }

    /// JSON booleans come out of `JSONSerialization` as a boolean NSNumber subclass with objCType "c".
    private func isBoolean(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c" && String(describing: type(of: n)).contains("Boolean")
    }

    private func jsonText(_ node: Any) -> String? {
        guard JSONSerialization.isValidJSONObject(node) || node is String || node is NSNumber else { return nil }
        guard let data = try? JSONSerialization.data(withJSONObject: node, options: [.fragmentsAllowed, .sortedKeys])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
