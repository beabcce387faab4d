import Foundation
import Normalize
import Postgres
import Decoders

/// Types the records of a page read by `DirectJSONPageReader` and writes them straight into COPY rows (binary when
/// the schema's types allow it, `StagingSchema.copyBinary`; text otherwise), with their `_hash` and key hash, in
/// one pass and on any thread (pages are prepared side by side; only the routing by
/// `StagingBatchEncoder.encode(_:)` follows feed order).
///
/// The bytes are those `RecordTyper` then `StagingBatchEncoder.encode(_:rejects:)` give: values in the forms the
/// typer gives them are taken as they come (text; ISO dates `yyyy-mm-dd`; timestamps already in the form the
/// typer renders, `yyyy-mm-ddThh:mm:ss+07:00`), and anything else goes through `ValueTyper`. A record that fails
/// any check is typed again by `RecordTyper`, which makes its reject. The `_hash` is over the values' text forms
/// whichever form the rows are sent in.
struct PageRowWriter: Sendable {
    /// How a column's values are typed.
    enum Kind: Sendable {
        case text
        /// `date` without a declared layout: `yyyy-mm-dd` as is.
        case isoDate
        /// `timestamptz` without a declared layout: `yyyy-mm-ddThh:mm:ss+07:00` as is.
        case isoTimestamp
        /// Through `ValueTyper`.
        case other
    }

    let feed: String
    let typer: RecordTyper
    private let kinds: [Kind]
    /// Columns that make a record a reject when missing or blank (required or key).
    private let mandatory: [Bool]
    /// The schema's primary-key columns, in key order.
    private let keyColumns: [Int]
    private let cursorIndex: Int?
    /// The columns' binary COPY encodings, when the rows are sent in binary.
    private let binary: [CopyBinary.Column]?
    /// The partition column's place, when the table is cut by period (each row's month is noted).
    private let periodIndex: Int?

    /// Nil when the typer's bindings are not the schema's columns (then the general path is used).
    init?(schema: StagingSchema, typer: RecordTyper, cursorIndex: Int?) {
        guard schema.columns.count == typer.bindings.count,
            zip(schema.columns, typer.bindings).allSatisfy({ $0.name == $1.name && $0.sqlType == $1.sqlType })
        else { return nil }
        feed = schema.feed
        self.typer = typer
        self.cursorIndex = cursorIndex
        kinds = typer.bindings.map { binding in
            switch (binding.sqlType, binding.format) {
            case ("text", _): .text
            case ("date", nil): .isoDate
            case ("timestamptz", nil): .isoTimestamp
            default: .other
            }
        }
        mandatory = typer.bindings.indices.map { typer.bindings[$0].required || typer.keyIndexes.contains($0) }
        keyColumns = schema.recordKey.compactMap { key in schema.columns.firstIndex { $0.name == key } }
        binary = schema.copyBinary
        periodIndex = schema.partitioning.flatMap { p in schema.columns.firstIndex { $0.name == p.column } }
    }

    /// A typed value while a page is prepared: nothing, bytes of the page, or text.
    private enum Typed {
        case null
        case bytes(UnsafeBufferPointer<UInt8>)
        case text(String)
    }

    /// Prepares a page's rows; `bytes` are the page's bytes, `raw` gives a record's raw text for its reject.
    /// `frame` is the CRS of the page's geometries (its `Content-Crs`).
    func prepare(
        _ page: ProjectedPage, bytes: [UInt8], frame: GeometryFrame? = nil, raw: (ProjectedRecord) -> String
    ) throws(StagingError) -> PreparedRows {
        try bytes.withUnsafeBufferPointer { (buffer) throws(StagingError) -> PreparedRows in
            try prepare(page, buffer, frame: frame, raw: raw)
        }
    }

