/// A record a decoder rejected. Its description names the record, line and field, never the field's value
/// (values are personal data: citizen IDs, names, diagnoses); the record's raw text, when the decoder has it, is
/// in `raw`, which goes to `citypipe.rejects` only.
public struct RecordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reasons, stable for `citypipe.rejects.reason`.
    public enum Reason: String, Sendable, Hashable {
        /// A quoted CSV field still open at the end of the stream.
        case unterminatedQuote = "unterminated_quote"
        /// A quote character inside an unquoted CSV field.
        case strayQuote = "stray_quote"
        /// A character other than a delimiter or line end right after a closing quote.
        case textAfterQuote = "text_after_quote"
        /// A CSV record whose field count differs from the header's (or the first record's).
        case fieldCount = "field_count"
        /// A field whose bytes are not valid in the stream's encoding (usually a wrong declared encoding).
        case invalidEncoding = "invalid_encoding"
        /// A field holding a NUL byte (or `\u0000`), which a PostgreSQL text column cannot store.
        case nulByte = "nul_byte"
        /// A byte-order mark after the start of the stream (two exports concatenated).
        case misplacedBOM = "misplaced_bom"
        /// A record larger than the decoder's limit (skipped to the next line).
        case recordTooLarge = "record_too_large"
        /// An embedded document (130/QĐ-BYT `NOIDUNGFILE`) whose base64 is invalid.
        case invalidBase64 = "invalid_base64"
        /// An embedded document that is not well-formed XML.
        case invalidEmbeddedXML = "invalid_embedded_xml"
        /// An embedded document whose type element is missing.
        case missingFileType = "missing_file_type"
    }

    /// 1-based record number (0 when the problem is not inside a data record).
    public let record: Int
    /// 1-based line where the record starts, when known.
    public let line: Int?
    /// The field's name or path, when known.
    public let field: String?
    /// The machine reason.
    public let reason: Reason
    /// A human explanation that never contains a value.
    public let message: String
    /// The record's raw text as the source sent it (CSV: its lines, without the last line end), when the decoder
    /// kept it. Personal data: for `citypipe.rejects.raw` only, never in `description`, a log or an error message.
    public let raw: String?

    /// Creates a record error.
    public init(record: Int, line: Int?, field: String?, reason: Reason, message: String, raw: String? = nil) {
        self.record = record
        self.line = line
        self.field = field
        self.reason = reason
        self.message = message
        self.raw = raw
    }

    /// The same error with the record's raw text.
    package func with(raw: String?) -> RecordError {
        RecordError(record: record, line: line, field: field, reason: reason, message: message, raw: raw)
    }

    /// A one-line explanation without any data value.
    public var description: String {
        var s = "record \(record)"
        if let line { s += " (line \(line))" }
        if let field { s += ", field \(field)" }
        return s + ": \(reason.rawValue): \(message)"
    }
}
