import CZlib

/// Why an inflate failed. Offsets count compressed input bytes from the start of the stream.
public enum InflateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The compressed data is corrupt (bad header, bad block, CRC or length mismatch).
    case corrupt(inputOffset: Int, detail: String)
    /// The stream ended inside a member: the body was cut short.
    case truncated(inputOffset: Int)
    /// zlib could not be initialised or ran out of memory.
    case zlib(code: Int32, detail: String)
    /// The output outgrew `limit` times the input (a decompression bomb); nothing after it was inflated.
    case ratioExceeded(limit: Int, inputBytes: Int, outputBytes: Int)

    /// A one-line explanation without any data value.
    public var description: String {
        switch self {
        case .corrupt(let offset, let detail): "corrupt compressed data at input byte \(offset): \(detail)"
        case .truncated(let offset): "compressed stream truncated after \(offset) input bytes"
        case .zlib(let code, let detail): "zlib error \(code): \(detail)"
        case .ratioExceeded(let limit, let input, let output):
            "decompressed data outgrew \(limit) times its compressed size (\(output) bytes from \(input)): a decompression bomb or a wrong limit; if the export is genuinely this repetitive, raise records.max_inflate_ratio"
        }
    }
}

/// The container formats `GzipInflater` reads.
public enum DeflateFormat: Sendable, Hashable {
    /// RFC 1952 gzip, possibly several concatenated members.
    case gzip
    /// RFC 1950 zlib.
    case zlib
    /// RFC 1951 raw deflate.
    case raw

    package var windowBits: Int32 {
        switch self {
        case .gzip: 16 + MAX_WBITS
        case .zlib: MAX_WBITS
        case .raw: -MAX_WBITS
        }
    }
}

/// Streaming inflate over zlib: feed compressed chunks of any size, receive decompressed chunks of at most
/// `outputChunkSize` bytes as soon as they are produced. Memory is one output buffer plus zlib's window (32 KiB),
/// whatever the stream's size. Concatenated gzip members are read one after another. `finish()` throws
/// `.truncated` when the input stopped inside a member, so a cut body is never taken for a whole one.
public final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutablePointer<UInt8>
    /// Size of the decompressed chunks handed to the sink.
    public let outputChunkSize: Int
    private let format: DeflateFormat
    private var initialised = false
    /// Compressed bytes consumed so far.
    public private(set) var inputBytes = 0
    /// Decompressed bytes produced so far.
    public private(set) var outputBytes = 0
    /// Members completed so far.
    public private(set) var members = 0
    /// Whether input was consumed since the last member ended (a member is open).
    private var inMember = false
    private var failed: InflateError?
    /// Output allowed per input byte (nil: no limit); checked once the output passes `ratioFloor`.
    private let maxRatio: Int?
    /// Output below this many bytes is never a bomb (a tiny compressed file of a few repeated rows).
    package static let ratioFloor = 1 << 20

    /// Creates an inflater for `format`. `maxRatio` bounds the output to that many times the compressed bytes
    /// read so far (past the first MiB of output), so that a decompression bomb stops early, in bounded memory.
    public init(format: DeflateFormat = .gzip, outputChunkSize: Int = 64 * 1024, maxRatio: Int? = nil) throws(InflateError) {
        self.format = format
        self.maxRatio = maxRatio.map { max(1, $0) }
        self.outputChunkSize = max(1024, outputChunkSize)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(capacity: self.outputChunkSize)
        let rc = inflateInit2_(stream, format.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            throw .zlib(code: rc, detail: "inflateInit2 failed")
        }
        initialised = true
    }

    deinit {
        if initialised { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Inflates `chunk`, handing every decompressed piece to `sink` (the piece is only valid during the call).
    public func inflate(
        _ chunk: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        if let failed { throw failed }
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var offset = 0
        while offset < chunk.count {
            let available = min(chunk.count - offset, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self) + offset)
            stream.pointee.avail_in = uInt(available)
            inMember = true
            var rc: Int32 = Z_OK
            repeat {
                stream.pointee.next_out = output
                stream.pointee.avail_out = uInt(outputChunkSize)
                rc = CZlib.inflate(stream, Z_NO_FLUSH)
                let produced = outputChunkSize - Int(stream.pointee.avail_out)
                let consumed = available - Int(stream.pointee.avail_in)
                if produced > 0 {
                    outputBytes += produced
                    let read = inputBytes + offset + consumed
                    if let maxRatio, outputBytes > Self.ratioFloor, outputBytes / max(read, 1) > maxRatio {
                        let err = InflateError.ratioExceeded(limit: maxRatio, inputBytes: read, outputBytes: outputBytes)
                        failed = err
                        throw err
                    }
                    try sink(UnsafeRawBufferPointer(start: output, count: produced))
                }
                switch rc {
                case Z_OK, Z_BUF_ERROR:
                    break
                case Z_STREAM_END:
                    members += 1
                    inMember = false
                    if format == .gzip {
                        // Another member may follow in the rest of this chunk or in the next one.
                        inflateReset(stream)
                    } else if stream.pointee.avail_in > 0 {
                        let err = InflateError.corrupt(
                            inputOffset: inputBytes + offset + consumed, detail: "data after the end of the stream")
                        failed = err
                        throw err
                    }
                default:
                    let detail = stream.pointee.msg.map { String(cString: $0) } ?? "inflate returned \(rc)"
                    let err: InflateError =
                        rc == Z_MEM_ERROR
                        ? .zlib(code: rc, detail: detail)
                        : .corrupt(inputOffset: inputBytes + offset + consumed, detail: detail)
                    failed = err
                    throw err
                }
                if rc == Z_STREAM_END { break }
            } while stream.pointee.avail_out == 0 || (rc == Z_OK && stream.pointee.avail_in > 0)
            let consumed = available - Int(stream.pointee.avail_in)
            offset += consumed
            if rc == Z_STREAM_END {
                // After a member ends, the rest of the chunk (if any) is the next member: loop again.
                if stream.pointee.avail_in == 0 { break }
                continue
            }
            if consumed == 0 && stream.pointee.avail_in > 0 {
                let err = InflateError.corrupt(inputOffset: inputBytes + offset, detail: "inflate made no progress")
                failed = err
                throw err
            }
        }
        inputBytes += chunk.count
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
    }

    /// Inflates an array chunk.
    public func inflate(_ chunk: [UInt8], _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try chunk.withUnsafeBytes { try inflate($0, sink) }
    }

    /// Declares the end of input: throws `.truncated` if a member is incomplete or nothing was read.
    public func finish() throws(InflateError) {
        if let failed { throw failed }
        if inMember || members == 0 {
            let err = InflateError.truncated(inputOffset: inputBytes)
            failed = err
            throw err
        }
    }
}