    private func prepare(
        _ page: ProjectedPage, _ bytes: UnsafeBufferPointer<UInt8>, frame: GeometryFrame?, raw: (ProjectedRecord) -> String
    ) throws(StagingError) -> PreparedRows {
        var rows = PreparedRows()
        rows.binary = binary != nil
        let width = kinds.count
        guard page.width == width else {
            throw .recordShape(feed: feed, position: page.records.first?.number ?? 0, expected: width, found: page.width)
        }
        rows.bytes.reserveCapacity(page.records.count * 192)
        rows.ends.reserveCapacity(page.records.count)
        rows.positions.reserveCapacity(page.records.count)
        rows.keys.reserveCapacity(page.records.count)
        rows.hashes.reserveCapacity(page.records.count)
        if periodIndex != nil { rows.months.reserveCapacity(page.records.count) }
        var typed = [Typed](repeating: .null, count: width)
        var latest = Latest()
        for record in page.records {
            var extra: String?
            if typeFast(record, page, bytes, frame: frame, into: &typed) {
                let kept = typer.keepExtra ? record.extra.filter { $0.1 != nil } : []
                extra = kept.isEmpty ? nil : JSONText.object(kept)
            } else {
                let values = page.values(of: record, in: UnsafeRawBufferPointer(bytes))
                switch typer.type(
                    position: record.number, values: values, extra: record.extra, frame: frame, raw: { raw(record) }) {
                case .rejected(let reject):
                    rows.rejects.append(reject)
                    continue
                case .staged(let staged):
                    guard staged.values.count == width else {
                        throw .recordShape(feed: feed, position: record.number, expected: width, found: staged.values.count)
                    }
                    for index in 0..<width { typed[index] = staged.values[index].map(Typed.text) ?? .null }
                    extra = staged.extra
                }
            }
            try write(typed, extra: extra, position: record.number, into: &rows)
            if let cursorIndex { latest.consider(typed[cursorIndex]) }
        }
        rows.latest = latest.value
        return rows
    }

    /// The latest cursor value of a page: plain timestamps in the page are compared by their bytes and kept as
    /// where they are (`IncrementalPlan.isAfter` orders them so), anything else as text.
    private struct Latest {
        var plain: UnsafeBufferPointer<UInt8>?
        var text: String?

        mutating func consider(_ value: Typed) {
            switch value {
            case .null: return
            case .bytes(let p):
                if text == nil, PageRowWriter.isPlainTimestamp(p) {
                    if let current = plain, let a = p.baseAddress, let b = current.baseAddress, memcmp(a, b, 25) <= 0 { return }
                    plain = p
                    return
                }
                settle()
                text = ConnectorRunner.Session.later(text, String(decoding: p, as: UTF8.self))
            case .text(let s):
                settle()
                text = ConnectorRunner.Session.later(text, s)
            }
        }

        /// Turns a kept plain value into text.
        private mutating func settle() {
            if let p = plain {
                text = String(decoding: p, as: UTF8.self)
                plain = nil
            }
        }

        var value: String? {
            if let p = plain { return String(decoding: p, as: UTF8.self) }
            return text
        }
    }

    /// Types a record's values into `typed`; false when any value fails a check (or needs a closer look).
    private func typeFast(
        _ record: ProjectedRecord, _ page: ProjectedPage, _ bytes: UnsafeBufferPointer<UInt8>, frame: GeometryFrame?,
        into typed: inout [Typed]
    ) -> Bool {
        for index in 0..<kinds.count {
            let source = page.values[record.first + index]
            var value: Typed
            switch (kinds[index], source) {
            case (_, .null):
                guard let general = general(nil, index, frame) else { return false }
                value = general
            case (.text, .span(let start, let count)):
                // A span holds no control character (the reader's plain strings), so no NUL.
                value = .bytes(UnsafeBufferPointer(rebasing: bytes[start..<(start + count)]))
            case (.text, .text(let text)):
                if ValueTyper.holdsNUL(text) { return false }
                value = .text(text)
            case (.isoDate, .span(let start, let count)):
                let p = UnsafeBufferPointer(rebasing: bytes[start..<(start + count)])
                if PageRowWriter.isPlainDate(p) {
                    value = .bytes(p)
                } else {
                    guard let general = general(String(decoding: p, as: UTF8.self), index, frame) else { return false }
                    value = general
                }
            case (.isoTimestamp, .span(let start, let count)):
                let p = UnsafeBufferPointer(rebasing: bytes[start..<(start + count)])
                if PageRowWriter.isPlainTimestamp(p) {
                    value = .bytes(p)
                } else {
                    guard let general = general(String(decoding: p, as: UTF8.self), index, frame) else { return false }
                    value = general
                }
            default:
                guard let general = general(source.string(in: UnsafeRawBufferPointer(bytes)), index, frame) else { return false }
                value = general
            }
            if mandatory[index] && PageRowWriter.isMissing(value) { return false }
            typed[index] = value
        }
        return true
    }

