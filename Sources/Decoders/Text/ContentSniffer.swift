/// The content coding `ContentSniffer` found.
public enum DetectedCoding: Sendable, Hashable {
    /// Gzip (magic bytes 1f 8b): inflated.
    case gzip
    /// Anything else: passed through unchanged.
    case identity
}

/// Detects gzip by its magic bytes (1f 8b) at the start of a byte stream and inflates it as a stream; passes any
/// other stream through unchanged. Servers often send `.csv.gz` exports without `Content-Encoding`, or say gzip
/// when they do not, so the bytes decide.
public final class ContentSniffer {
    private var head: [UInt8] = []
    private var inflater: GzipInflater?
    /// What the stream turned out to be (nil until two bytes or the end have been seen).
    public private(set) var detected: DetectedCoding?
    private let outputChunkSize: Int
    private let maxInflateRatio: Int?

    /// Creates a sniffer; `outputChunkSize` bounds the inflated pieces, `maxInflateRatio` the output of a gzip
    /// stream per compressed byte (see `GzipInflater`).
    public init(outputChunkSize: Int = 64 * 1024, maxInflateRatio: Int? = nil) {
        self.outputChunkSize = outputChunkSize
        self.maxInflateRatio = maxInflateRatio
    }

    /// Feeds raw bytes; decoded bytes go to `sink` (valid only during the call).
    public func feed(_ chunk: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch detected {
        case .gzip:
            if let inflater { try inflater.inflate(chunk, sink) }
        case .identity:
            if chunk.count > 0 { try sink(chunk) }
        case nil:
            head.append(contentsOf: chunk)
            guard head.count >= 2 else { return }
            try decide(sink)
        }
    }

    /// Feeds an array chunk.
    public func feed(_ chunk: [UInt8], _ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try chunk.withUnsafeBytes { try feed($0, sink) }
    }

    /// Ends the stream: flushes a short head and checks that a gzip stream was complete (`InflateError.truncated`).
    public func finish(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if detected == nil { try decide(sink) }
        if detected == .gzip, let inflater { try inflater.finish() }
    }

    private func decide(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let pending = head
        head = []
        if pending.count >= 2 && pending[0] == 0x1F && pending[1] == 0x8B {
            detected = .gzip
            let inflater = try GzipInflater(format: .gzip, outputChunkSize: outputChunkSize, maxRatio: maxInflateRatio)
            self.inflater = inflater
            try pending.withUnsafeBytes { try inflater.inflate($0, sink) }
        } else {
            detected = .identity
            if !pending.isEmpty { try pending.withUnsafeBytes { try sink($0) } }
        }
    }
}
