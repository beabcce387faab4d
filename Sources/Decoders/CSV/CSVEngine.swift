#if canImport(Glibc)
import Glibc
#endif
import Normalize

/// The byte-level RFC 4180 state machine behind `CSVStreamDecoder`. Works on UTF-8 (or single-byte legacy)
/// bytes; keeps only the current record's bytes, so memory is bounded by `maxRecordBytes`.
package struct CSVEngine {
    private enum State: UInt8 { case fieldStart, unquoted, quoted, quoteSeen, skipLine }

    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    private let delimiter: UInt8
    /// The quote byte; LF when quoting is off (LF is always tested first, so it never acts as a quote).
    private let quote: UInt8
    private let legacy: LegacyFieldDecoder?
    private let maxRecordBytes: Int
    private let skipBlankLines: Bool
    /// A quote inside an unquoted field is kept as a literal character (`records.csv.stray_quotes: literal`).
    private let literalStrayQuotes: Bool

    private var state = State.fieldStart
    private var pendingCR = false
    /// The current record's field bytes, back to back.
    private(set) var bytes: [UInt8] = []
    /// End offset in `bytes` of each completed field.
    private(set) var ends: [Int] = []
    private var quotedFields: [Bool] = []
    private var currentQuoted = false

    private var line = 1
    private var recordLine = 1
    private var number = 0
    private var needHeader: Bool
    /// Lines still to skip before the header (or the first record).
    private var linesToSkip: Int

    // The current record's raw bytes, for a reject's raw text: those of earlier chunks in `raw` (at most
    // `maxRecordBytes`), those of this chunk from `rawStart`.
    private var recordOpen = false
    private var rawStart = 0
    private var raw: [UInt8] = []
    /// A reject found inside a line, delivered (with its raw text) once the rest of the line has been skipped.
    private var pendingReject: RecordError?
    private var schema: FieldSchema?
    private var expectedFields: Int?

    package init(options: CSVOptions, legacy: LegacyEncoding?) {
        delimiter = options.delimiter
        quote = options.quote ?? Self.lf
        self.legacy = legacy.map(LegacyFieldDecoder.init(encoding:))
        maxRecordBytes = max(64, options.maxRecordBytes)
        literalStrayQuotes = options.strayQuotes == .literal
        skipBlankLines = options.skipBlankLines
        needHeader = options.hasHeader
        linesToSkip = options.skipLines
        if !options.hasHeader, let names = options.columnNames {
            schema = FieldSchema(paths: names)
            expectedFields = names.count
        }
        bytes.reserveCapacity(4096)
        ends.reserveCapacity(64)
        quotedFields.reserveCapacity(64)
    }

    /// Capacity of the buffers that grow with a record (for memory-bound checks).
    package var bufferCapacity: Int { bytes.capacity + ends.capacity * 8 + quotedFields.capacity }

    /// The header's field names, once read.
    package var fieldNames: [String]? { schema?.paths }

    package mutating func feed(_ p: UnsafeBufferPointer<UInt8>, _ sink: (DecodeEvent) throws -> Void) throws {
        let n = p.count
        let delimiter = self.delimiter, quote = self.quote, lf = Self.lf, cr = Self.cr
        var i = 0
        while i < n {
            if pendingCR {
                pendingCR = false
                if p[i] == lf {
                    i += 1
                    continue
                }
            }
            if linesToSkip > 0 {
                // Title lines: skipped whatever they hold (quotes included), counted for line numbers.
                while i < n && p[i] != lf && p[i] != cr { i += 1 }
                if i < n {
                    newline(p[i])
                    linesToSkip -= 1
                    recordLine = line
                    i += 1
                }
                continue
            }
            switch state {
            case .fieldStart:
                if !recordOpen {
                    recordOpen = true
                    rawStart = i
                    raw.removeAll(keepingCapacity: true)
                }
                let b = p[i]
                if b == lf || b == cr {
                    try endLine(b, sink, p, i)
                    i += 1
                } else if b == delimiter {
                    endField()
                    i += 1
                } else if b == quote {
                    state = .quoted
                    currentQuoted = true
                    i += 1
                } else {
                    state = .unquoted
                }
            case .unquoted:
                let start = i
                while i < n {
                    let c = p[i]
                    if c == delimiter || c == quote || c == lf || c == cr { break }
                    i += 1
                }
                if i > start { try append(p, start, i, sink) }
                guard i < n, state == .unquoted else { continue }
                let c = p[i]
                i += 1
                if c == lf || c == cr {
                    try endLine(c, sink, p, i - 1)
                } else if c == delimiter {
                    endField()
                    state = .fieldStart
                } else if literalStrayQuotes {
                    // `21°10'30"N`: the quote is part of the value; the field goes on.
                    try append(p, i - 1, i, sink)
                } else {
                    try reject(.strayQuote, sink)
                    state = .skipLine
                }
            case .quoted:
                let start = i
                while i < n {
                    let c = p[i]
                    if c == quote { break }
                    if c == lf { line += 1 }
                    i += 1
                }
                if i > start { try append(p, start, i, sink) }
                if i < n && state == .quoted {
                    state = .quoteSeen
                    i += 1
                }
            case .quoteSeen:
                let b = p[i]
                i += 1
                if b == quote {
                    bytes.append(quote)
                    state = .quoted
                } else if b == delimiter {
                    endField()
                    state = .fieldStart
                } else if b == lf || b == cr {
                    try endLine(b, sink, p, i - 1)
                } else {
                    try reject(.textAfterQuote, sink)
                    state = .skipLine
                }
            case .skipLine:
                while i < n && p[i] != lf && p[i] != cr { i += 1 }
                if i < n {
                    try deliverPendingReject(sink, p, i)
                    newline(p[i])
                    resetRecord()
                    i += 1
                }
            }
        }
        if recordOpen {
            keepRaw(UnsafeBufferPointer(rebasing: p[rawStart..<n]))
            rawStart = 0
        }
    }

    // MARK: - Raw text of rejected records

    private mutating func keepRaw(_ bytes: UnsafeBufferPointer<UInt8>) {
        let room = maxRecordBytes - raw.count
        if room > 0 { raw.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<min(bytes.count, room)])) }
    }

    /// The current record's raw text up to `end` in `chunk` (nil: the bytes kept so far), at most `maxRecordBytes`.
    private func rawText(_ chunk: UnsafeBufferPointer<UInt8>?, _ end: Int) -> String {
        var bytes = raw
        if let chunk, end > rawStart {
            let room = maxRecordBytes - bytes.count
            if room > 0 { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[rawStart..<min(end, rawStart + room)])) }
        }
        return bytes.withUnsafeBufferPointer { buffer in
            legacy.map { decoder in decoder.decode(buffer) } ?? String(decoding: buffer, as: UTF8.self)
        }
    }

    private mutating func deliverPendingReject(
        _ sink: (DecodeEvent) throws -> Void, _ chunk: UnsafeBufferPointer<UInt8>?, _ end: Int
    ) throws {
        guard let error = pendingReject else { return }
        pendingReject = nil
        try sink(.rejected(error.with(raw: rawText(chunk, end))))
    }

    package mutating func finish(_ sink: (DecodeEvent) throws -> Void) throws {
        switch state {
        case .quoted:
            try reject(.unterminatedQuote, sink)
            try deliverPendingReject(sink, nil, 0)
            resetRecord()
        case .quoteSeen, .unquoted:
            endField()
            try endRecord(sink, nil, 0)
            resetRecord()
        case .fieldStart:
            if !ends.isEmpty {
                endField()
                try endRecord(sink, nil, 0)
            }
            resetRecord()
        case .skipLine:
            try deliverPendingReject(sink, nil, 0)
            resetRecord()
        }
    }

    // MARK: - Record assembly

    private mutating func append(
        _ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ sink: (DecodeEvent) throws -> Void
    ) throws {
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<end]))
        if bytes.count > maxRecordBytes {
            try reject(.recordTooLarge, sink)
            bytes.removeAll(keepingCapacity: true)
            state = .skipLine
        }
    }

    private mutating func endField() {
        ends.append(bytes.count)
        quotedFields.append(currentQuoted)
        currentQuoted = false
    }

    private mutating func newline(_ b: UInt8) {
        line += 1
        if b == Self.cr { pendingCR = true }
    }

    /// Ends the record at the line end at `end` in `chunk`.
    private mutating func endLine(
        _ b: UInt8, _ sink: (DecodeEvent) throws -> Void, _ chunk: UnsafeBufferPointer<UInt8>, _ end: Int
    ) throws {
        endField()
        try endRecord(sink, chunk, end)
        newline(b)
        resetRecord()
    }

    private mutating func resetRecord() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        quotedFields.removeAll(keepingCapacity: true)
        currentQuoted = false
        state = .fieldStart
        recordLine = line
        recordOpen = false
    }

    /// Delivers the record ending at `end` in `chunk` (nil: at the end of the stream).
    private mutating func endRecord(
        _ sink: (DecodeEvent) throws -> Void, _ chunk: UnsafeBufferPointer<UInt8>?, _ end: Int
    ) throws {
        let count = ends.count
        if skipBlankLines && count == 1 && ends[0] == 0 && !quotedFields[0] { return }
        if needHeader {
            needHeader = false
            // A header may keep a BOM in its first name (`records.csv.bom: none`).
            let (values, invalid) = makeValues(allowingBOM: true)
            if let invalid { throw CSVError.badHeader(line: recordLine, reason: invalid.reason) }
            schema = FieldSchema(paths: values.enumerated().map { $0.element ?? String($0.offset + 1) })
            expectedFields = count
            return
        }
        number += 1
        let schema: FieldSchema
        if let existing = self.schema {
            schema = existing
        } else {
            schema = FieldSchema(paths: (1...max(count, 1)).map { String($0) })
            self.schema = schema
            expectedFields = count
        }
        if let expected = expectedFields, expected != count {
            try sink(
                .rejected(
                    RecordError(
                        record: number, line: recordLine, field: nil, reason: .fieldCount,
                        message: "expected \(expected) fields, found \(count)", raw: rawText(chunk, end))))
            return
        }
        let (values, invalid) = makeValues()
        if let invalid {
            try sink(
                .rejected(
                    RecordError(
                        record: number, line: recordLine,
                        field: invalid.field < schema.paths.count ? schema.paths[invalid.field] : String(invalid.field + 1),
                        reason: invalid.reason, message: message(for: invalid.reason), raw: rawText(chunk, end))))
            return
        }
        try sink(.record(DecodedRecord(number: number, line: recordLine, schema: schema, values: values)))
    }

    /// The record's values, or the first field that cannot be staged and why.
    ///
    /// UTF-8 is validated once over the whole record (fields split at ASCII bytes, so no sequence spans two) and
    /// never replaced silently: a wrong declared encoding would otherwise turn every name into U+FFFD. A NUL byte
    /// (PostgreSQL text cannot hold it) and a byte-order mark after the start (two exports concatenated) are
    /// refused too, naming the field.
    private func makeValues(allowingBOM: Bool = false) -> (values: [String?], invalid: (field: Int, reason: RecordError.Reason)?) {
        var values: [String?] = []
        values.reserveCapacity(ends.count)
        let invalid: (field: Int, reason: RecordError.Reason)? = bytes.withUnsafeBufferPointer { buf in
            func field(at offset: Int) -> Int { ends.firstIndex { $0 > offset } ?? max(ends.count - 1, 0) }
            if legacy == nil, let offset = UTF8Validator.firstInvalidOffset(buf) {
                return (field(at: offset), .invalidEncoding)
            }
            if let offset = Self.offset(of: 0, in: buf, from: 0) { return (field(at: offset), .nulByte) }
            if legacy == nil, !allowingBOM, let offset = Self.byteOrderMark(in: buf) { return (field(at: offset), .misplacedBOM) }
            var start = 0
            for (k, end) in ends.enumerated() {
                if end == start && !quotedFields[k] {
                    values.append(nil)
                } else {
                    let field = UnsafeBufferPointer(rebasing: buf[start..<end])
                    values.append(legacy.map { $0.decode(field) } ?? String(decoding: field, as: UTF8.self))
                }
                start = end
            }
            return nil
        }
        return (values, invalid)
    }

    /// The offset of a UTF-8 byte-order mark (EF BB BF) in `buf`, if any (0xEF leads only U+F000–U+FFFF, rare in
    /// Vietnamese text, so the scan is a byte search).
    private static func byteOrderMark(in buf: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        while i + 2 < buf.count {
            guard let at = offset(of: 0xEF, in: buf, from: i) else { return nil }
            if at + 2 < buf.count && buf[at + 1] == 0xBB && buf[at + 2] == 0xBF { return at }
            i = at + 1
        }
        return nil
    }

    /// The offset of the first `byte` in `buf` at or after `start` (libc's `memchr`: vectorised, unlike a generic
    /// `firstIndex`, which cost 12 % of plain CSV decoding when both scans used it).
    private static func offset(of byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = buf.baseAddress, start < buf.count,
            let found = memchr(base + start, Int32(byte), buf.count - start)
        else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// What a record reject says, for the reasons found in its fields.
    private func message(for reason: RecordError.Reason) -> String {
        switch reason {
        case .nulByte: "the field holds a NUL byte, which a text column cannot store; record skipped"
        case .misplacedBOM:
            "the field holds a byte-order mark (U+FEFF): two exports were probably concatenated; record skipped"
        default: "the field is not valid \(legacy == nil ? "UTF-8" : "text") (is the declared encoding right?)"
        }
    }

    private mutating func reject(_ reason: RecordError.Reason, _ sink: (DecodeEvent) throws -> Void) throws {
        if needHeader { throw CSVError.badHeader(line: recordLine, reason: reason) }
        number += 1
        let index = ends.count
        let field = schema.flatMap { index < $0.paths.count ? $0.paths[index] : nil } ?? String(index + 1)
        let message: String
        switch reason {
        case .strayQuote:
            message = "a quote character appears inside an unquoted field; record skipped (if the source writes quotes inside values, such as 21°10'30\"N, set records.csv.stray_quotes: literal)"
        case .textAfterQuote: message = "characters follow the closing quote of a quoted field; record skipped"
        case .unterminatedQuote: message = "a quoted field is still open at the end of the data"
        case .recordTooLarge: message = "record longer than \(maxRecordBytes) bytes; skipped to the next line"
        default: message = reason.rawValue
        }
        // Delivered with its raw text once the rest of the record's line is skipped (or the stream ends).
        pendingReject = RecordError(record: number, line: recordLine, field: field, reason: reason, message: message)
    }
}