    /// The typer's value for column `index`, or nil when it is invalid.
    private func general(_ source: String?, _ index: Int, _ frame: GeometryFrame?) -> Typed? {
        let binding = typer.bindings[index]
        switch ValueTyper.type(source, as: binding.sqlType, format: binding.format, frame: frame) {
        case .value(let value): return value.map(Typed.text) ?? .null
        case .invalid: return nil
        }
    }

    /// Missing or blank, as `RecordTyper` sees it (`Whitespace.isBlank`).
    private static func isMissing(_ value: Typed) -> Bool {
        switch value {
        case .null: return true
        case .text(let text): return Whitespace.isBlank(text)
        case .bytes(let p):
            var ascii = true
            for b in p {
                if b >= 0x80 {
                    ascii = false
                } else if b != 0x20 && b != 0x09 {
                    return false
                }
            }
            return ascii || Whitespace.isBlank(String(decoding: p, as: UTF8.self))
        }
    }

    /// Writes one row (values, `_extra`, `_hash`) and its key hash.
    private func write(_ typed: [Typed], extra: String?, position: Int, into rows: inout PreparedRows)
        throws(StagingError)
    {
        var hasher = RowHash.Hasher()
        let hash: (UInt64, UInt64)
        if let binary {
            let rowStart = rows.bytes.count
            CopyBinary.beginRow(fields: typed.count + 3, to: &rows.bytes)
            for index in 0..<typed.count {
                if let failure = PageRowWriter.appendBinary(typed[index], as: binary[index], hashing: &hasher, into: &rows.bytes) {
                    rows.bytes.removeSubrange(rowStart...)
                    throw failure.error(feed: feed, position: position, field: typer.bindings[index].name)
                }
            }
            if let failure = PageRowWriter.appendBinary(extra.map(Typed.text) ?? .null, as: .jsonb, hashing: &hasher, into: &rows.bytes) {
                rows.bytes.removeSubrange(rowStart...)
                throw failure.error(feed: feed, position: position, field: "_extra")
            }
            hash = hasher.finish()
            CopyBinary.beginField(count: 35, to: &rows.bytes)
            RowHash.appendText(hash, to: &rows.bytes)
        } else {
            var clean = true
            for index in 0..<typed.count {
                if index > 0 { rows.bytes.append(9) }
                PageRowWriter.append(typed[index], hashing: &hasher, into: &rows.bytes, clean: &clean)
            }
            rows.bytes.append(9)
            PageRowWriter.append(extra.map(Typed.text) ?? .null, hashing: &hasher, into: &rows.bytes, clean: &clean)
            guard clean else { throw CopyRowFailure.nul.error(feed: feed, position: position, field: nil) }
            rows.bytes.append(9)
            hash = hasher.finish()
            RowHash.appendText(hash, to: &rows.bytes)
        }
        rows.hashes.append(hash)
        if let periodIndex {
            switch typed[periodIndex] {
            case .null: rows.months.append(nil)
            case .bytes(let p): rows.months.append(StagingBatchEncoder.month(p))
            case .text(let text): rows.months.append(StagingBatchEncoder.month(text.utf8))
            }
        }
        var keyHasher = RowHash.Hasher()
        for column in keyColumns {
            switch typed[column] {
            case .null: keyHasher.combineNull()
            case .bytes(let p): keyHasher.combine(p)
            case .text(let text): CopyText.withUTF8(text) { keyHasher.combine($0) }
            }
        }
        rows.keys.append(keyHasher.finish())
        rows.ends.append(rows.bytes.count)
        rows.positions.append(position)
    }

