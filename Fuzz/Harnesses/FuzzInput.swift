/// Reads a fuzzer's bytes as a few option bytes followed by the document, and cuts the document into chunks
/// of sizes the input chooses (so chunk boundaries fall everywhere, as network reads do).
public struct FuzzInput {
    /// The option bytes (zero when the input is shorter).
    public let options: [UInt8]
    /// The document.
    public let document: [UInt8]

    /// Splits `bytes`: the first `optionCount` are options, the rest the document.
    public init(_ bytes: UnsafeRawBufferPointer, optionCount: Int) {
        let head = Array(bytes.prefix(optionCount))
        options = head + [UInt8](repeating: 0, count: optionCount - head.count)
        document = Array(bytes.dropFirst(optionCount))
    }

    /// The document in chunks of 1…`1 + seed` bytes (seed 0: one chunk).
    public func chunks(seed: UInt8) -> [ArraySlice<UInt8>] {
        guard seed != 0 else { return [document[...]] }
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        var step = Int(seed)
        while start < document.count {
            let end = min(document.count, start + 1 + step % 17)
            out.append(document[start..<end])
            start = end
            step = (step &* 31 &+ 7) & 0xFF
        }
        return out
    }
}

/// A property a harness found broken: the fuzzer reports it as a crash (the input is saved), and the replay
/// test fails on it.
public struct HarnessViolation: Error, CustomStringConvertible {
    /// What was expected and what happened.
    public let description: String

    /// A violation saying `description`.
    public init(_ description: String) { self.description = description }
}
