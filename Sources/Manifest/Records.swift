import Foundation

/// Where the records are in a response document and how to read it (Airbyte's `RecordSelector`).
public struct RecordSelector: Codable, Hashable, Sendable {
    /// JSON kinds: path to the array of records (`data.items`); nil takes the kind's default
    /// (`features` for GeoJSON and OGC API Features, `entry` for FHIR (fields at `resource.…`), `value` for
    /// SensorThings, the document itself for rest-json).
    public var path: DocumentPath?
    /// XML: the element path of one record, e.g. `GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO`.
    public var element: XMLElementPath?
    /// Compression of the body or file (default auto: gzip recognised by its magic bytes).
    public var compression: Compression
    /// Decompressed bytes allowed per compressed byte (default 200): a gzip body that inflates further is a
    /// decompression bomb and fails the load. Real CSV and XML exports compress 5–20 to 1.
    public var maxInflateRatio: Int
    /// The default of `maxInflateRatio`.
    public static let defaultMaxInflateRatio = 200
    /// CSV options (kind csv only).
    public var csv: CSVOptions?
    /// XML only: documents embedded base64 inside each record, as in the GIAMDINHHS envelope.
    public var embedded: EmbeddedDocuments?
    /// JSON kinds: stage only the records whose declared field holds one of these values (FHIR `search.mode`).
    public var keep: RecordKeep?

    /// Creates a selector.
    public init(
        path: DocumentPath? = nil,
        element: XMLElementPath? = nil,
        compression: Compression = .auto,
        maxInflateRatio: Int = RecordSelector.defaultMaxInflateRatio,
        csv: CSVOptions? = nil,
        embedded: EmbeddedDocuments? = nil,
        keep: RecordKeep? = nil
    ) {
        self.keep = keep
        self.path = path
        self.element = element
        self.compression = compression
        self.maxInflateRatio = maxInflateRatio
        self.csv = csv
        self.embedded = embedded
    }

    /// Where records are in a document of `kind` when `path` is not given: `features` for
    /// GeoJSON and OGC API Features, `entry` for FHIR Bundles (fields at `resource.…`), `value` for
    /// SensorThings, the document itself otherwise (an empty path).
    public static func defaultPath(for kind: ConnectorKind) -> DocumentPath {
        let text: String
        switch kind {
        case .geojson, .ogcFeatures: text = "features"
        case .fhir: text = "entry"
        case .sensorthings: text = "value"
        case .restJSON, .csv, .xml: text = ""
        }
        return (try? DocumentPath(parsing: text)) ?? DocumentPath.document
    }

    /// The YAML keys of `records`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case path, element, compression, csv, embedded, keep
        case maxInflateRatio = "max_inflate_ratio"
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decodeIfPresent(DocumentPath.self, forKey: .path)
        element = try container.decodeIfPresent(XMLElementPath.self, forKey: .element)
        compression = try container.decodeIfPresent(Compression.self, forKey: .compression) ?? .auto
        maxInflateRatio = try container.decodeIfPresent(Int.self, forKey: .maxInflateRatio) ?? Self.defaultMaxInflateRatio
        csv = try container.decodeIfPresent(CSVOptions.self, forKey: .csv)
        embedded = try container.decodeIfPresent(EmbeddedDocuments.self, forKey: .embedded)
        keep = try container.decodeIfPresent(RecordKeep.self, forKey: .keep)
    }
}

/// Compression of a response body or file.
public enum Compression: String, Codable, Hashable, Sendable, CaseIterable {
    /// gzip when the first bytes are 1f 8b, else none.
    case auto
    /// Always gzip (a body that is not is an error, retried).
    case gzip
    /// Never decompress.
    case none
}

/// Character encodings of text feeds.
public enum TextEncoding: String, Codable, Hashable, Sendable, CaseIterable {
    /// UTF-8 (the default).
    case utf8 = "utf-8"
    /// UTF-16, byte order from the BOM (little-endian without one).
    case utf16 = "utf-16"
    /// TCVN 5712:1993 (TCVN3, ABC fonts), the legacy Vietnamese 8-bit encoding.
    case tcvn3
    /// Decided per document: a BOM names UTF-8 or UTF-16; without one, UTF-8 when the first 64 KiB are valid
    /// UTF-8, TCVN3 otherwise (feeds whose files come from offices with different tools).
    case auto
}

/// What to do with a byte-order mark at the start of a text file.
public enum BOMPolicy: String, Codable, Hashable, Sendable, CaseIterable {
    /// Strip it if present (the default).
    case auto
    /// The file must start with one (a file without is rejected as a wrong export).
    case required
    /// Never strip: the bytes belong to the first column name.
    case none
}

