/// Push-based streaming CSV decoder (RFC 4180 and the variants of Vietnamese exports).
///
/// Feed it byte chunks of any size as they arrive; each complete record goes to the sink at once, with its 1-based
/// record number and the line it starts on. Quoted fields may span chunks and lines; CRLF, LF and CR line ends are
/// accepted; a UTF-8 BOM is stripped; UTF-16 (by BOM or declared) is transcoded; TCVN3/VNI/Windows-1258 fields are
/// decoded to Unicode with Normalize's legacy tables. A malformed record (stray or unterminated quote, wrong field
/// count, oversized) is delivered as `DecodeEvent.rejected` and decoding resumes at the next line. A required BOM
/// that is missing fails the stream (`CSVError.missingBOM`); `skipLines` title lines are skipped before the header.
///
/// Values: an unquoted empty field is nil, a quoted empty field (`""`) is the empty string (PostgreSQL's CSV rule).
/// Memory: the current record (at most `maxRecordBytes`) plus one transcoded chunk for UTF-16.
public final class CSVStreamDecoder {
    /// The options in use.
    public let options: CSVOptions
    private var engine: CSVEngine
    private var head: [UInt8] = []
    private var started = false
    private var utf16: UTF16Transcoder?
    private var scratch: [UInt8] = []
    /// The encoding in effect once the start of the stream has been seen (a BOM can override the declared one).
    public private(set) var effectiveEncoding: CSVTextEncoding

    /// Creates a decoder; throws on options that cannot work.
    public init(options: CSVOptions = CSVOptions()) throws(CSVError) {
        let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        if options.delimiter == lf || options.delimiter == cr {
            throw .invalidOptions("the delimiter cannot be a line end")
        }
        if let q = options.quote, q == options.delimiter || q == lf || q == cr {
            throw .invalidOptions("the quote character must differ from the delimiter and line ends")
        }
        self.options = options
        effectiveEncoding = options.encoding
        engine = CSVEngine(options: options, legacy: options.encoding.legacy)
    }

    /// Bytes held by the decoder's growable buffers (bounded by `maxRecordBytes` and the chunk size).
    public var bufferCapacity: Int { engine.bufferCapacity + scratch.capacity + head.capacity }

    /// The header's field names, once read.
    public var header: [String]? { engine.fieldNames }

    /// Bytes an `auto` encoding looks at before deciding between UTF-8 and TCVN3.
    public static let detectionWindow = 64 * 1024

    /// Decodes `chunk`; complete records and rejects go to `sink`.
    public func feed(_ chunk: UnsafeRawBufferPointer, _ sink: (DecodeEvent) throws -> Void) throws {
        if !started {
            head.append(contentsOf: chunk)
            if head.count < (options.encoding == .auto ? Self.detectionWindow : 3) { return }
            try start(sink)
            return
        }
        try process(chunk, sink)
    }

    /// Decodes an array chunk.
    public func feed(_ chunk: [UInt8], _ sink: (DecodeEvent) throws -> Void) throws {
        try chunk.withUnsafeBytes { try feed($0, sink) }
    }

    /// Ends the stream: flushes the last record (or reports an unterminated quote).
    public func finish(_ sink: (DecodeEvent) throws -> Void) throws {
        if !started { try start(sink) }
        if var transcoder = utf16 {
            scratch.removeAll(keepingCapacity: true)
            transcoder.finish(into: &scratch)
            utf16 = transcoder
            try scratch.withUnsafeBufferPointer { try engine.feed($0, sink) }
        }
        try engine.finish(sink)
    }

    /// Reads the BOM (if any) from the first bytes and processes them.
    private func start(_ sink: (DecodeEvent) throws -> Void) throws {
        started = true
        var skip = 0
        if options.bom == .none {
            // No BOM looked for: its bytes, if any, are the first field's.
        } else if head.count >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF {
            skip = 3
            effectiveEncoding = .utf8
        } else if head.count >= 2 && head[0] == 0xFF && head[1] == 0xFE {
            skip = 2
            effectiveEncoding = .utf16LE
        } else if head.count >= 2 && head[0] == 0xFE && head[1] == 0xFF {
            skip = 2
            effectiveEncoding = .utf16BE
        }
        // An empty document holds no records (a month without data): nothing to check.
        if options.bom == .required && skip == 0 && !head.isEmpty { throw CSVError.missingBOM }
        if effectiveEncoding == .auto {
            effectiveEncoding = Self.looksLikeUTF8(head) ? .utf8 : .tcvn3
        }
        if effectiveEncoding != options.encoding {
            engine = CSVEngine(options: options, legacy: effectiveEncoding.legacy)
        }
        switch effectiveEncoding {
        case .utf16LE: utf16 = UTF16Transcoder(bigEndian: false)
        case .utf16BE: utf16 = UTF16Transcoder(bigEndian: true)
        default: utf16 = nil
        }
        let rest = Array(head.dropFirst(skip))
        head = []
        try rest.withUnsafeBytes { try process($0, sink) }
    }

    /// Whether `bytes` (the start of a document) are UTF-8: valid, or cut inside the last sequence only.
    package static func looksLikeUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let bad = UTF8Validator.firstInvalidOffset(buffer) else { return true }
            // A multi-byte sequence cut by the end of the window: valid if the bytes present are its prefix.
            guard buffer.count - bad < 4, buffer[bad] >= 0xC2, buffer[bad] < 0xF5 else { return false }
            return buffer[(bad + 1)...].allSatisfy { $0 & 0xC0 == 0x80 }
        }
    }

    private func process(_ chunk: UnsafeRawBufferPointer, _ sink: (DecodeEvent) throws -> Void) throws {
        if var transcoder = utf16 {
            scratch.removeAll(keepingCapacity: true)
            transcoder.transcode(chunk, into: &scratch)
            utf16 = transcoder
            try scratch.withUnsafeBufferPointer { try engine.feed($0, sink) }
        } else {
            try engine.feed(chunk.assumingMemoryBound(to: UInt8.self), sink)
        }
    }
}
