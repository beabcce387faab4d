import CZlib

/// Streaming gzip (RFC 1952) compression over zlib: feed uncompressed chunks of any size, receive compressed
/// chunks of at most `outputChunkSize` bytes. Memory is one output buffer plus zlib's state (about 256 KiB at the
/// default level), whatever the stream's size. `finish` writes the trailer (CRC-32 and length), which
/// `GzipInflater` checks on reading back.
public final class GzipDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutablePointer<UInt8>
    /// Size of the compressed chunks handed to the sink.
    public let outputChunkSize: Int
    private var initialised = false
    private var finished = false
    /// Uncompressed bytes taken so far.
    public private(set) var inputBytes = 0
    /// Compressed bytes produced so far.
    public private(set) var outputBytes = 0

    /// Creates a deflater at zlib `level` (0–9).
    public init(level: Int32 = 6, outputChunkSize: Int = 64 * 1024) throws(InflateError) {
        self.outputChunkSize = max(1024, outputChunkSize)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(capacity: self.outputChunkSize)
        let rc = deflateInit2_(
            stream, max(0, min(9, level)), Z_DEFLATED, DeflateFormat.gzip.windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw .zlib(code: rc, detail: "deflateInit2 failed") }
        initialised = true
    }

    deinit {
        if initialised { deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Compresses `chunk`, handing every compressed piece to `sink` (the piece is only valid during the call).
    public func deflate(_ chunk: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !finished else { throw InflateError.zlib(code: Z_STREAM_ERROR, detail: "deflate after finish") }
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var offset = 0
        while offset < chunk.count {
            let available = min(chunk.count - offset, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self) + offset)
            stream.pointee.avail_in = uInt(available)
            try run(flush: Z_NO_FLUSH, sink)
            inputBytes += available
            offset += available
        }
    }

    /// Ends the stream: the rest of the compressed data and the gzip trailer go to `sink`.
    public func finish(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard !finished else { return }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try run(flush: Z_FINISH, sink)
        finished = true
    }

    /// Calls deflate until it has taken all the input (and, finishing, written the end of the stream).
    private func run(flush: Int32, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            stream.pointee.next_out = output
            stream.pointee.avail_out = uInt(outputChunkSize)
            let rc = CZlib.deflate(stream, flush)
            let produced = outputChunkSize - Int(stream.pointee.avail_out)
            if produced > 0 {
                outputBytes += produced
                try sink(UnsafeRawBufferPointer(start: output, count: produced))
            }
            switch rc {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                if flush != Z_FINISH && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return }
                if rc == Z_BUF_ERROR && produced == 0 && flush != Z_FINISH { return }
            default:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "deflate returned \(rc)"
                throw InflateError.zlib(code: rc, detail: detail)
            }
        }
    }
}