/// How to read delimited text (RFC 4180 with the usual variations).
public struct CSVOptions: Codable, Hashable, Sendable {
    /// Field separator, one character (default `,`; `\t` for tabs).
    public var delimiter: String
    /// Quote character, one character (default `"`, doubled inside a quoted field).
    public var quote: String
    /// The first row names the columns (default true).
    public var header: Bool
    /// Column names when `header` is false, in file order.
    public var columns: [String]?
    /// Character encoding (default utf-8).
    public var encoding: TextEncoding
    /// Byte-order mark handling (default auto).
    public var bom: BOMPolicy
    /// Lines to skip before the header (title rows of exported spreadsheets; default 0).
    public var skipLines: Int
    /// A quote inside an unquoted field (`21°10'30"N`): `reject` the record (default, RFC 4180) or keep it as a
    /// `literal` character of the value.
    public var strayQuotes: StrayQuotes

    /// What a quote inside an unquoted field means.
    public enum StrayQuotes: String, Codable, Hashable, Sendable, CaseIterable {
        /// The record is rejected (`stray_quote`), naming the field.
        case reject
        /// The quote is part of the value.
        case literal
    }

    /// Creates CSV options.
    public init(
        delimiter: String = ",",
        quote: String = "\"",
        header: Bool = true,
        columns: [String]? = nil,
        encoding: TextEncoding = .utf8,
        bom: BOMPolicy = .auto,
        skipLines: Int = 0,
        strayQuotes: StrayQuotes = .reject
    ) {
        self.strayQuotes = strayQuotes
        self.delimiter = delimiter
        self.quote = quote
        self.header = header
        self.columns = columns
        self.encoding = encoding
        self.bom = bom
        self.skipLines = skipLines
    }

    /// The YAML keys of `records.csv`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case delimiter, quote, header, columns, encoding, bom
        case skipLines = "skip_lines"
        case strayQuotes = "stray_quotes"
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        delimiter = try container.decodeIfPresent(String.self, forKey: .delimiter) ?? ","
        quote = try container.decodeIfPresent(String.self, forKey: .quote) ?? "\""
        header = try container.decodeIfPresent(Bool.self, forKey: .header) ?? true
        columns = try container.decodeIfPresent([String].self, forKey: .columns)
        encoding = try container.decodeIfPresent(TextEncoding.self, forKey: .encoding) ?? .utf8
        bom = try container.decodeIfPresent(BOMPolicy.self, forKey: .bom) ?? .auto
        skipLines = try container.decodeIfPresent(Int.self, forKey: .skipLines) ?? 0
        strayQuotes = try container.decodeIfPresent(StrayQuotes.self, forKey: .strayQuotes) ?? .reject
    }
}

/// Documents carried base64-encoded inside an XML record, as in the health-insurance claims
/// envelope of Decision 130/QĐ-BYT: each `FILEHOSO` holds a `LOAIHOSO` (XML1, XML2…) and a
/// `NOIDUNGFILE` with a whole XML document in base64. Records are then read from the embedded
/// documents, at `element` inside each.
public struct EmbeddedDocuments: Codable, Hashable, Sendable {
    /// How the embedded document is encoded.
    public enum ContentEncoding: String, Codable, Hashable, Sendable, CaseIterable {
        /// Base64 (whitespace ignored).
        case base64
    }

    /// Child element (relative to the record element) holding the encoded document, e.g. `NOIDUNGFILE`.
    public var content: XMLElementPath
    /// Encoding of the content (default base64).
    public var encoding: ContentEncoding
    /// Child element naming the embedded document's type, e.g. `LOAIHOSO`.
    public var typeElement: XMLElementPath?
    /// Types to read (e.g. `[XML1]`); others are skipped. Empty reads all.
    public var types: [String]
    /// Element path of one record inside the embedded document, e.g. `TONG_HOP`.
    public var element: XMLElementPath

    /// Creates an embedded-documents selector.
    public init(
        content: XMLElementPath,
        encoding: ContentEncoding = .base64,
        typeElement: XMLElementPath? = nil,
        types: [String] = [],
        element: XMLElementPath
    ) {
        self.content = content
        self.encoding = encoding
        self.typeElement = typeElement
        self.types = types
        self.element = element
    }

    /// The YAML keys of `records.embedded`.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case content, encoding
        case typeElement = "type_element"
        case types, element
    }

    /// Decodes, defaulting omitted keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        content = try container.decode(XMLElementPath.self, forKey: .content)
        encoding = try container.decodeIfPresent(ContentEncoding.self, forKey: .encoding) ?? .base64
        typeElement = try container.decodeIfPresent(XMLElementPath.self, forKey: .typeElement)
        types = try container.decodeIfPresent([String].self, forKey: .types) ?? []
        element = try container.decode(XMLElementPath.self, forKey: .element)
    }
}
