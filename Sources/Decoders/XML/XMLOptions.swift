/// Where the records of an XML stream are, and how to open documents embedded in them.
public struct XMLRecordOptions: Sendable, Hashable {
    /// Element names from the root to a record element (`GIAMDINHHS/THONGTINHOSO/DANHSACHHOSO/HOSO`, `DATA/ROW`).
    /// Namespace prefixes are ignored.
    public var recordPath: [String]
    /// Base64-embedded documents to open instead of emitting the outer records (Decision 130/QĐ-BYT).
    public var embedded: EmbeddedXMLOptions?
    /// Records (outer, or embedded) larger than this are rejected and skipped; bounds memory.
    public var maxRecordBytes: Int

    /// Creates options; `recordPath` is slash-separated.
    public init(recordPath: String, embedded: EmbeddedXMLOptions? = nil, maxRecordBytes: Int = 4 << 20) {
        self.recordPath = recordPath.split(separator: "/").map(String.init)
        self.embedded = embedded
        self.maxRecordBytes = maxRecordBytes
    }
}

/// Base64-encoded XML files carried inside records, as in the health-insurance `GIAMDINHHS` envelope: each
/// `FILEHOSO` has a `LOAIHOSO` (XML1, XML2…) and a `NOIDUNGFILE` holding the file in base64.
public struct EmbeddedXMLOptions: Sendable, Hashable {
    /// The element holding the base64 document (`NOIDUNGFILE`).
    public var element: String
    /// The sibling element naming the document's type (`LOAIHOSO`).
    public var typeElement: String
    /// The types to open (`XML1`); others are skipped without decoding.
    public var types: Set<String>
    /// The record path inside the embedded document (`TONG_HOP`).
    public var recordPath: [String]

    /// Creates embedded-document options; `recordPath` is slash-separated.
    public init(element: String, typeElement: String, types: Set<String>, recordPath: String) {
        self.element = element
        self.typeElement = typeElement
        self.types = types
        self.recordPath = recordPath.split(separator: "/").map(String.init)
    }
}
