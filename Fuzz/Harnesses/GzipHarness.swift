import Decoders

/// The gzip sniffer and inflater on any bytes, with a ratio limit, in input-chosen chunks. Properties: no
/// crash; the output never passes the ratio limit by more than one output chunk beyond the first MiB.
public enum GzipHarness {
    /// Runs one input; throws a `HarnessViolation` when a property breaks.
    public static func run(_ bytes: UnsafeRawBufferPointer) throws {
        let input = FuzzInput(bytes, optionCount: 2)
        let ratio = 2 + Int(input.options[0])
        let sniffer = ContentSniffer(outputChunkSize: 4096, maxInflateRatio: ratio)
        var produced = 0
        var consumed = 0
        var violation: HarnessViolation?
        let sink: (UnsafeRawBufferPointer) -> Void = { piece in
            produced += piece.count
            if produced > (1 << 20) + 4096 && produced > ratio * max(consumed, 1) + 4096 {
                violation = HarnessViolation("\(produced) bytes out of \(consumed) against a ratio of \(ratio)")
            }
        }
        do {
            for chunk in input.chunks(seed: input.options[1]) {
                consumed += chunk.count
                try chunk.withUnsafeBytes { try sniffer.feed($0, sink) }
            }
            try sniffer.finish(sink)
        } catch {
            // Corrupt, truncated or over the ratio: errors that say so are valid answers.
        }
        if let violation { throw violation }
    }
}
