/// A push decoder of records: fed byte chunks of any size, it hands each record (or reject) to the sink as soon as
/// it is complete. `finish()` flushes the last record and throws if the stream is incomplete.
public protocol StreamingRecordDecoder: AnyObject {
    /// Decodes the next chunk (valid only during the call).
    func feed(_ chunk: UnsafeRawBufferPointer, _ sink: (DecodeEvent) throws -> Void) throws
    /// Ends the stream.
    func finish(_ sink: (DecodeEvent) throws -> Void) throws
    /// Bytes held by the decoder's growable buffers (for memory-bound checks and metrics).
    var bufferCapacity: Int { get }
}

extension CSVStreamDecoder: StreamingRecordDecoder {}
extension XMLRecordDecoder: StreamingRecordDecoder {}

/// A feed body as it arrives (HTTP chunks, file reads) → gzip sniffing and inflate → a record decoder.
///
/// The one object a fetcher needs per body: raw chunks in, records out, with byte counts for progress. A
/// truncated or corrupt gzip body throws `InflateError` (at `finish()` for truncation), so the caller can retry
/// the body instead of loading half of it.
public final class RecordStream {
    private let sniffer: ContentSniffer
    private let decoder: any StreamingRecordDecoder
    /// Raw (possibly compressed) bytes received.
    public private(set) var rawBytes = 0
    /// Decoded (decompressed) bytes handed to the decoder.
    public private(set) var decodedBytes = 0

    /// Wraps `decoder`; gzip is detected from the first bytes.
    public init(decoder: any StreamingRecordDecoder, inflateChunkSize: Int = 64 * 1024, maxInflateRatio: Int? = nil) {
        self.decoder = decoder
        sniffer = ContentSniffer(outputChunkSize: inflateChunkSize, maxInflateRatio: maxInflateRatio)
    }

    /// What the body turned out to be (nil until two bytes have been seen).
    public var detectedCoding: DetectedCoding? { sniffer.detected }

    /// Feeds a raw chunk.
    public func feed(_ chunk: UnsafeRawBufferPointer, _ sink: (DecodeEvent) throws -> Void) throws {
        rawBytes += chunk.count
        try sniffer.feed(chunk) { piece in
            decodedBytes += piece.count
            try decoder.feed(piece, sink)
        }
    }

    /// Feeds a raw array chunk.
    public func feed(_ chunk: [UInt8], _ sink: (DecodeEvent) throws -> Void) throws {
        try chunk.withUnsafeBytes { try feed($0, sink) }
    }

    /// Ends the body: checks the gzip stream is complete, then flushes the decoder.
    public func finish(_ sink: (DecodeEvent) throws -> Void) throws {
        try sniffer.finish { piece in
            decodedBytes += piece.count
            try decoder.feed(piece, sink)
        }
        try decoder.finish(sink)
    }
}
