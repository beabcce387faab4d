/// Push-based streaming XML record decoder.
///
/// Records are the elements at `options.recordPath`; each is emitted, as soon as its end tag arrives, as the ordered
/// (relative path, text) pairs of its leaf elements (`FILEHOSO/LOAIHOSO`), attributes as `@name`
/// (`FILEHOSO/@id`). An empty leaf is nil. Memory is bounded by one record, not the document.
///
/// With `options.embedded`, the outer records are not emitted: each embedded base64 document of a listed type is
/// decoded and parsed as it streams in, and its records are emitted, all together when the document ends, with
/// `origin` naming the outer record and the file type. A bad embedded document (invalid base64, malformed XML,
/// missing type, more than `maxRecordBytes` decoded) is one `RecordError` for the outer record and none of its
/// records, and decoding goes on; a malformed outer document throws `XMLDecodeError`.
public final class XMLRecordDecoder {
    /// The options in use.
    public let options: XMLRecordOptions
    private var tokenizer: XMLTokenizer
    private let builder: XMLRecordBuilder

    /// Creates a decoder.
    public init(options: XMLRecordOptions) {
        self.options = options
        tokenizer = XMLTokenizer(maxTokenBytes: options.maxRecordBytes)
        builder = XMLRecordBuilder(options: options)
    }

    /// Bytes held by the growable buffers (tokenizer, current record, embedded document).
    public var bufferCapacity: Int { tokenizer.bufferCapacity + builder.bufferCapacity }

    /// Records (or rejects) emitted so far.
    public var recordsEmitted: Int { builder.emitted }

    /// Decodes `chunk`; complete records and rejects go to `sink`.
    public func feed(_ chunk: UnsafeRawBufferPointer, _ sink: (DecodeEvent) throws -> Void) throws {
        defer { builder.pending.removeAll(keepingCapacity: true) }
        do {
            try tokenizer.feed(chunk, builder)
        } catch {
            try drain(sink)
            throw error.with(record: builder.currentRecord)
        }
        try drain(sink)
    }

    /// Decodes an array chunk.
    public func feed(_ chunk: [UInt8], _ sink: (DecodeEvent) throws -> Void) throws {
        try chunk.withUnsafeBytes { try feed($0, sink) }
    }

    /// Ends the stream; throws if the document is incomplete.
    public func finish(_ sink: (DecodeEvent) throws -> Void) throws {
        defer { builder.pending.removeAll(keepingCapacity: true) }
        do {
            try tokenizer.finish(builder)
        } catch {
            try drain(sink)
            throw error.with(record: builder.currentRecord)
        }
        try drain(sink)
    }

    private func drain(_ sink: (DecodeEvent) throws -> Void) throws {
        for event in builder.pending { try sink(event) }
        builder.pending.removeAll(keepingCapacity: true)
    }
}
