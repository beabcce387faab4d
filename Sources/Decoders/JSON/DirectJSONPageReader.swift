import Foundation

/// One value of a record read by `DirectJSONPageReader`, as the general path would give it as text.
package enum ProjectedValue: Sendable, Equatable {
    /// The record lacks the path, or holds `null`.
    case null
    /// A string without escapes: its bytes in the page (valid UTF-8, no control character), not copied.
    case span(start: Int, count: Int)
    /// A string with escapes (decoded), a number or boolean as its JSON text, an empty object or array as `{}`/`[]`.
    case text(String)

    /// The value as text; `page` is the page's bytes.
    package func string(in page: UnsafeRawBufferPointer) -> String? {
        switch self {
        case .null: nil
        case .span(let start, let count): String(decoding: UnsafeRawBufferPointer(rebasing: page[start..<(start + count)]), as: UTF8.self)
        case .text(let text): text
        }
    }
}

/// One record of a REST page read straight into the manifest's columns.
package struct ProjectedRecord: Sendable {
    /// 1-based record number within the feed.
    package let number: Int
    /// Where the record's values (one per binding) start in `ProjectedPage.values`.
    package let first: Int
    /// The fields no binding names, as (flattened path, value), in the general path's (sorted) order.
    package let extra: [(String, String?)]
    /// Where the record's bytes are in its page (to rebuild its raw text for a reject).
    package let bytes: Range<Int>

    package init(number: Int, first: Int, extra: [(String, String?)], bytes: Range<Int>) {
        self.number = number
        self.first = first
        self.extra = extra
        self.bytes = bytes
    }
}

/// A REST page read by `DirectJSONPageReader`.
package struct ProjectedPage: Sendable {
    package let records: [ProjectedRecord]
    /// Every record's values, `width` a record, in binding order.
    package let values: [ProjectedValue]
    /// Values a record.
    package let width: Int
    /// The next cursor or next URL found at the next path, as text (nil at the last page).
    package let next: String?

    /// A page of `records` over `values` (`width` a record), with its `next` link or cursor.
    package init(records: [ProjectedRecord], values: [ProjectedValue], width: Int, next: String?) {
        self.records = records
        self.values = values
        self.width = width
        self.next = next
    }

    /// A record's values as text, in binding order (nil where the record lacks the path or holds `null`), as the
    /// general path gives them; `page` is the page's bytes.
    package func values(of record: ProjectedRecord, in page: UnsafeRawBufferPointer) -> [String?] {
        (record.first..<(record.first + width)).map { values[$0].string(in: page) }
    }

    /// `values(of:in:)` over the page's bytes as an array.
    package func values(of record: ProjectedRecord, in page: [UInt8]) -> [String?] {
        page.withUnsafeBytes { values(of: record, in: $0) }
    }
}

/// Reads a REST page from its bytes straight to the manifest's declared source paths, without building
/// Foundation objects or flattening whole records: what `JSONRecordExtractor` followed by `FieldProjection`
/// gives, for the pages it can read exactly.
///
/// It reads strict JSON whose record keys are plain ASCII (no escapes, no `.`, `[`, `]`, not empty, not
/// repeated) and whose records are objects in an array (or one object) at the records path. Anything else (and
/// anything the general path might read differently: integers beyond 18 digits, `-0`, lone surrogates, a
/// missing or `null` records value, a non-text cursor) throws `DirectJSONFallback`, and the caller reads the
/// page with `JSONRecordExtractor` instead, which decides.
package struct DirectJSONPageReader: Sendable {
    private let recordSteps: [Step]
    private let nextSteps: [Step]?
    private let automaton: JSONPathAutomaton
    private let width: Int

    package enum Step: Sendable, Equatable {
        case key([UInt8])
        case index(Int)
        /// `[key=value]`: only on the next path, resolved on the array's text (see `PageParse.readMatchedNext`).
        case match
    }

    /// The next path, for the part after a `[key=value]` step.
    private let nextPath: JSONPath?

    /// Nil when the paths are outside what it reads (a source path that is not ASCII, an unparseable path).
    package init?(recordsPath: String, nextPath: String?, sourcePaths: [String]) {
        guard let records = JSONPath(recordsPath), let automaton = JSONPathAutomaton(sourcePaths: sourcePaths) else {
            return nil
        }
        func steps(_ path: JSONPath) -> [Step] {
            path.steps.map {
                switch $0 {
                case .key(let key): .key(Array(key.utf8))
                case .index(let n): .index(n)
                case .match: .match
                }
            }
        }
        recordSteps = steps(records)
        if recordSteps.contains(.match) { return nil }
        if let nextPath {
            guard let next = JSONPath(nextPath) else { return nil }
            nextSteps = steps(next)
            self.nextPath = next
            if nextSteps == recordSteps { return nil }
        } else {
            nextSteps = nil
            self.nextPath = nil
        }
        self.automaton = automaton
        self.width = sourcePaths.count
    }

    /// Reads one page; records are numbered from `firstNumber`.
    package func read(_ page: UnsafeRawBufferPointer, firstNumber: Int) throws(DirectJSONFallback) -> ProjectedPage {
        let bytes = page.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw DirectJSONFallback(reason: "empty page") }
        guard UTF8Validator.firstInvalidOffset(bytes) == nil else { throw DirectJSONFallback(reason: "invalid UTF-8") }
        var parse = PageParse(
            cursor: JSONByteCursor(base: base, count: bytes.count), automaton: automaton, width: width,
            recordSteps: recordSteps, nextSteps: nextSteps, nextPath: nextPath, number: firstNumber)
        try parse.navigate(depth: 0, onRecords: true, onNext: nextSteps != nil)
        guard parse.cursor.peek() == nil else { throw DirectJSONFallback(reason: "bytes after the document") }
        guard parse.recordsFound else { throw DirectJSONFallback(reason: "no records value") }
        return ProjectedPage(records: parse.records, values: parse.values, width: width, next: parse.next)
    }
}

