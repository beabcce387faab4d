import Normalize

/// The text encoding of a CSV stream.
public enum CSVTextEncoding: String, Sendable, Hashable {
    /// UTF-8 (a UTF-8 BOM is stripped; a UTF-16 BOM switches to UTF-16). The default.
    case utf8 = "utf-8"
    /// UTF-16 little-endian (a BOM, if present, is stripped).
    case utf16LE = "utf-16le"
    /// UTF-16 big-endian (a BOM, if present, is stripped).
    case utf16BE = "utf-16be"
    /// TCVN3 (TCVN 5712:1993) bytes, decoded field by field with Normalize's legacy tables.
    case tcvn3
    /// VNI-Windows bytes, decoded field by field.
    case vni
    /// Windows-1258 bytes, decoded field by field.
    case windows1258 = "windows-1258"
    /// Decided per document: a BOM names UTF-8 or UTF-16; without one, UTF-8 when the first
    /// `CSVStreamDecoder.detectionWindow` bytes are valid UTF-8, TCVN3 otherwise (feeds whose files come from
    /// several offices, some still exporting from legacy-font spreadsheets).
    case auto

    /// The Normalize legacy encoding applied per field, if any.
    package var legacy: LegacyEncoding? {
        switch self {
        case .tcvn3: .tcvn3
        case .vni: .vni
        case .windows1258: .windows1258
        case .utf8, .utf16LE, .utf16BE, .auto: nil
        }
    }
}

/// What `CSVStreamDecoder` does with a byte-order mark at the start of a stream.
public enum CSVBOMPolicy: String, Sendable, Hashable {
    /// A UTF-8 BOM is stripped and a UTF-16 one switches to UTF-16, when present (the default).
    case auto
    /// The stream must start with a BOM (UTF-8 or UTF-16): one without is a wrong export (`CSVError.missingBOM`);
    /// an empty stream (no records) passes.
    case required
    /// No BOM is looked for: its bytes, if any, belong to the first field.
    case none
}

/// What a quote character inside an unquoted field means (`12,21°10'30"N,…`).
public enum CSVStrayQuotePolicy: String, Sendable, Hashable {
    /// RFC 4180: the record is rejected (`stray_quote`), naming the field.
    case reject
    /// The quote is a literal character of the value (coordinates in degrees-minutes-seconds, inch marks).
    case literal
}

/// How `CSVStreamDecoder` reads a stream (RFC 4180 plus the variants found in Vietnamese exports).
public struct CSVOptions: Sendable, Hashable {
    /// Field delimiter: `,` (default), `;` (social-insurance exports) or tab.
    public var delimiter: UInt8
    /// Quote character; nil disables quoting.
    public var quote: UInt8?
    /// Whether the first record is a header naming the fields.
    public var hasHeader: Bool
    /// Field names to use when there is no header row (otherwise fields are named "1", "2"…).
    public var columnNames: [String]?
    /// The text encoding.
    public var encoding: CSVTextEncoding
    /// Records longer than this (in bytes) are rejected and skipped to the next line; bounds memory.
    public var maxRecordBytes: Int
    /// Whether empty lines are skipped (they are not counted as records).
    public var skipBlankLines: Bool
    /// What to do with a byte-order mark.
    public var bom: CSVBOMPolicy
    /// What a quote character inside an unquoted field means.
    public var strayQuotes: CSVStrayQuotePolicy
    /// Lines skipped (whatever they hold) before the header, or before the first record without one: the title
    /// rows of exported spreadsheets. Line numbers still count them.
    public var skipLines: Int

    /// Creates options; the defaults are RFC 4180 with a header row.
    public init(
        delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8? = UInt8(ascii: "\""), hasHeader: Bool = true,
        columnNames: [String]? = nil, encoding: CSVTextEncoding = .utf8, maxRecordBytes: Int = 1 << 20,
        skipBlankLines: Bool = true, bom: CSVBOMPolicy = .auto, skipLines: Int = 0,
        strayQuotes: CSVStrayQuotePolicy = .reject
    ) {
        self.strayQuotes = strayQuotes
        self.delimiter = delimiter
        self.quote = quote
        self.hasHeader = hasHeader
        self.columnNames = columnNames
        self.encoding = encoding
        self.maxRecordBytes = maxRecordBytes
        self.skipBlankLines = skipBlankLines
        self.bom = bom
        self.skipLines = max(0, skipLines)
    }
}

/// A CSV stream that cannot be decoded at all (as opposed to a bad record, which is a `RecordError`).
public enum CSVError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The header row is malformed or missing.
    case badHeader(line: Int, reason: RecordError.Reason)
    /// Options that cannot work (delimiter equal to the quote, a line-end delimiter…).
    case invalidOptions(String)
    /// The options require a byte-order mark (`records.csv.bom: required`) and the stream does not start with one.
    case missingBOM

    /// A one-line explanation without any data value.
    public var description: String {
        switch self {
        case .badHeader(let line, let reason): "CSV header at line \(line) is unusable: \(reason.rawValue)"
        case .invalidOptions(let why): "invalid CSV options: \(why)"
        case .missingBOM:
            "the document does not start with a byte-order mark, which the manifest requires (records.csv.bom: required): it is probably not the expected export; re-export it as UTF-8 with BOM, or set records.csv.bom to auto if BOM-less files are legitimate"
        }
    }
}