    /// Appends a value in binary form (hashing its text form); the reason when it cannot be.
    @inline(__always)
    private static func appendBinary(
        _ value: Typed, as column: CopyBinary.Column, hashing hasher: inout RowHash.Hasher, into out: inout [UInt8]
    ) -> CopyRowFailure? {
        switch value {
        case .null:
            hasher.combineNull()
            CopyBinary.appendNull(to: &out)
            return nil
        case .bytes(let p):
            hasher.combine(p)
            return CopyRowFailure.append(UnsafeRawBufferPointer(p), as: column, to: &out)
        case .text(let text):
            return CopyText.withUTF8(text) { p in
                hasher.combine(p)
                return CopyRowFailure.append(UnsafeRawBufferPointer(p), as: column, to: &out)
            }
        }
    }

    @inline(__always)
    private static func append(_ value: Typed, hashing hasher: inout RowHash.Hasher, into out: inout [UInt8], clean: inout Bool) {
        switch value {
        case .null:
            hasher.combineNull()
            CopyText.appendNull(to: &out)
        case .bytes(let p):
            hasher.combine(p)
            if !CopyText.appendEscaped(p, to: &out) { clean = false }
        case .text(let text):
            CopyText.withUTF8(text) { p in
                hasher.combine(p)
                if !CopyText.appendEscaped(p, to: &out) { clean = false }
            }
        }
    }

    // MARK: - Values the typer would give back unchanged

    @inline(__always)
    private static func digit(_ b: UInt8) -> Int? { b >= 48 && b <= 57 ? Int(b - 48) : nil }

    @inline(__always)
    private static func number(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ count: Int) -> Int? {
        var value = 0
        for k in from..<(from + count) {
            guard let d = digit(p[k]) else { return nil }
            value = value * 10 + d
        }
        return value
    }

    /// `yyyy-mm-dd` at the start of `p`, a day that exists (year 1 or later): what `ValueTyper` gives unchanged.
    @inline(__always)
    private static func isDatePrefix(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard p.count >= 10, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"), let year = number(p, 0, 4),
            let month = number(p, 5, 2), let day = number(p, 8, 2), year >= 1, month >= 1, month <= 12, day >= 1
        else { return false }
        return day <= CivilDate.daysIn(month: month, year: year)
    }

    /// Exactly `yyyy-mm-dd`, a day that exists.
    static func isPlainDate(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        p.count == 10 && isDatePrefix(p)
    }

    /// Exactly `yyyy-mm-ddThh:mm:ss+07:00` with a day that exists and a time of day up to 23:59:59: what
    /// `ValueTyper` gives unchanged (it renders timestamps in +07:00, leap seconds as :59).
    static func isPlainTimestamp(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard p.count == 25, isDatePrefix(p), p[10] == UInt8(ascii: "T"), p[13] == UInt8(ascii: ":"),
            p[16] == UInt8(ascii: ":"), p[19] == UInt8(ascii: "+"), p[20] == UInt8(ascii: "0"), p[21] == UInt8(ascii: "7"),
            p[22] == UInt8(ascii: ":"), p[23] == UInt8(ascii: "0"), p[24] == UInt8(ascii: "0"),
            let hour = number(p, 11, 2), let minute = number(p, 14, 2), let second = number(p, 17, 2)
        else { return false }
        return hour <= 23 && minute <= 59 && second <= 59
    }
}