/// The state of reading one page.
private struct PageParse {
    package var cursor: JSONByteCursor
    package let automaton: JSONPathAutomaton
    package let width: Int
    package let recordSteps: [DirectJSONPageReader.Step]
    package let nextSteps: [DirectJSONPageReader.Step]?
    package let nextPath: JSONPath?
    package var number: Int

    package var records: [ProjectedRecord] = []
    /// Every record's values, `width` a record.
    package var values: [ProjectedValue] = []
    package var recordsFound = false
    package var next: String? = nil

    // Per record.
    /// Where the current record's values start in `values`.
    private var first = 0
    private var seen: [Bool] = []
    private var extras: [(segments: [Segment], value: String?)] = []
    private var segments: [Segment] = []
    /// Keys of the objects being read (for repeated keys), innermost last.
    private var keys: [(start: Int, count: Int)] = []

    /// A step of the flattened path: a key (its bytes in the page) or an array index (`count` < 0).
    package struct Segment {
        let start: Int
        let count: Int
    }

    package init(
        cursor: JSONByteCursor, automaton: JSONPathAutomaton, width: Int, recordSteps: [DirectJSONPageReader.Step],
        nextSteps: [DirectJSONPageReader.Step]?, nextPath: JSONPath?, number: Int
    ) {
        self.cursor = cursor
        self.automaton = automaton
        self.width = width
        self.recordSteps = recordSteps
        self.nextSteps = nextSteps
        self.nextPath = nextPath
        self.number = number
        self.seen = [Bool](repeating: false, count: width)
    }

    // MARK: - Down to the records and the next cursor

    package mutating func navigate(depth: Int, onRecords: Bool, onNext: Bool) throws(DirectJSONFallback) {
        guard depth < JSONByteCursor.maxDepth else { throw DirectJSONFallback(reason: "nested too deeply") }
        if onRecords && depth == recordSteps.count {
            try readRecords()
            return
        }
        if onNext, let nextSteps, depth == nextSteps.count {
            next = try readCursorText()
            return
        }
        if onNext, let nextSteps, depth < nextSteps.count, nextSteps[depth] == .match {
            guard !onRecords else { throw DirectJSONFallback(reason: "records path through a [key=value] step") }
            try readMatchedNext(depth: depth)
            return
        }
        guard let b = cursor.peek() else { throw DirectJSONFallback(reason: "document ends before a value") }
        switch b {
        case UInt8(ascii: "{"):
            cursor.i += 1
            if cursor.consume(UInt8(ascii: "}")) { return }
            var recordsKeySeen = false
            var nextKeySeen = false
            repeat {
                guard cursor.peek() == JSONByteCursor.quote else { throw DirectJSONFallback(reason: "expected a key") }
                let key = try cursor.readPlainKey()
                try cursor.expect(UInt8(ascii: ":"))
                let r = onRecords && depth < recordSteps.count && isKey(recordSteps[depth], key)
                let n = onNext && depth < (nextSteps?.count ?? 0) && isKey(nextSteps?[depth], key)
                if r {
                    if recordsKeySeen { throw DirectJSONFallback(reason: "repeated key on the records path") }
                    recordsKeySeen = true
                }
                if n {
                    if nextKeySeen { throw DirectJSONFallback(reason: "repeated key on the next path") }
                    nextKeySeen = true
                }
                if r || n {
                    try navigate(depth: depth + 1, onRecords: r, onNext: n)
                } else {
                    try cursor.skipValue(depth: depth + 1)
                }
            } while try cursor.next(closing: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            cursor.i += 1
            if cursor.consume(UInt8(ascii: "]")) { return }
            var index = 0
            repeat {
                let r = onRecords && depth < recordSteps.count && recordSteps[depth] == .index(index)
                let n = onNext && depth < (nextSteps?.count ?? 0) && nextSteps?[depth] == .index(index)
                if r || n {
                    try navigate(depth: depth + 1, onRecords: r, onNext: n)
                } else {
                    try cursor.skipValue(depth: depth + 1)
                }
                index += 1
            } while try cursor.next(closing: UInt8(ascii: "]"))
        default:
            try cursor.skipValue(depth: depth)
        }
    }

    private func isKey(_ step: DirectJSONPageReader.Step?, _ key: (start: Int, count: Int)) -> Bool {
        guard case .key(let wanted)? = step, wanted.count == key.count else { return false }
        for k in 0..<key.count where cursor.base[key.start + k] != wanted[k] { return false }
        return true
    }

    /// The next URL behind a `[key=value]` step (`links[rel=next].href`): the array is skipped as it is checked,
    /// then its text (a few links) is parsed and the rest of the path resolved on it.
    private mutating func readMatchedNext(depth: Int) throws(DirectJSONFallback) {
        _ = cursor.peek()
        let start = cursor.i
        try cursor.skipValue(depth: depth)
        guard let nextPath else { throw DirectJSONFallback(reason: "no next path") }
        let text = Data(UnsafeBufferPointer(start: cursor.base + start, count: cursor.i - start))
        guard let node = try? JSONSerialization.jsonObject(with: text, options: [.fragmentsAllowed]) else {
            throw DirectJSONFallback(reason: "links not readable")
        }
        switch JSONPath(steps: Array(nextPath.steps[depth...])).resolve(in: node) {
        case let value as String: next = value.isEmpty ? nil : value
        case let value as NSNumber: next = value.stringValue
        default: next = nil
        }
    }

    /// The cursor token or next URL: a string (empty means none) or an integer; `null` is none.
    private mutating func readCursorText() throws(DirectJSONFallback) -> String? {
        guard let b = cursor.peek() else { throw DirectJSONFallback(reason: "document ends before a value") }
        switch b {
        case JSONByteCursor.quote:
            let text = try cursor.readString()
            return text.isEmpty ? nil : text
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try cursor.readNumber()
        case UInt8(ascii: "n"):
            return try cursor.readLiteral()
        default:
            throw DirectJSONFallback(reason: "cursor that is not a string or a number")
        }
    }

    // MARK: - Records

    private mutating func readRecords() throws(DirectJSONFallback) {
        guard !recordsFound else { throw DirectJSONFallback(reason: "records found twice") }
        recordsFound = true
        switch cursor.peek() {
        case UInt8(ascii: "[")?:
            cursor.i += 1
            if cursor.consume(UInt8(ascii: "]")) { return }
            repeat {
                guard cursor.peek() == UInt8(ascii: "{") else { throw DirectJSONFallback(reason: "a record that is not an object") }
                try readRecord()
            } while try cursor.next(closing: UInt8(ascii: "]"))
        case UInt8(ascii: "{")?:
            try readRecord()
        default:
            throw DirectJSONFallback(reason: "records value that is not an array or an object")
        }
    }

    private mutating func readRecord() throws(DirectJSONFallback) {
        let start = cursor.i
        first = values.count
        for _ in 0..<width { values.append(.null) }
        for k in seen.indices { seen[k] = false }
        extras.removeAll(keepingCapacity: true)
        segments.removeAll(keepingCapacity: true)
        try readValue(state: JSONPathAutomaton.root, depth: 1)
        var extra: [(String, String?)] = []
        if !extras.isEmpty {
            if extras.count > 1 {
                let base = cursor.base
                extras.sort { PageParse.precedes($0.segments, $1.segments, base) }
            }
            extra = extras.map { (pathText($0.segments), $0.value) }
        }
        records.append(ProjectedRecord(number: number, first: first, extra: extra, bytes: start..<cursor.i))
        number += 1
    }

    private mutating func readValue(state: Int32, depth: Int) throws(DirectJSONFallback) {
        guard depth < JSONByteCursor.maxDepth else { throw DirectJSONFallback(reason: "nested too deeply") }
        guard let b = cursor.peek() else { throw DirectJSONFallback(reason: "document ends before a value") }
        if b == UInt8(ascii: "{") || b == UInt8(ascii: "["), state >= 0, !automaton.columns[Int(state)].isEmpty {
            // A declared field holding an object or an array (a GeoJSON geometry) takes it as its JSON text.
            let start = cursor.i
            try cursor.skipValue(depth: depth)
            let text = String(decoding: UnsafeBufferPointer(start: cursor.base + start, count: cursor.i - start), as: UTF8.self)
            try leaf(state, .text(text))
            return
        }
        switch b {
        case JSONByteCursor.quote:
            let value = try cursor.readStringValue()
            try leaf(state, value)
        case UInt8(ascii: "{"):
            cursor.i += 1
            if cursor.consume(UInt8(ascii: "}")) {
                try leaf(state, .text("{}"))
                return
            }
            let keyBase = keys.count
            repeat {
                guard cursor.peek() == JSONByteCursor.quote else { throw DirectJSONFallback(reason: "expected a key") }
                let key = try cursor.readPlainKey()
                try checkRecordKey(key, from: keyBase)
                keys.append(key)
                var s = state
                if !segments.isEmpty { s = automaton.advance(s, UInt8(ascii: ".")) }
                s = automaton.advance(s, UnsafeBufferPointer(start: cursor.base + key.start, count: key.count))
                try cursor.expect(UInt8(ascii: ":"))
                segments.append(Segment(start: key.start, count: key.count))
                try readValue(state: s, depth: depth + 1)
                segments.removeLast()
            } while try cursor.next(closing: UInt8(ascii: "}"))
            keys.removeSubrange(keyBase...)
        case UInt8(ascii: "["):
            cursor.i += 1
            if cursor.consume(UInt8(ascii: "]")) {
                try leaf(state, .text("[]"))
                return
            }
            var index = 0
            repeat {
                let s = state < 0 ? state : advance(state, index: index)
                segments.append(Segment(start: index, count: -1))
                try readValue(state: s, depth: depth + 1)
                segments.removeLast()
                index += 1
            } while try cursor.next(closing: UInt8(ascii: "]"))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let value = try cursor.readNumber()
            try leaf(state, .text(value))
        default:
            let value = try cursor.readLiteral()
            try leaf(state, value.map(ProjectedValue.text) ?? .null)
        }
    }

    /// A record key must be non-empty, free of path syntax, and not repeated in its object.
    private func checkRecordKey(_ key: (start: Int, count: Int), from keyBase: Int) throws(DirectJSONFallback) {
        guard key.count > 0 else { throw DirectJSONFallback(reason: "empty key") }
        let base = cursor.base
        for k in key.start..<(key.start + key.count) {
            let b = base[k]
            if b == UInt8(ascii: ".") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]") {
                throw DirectJSONFallback(reason: "key with path syntax")
            }
        }
        for other in keys[keyBase...] where other.count == key.count {
            if memcmp(base + other.start, base + key.start, key.count) == 0 {
                throw DirectJSONFallback(reason: "repeated key")
            }
        }
    }

    private func advance(_ state: Int32, index: Int) -> Int32 {
        var s = automaton.advance(state, UInt8(ascii: "["))
        for byte in String(index).utf8 { s = automaton.advance(s, byte) }
        return automaton.advance(s, UInt8(ascii: "]"))
    }

    private mutating func leaf(_ state: Int32, _ value: ProjectedValue) throws(DirectJSONFallback) {
        if state >= 0 {
            let columns = automaton.columns[Int(state)]
            if !columns.isEmpty {
                for column in columns {
                    if seen[column] { throw DirectJSONFallback(reason: "a declared path twice in a record") }
                    seen[column] = true
                    values[first + column] = value
                }
                return
            }
        }
        extras.append((segments, value.string(in: UnsafeRawBufferPointer(start: cursor.base, count: cursor.count))))
    }

    /// The flattened path of `segments`: `a.b[0].c`.
    private func pathText(_ segments: [Segment]) -> String {
        var bytes: [UInt8] = []
        for segment in segments {
            if segment.count < 0 {
                bytes.append(UInt8(ascii: "["))
                bytes.append(contentsOf: String(segment.start).utf8)
                bytes.append(UInt8(ascii: "]"))
            } else {
                if !bytes.isEmpty { bytes.append(UInt8(ascii: ".")) }
                bytes.append(contentsOf: UnsafeBufferPointer(start: cursor.base + segment.start, count: segment.count))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The general path's order: keys of one object sorted (ASCII: byte order), array elements in order.
    private static func precedes(_ a: [Segment], _ b: [Segment], _ base: UnsafePointer<UInt8>) -> Bool {
        for (x, y) in zip(a, b) {
            if x.count < 0 || y.count < 0 {
                if x.start != y.start { return x.start < y.start }
                continue
            }
            let common = min(x.count, y.count)
            let order = memcmp(base + x.start, base + y.start, common)
            if order != 0 { return order < 0 }
            if x.count != y.count { return x.count < y.count }
        }
        return a.count < b.count
    }
}
