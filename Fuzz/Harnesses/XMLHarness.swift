import Decoders

/// The XML decoder on any bytes, with and without embedded base64 documents (the 130/QĐ-BYT envelope),
/// fed in input-chosen chunks. Properties: no crash; buffers bounded; record numbers never repeated.
public enum XMLHarness {
    /// Runs one input; throws a `HarnessViolation` when a property breaks.
    public static func run(_ bytes: UnsafeRawBufferPointer) throws {
        let input = FuzzInput(bytes, optionCount: 2)
        let limit = 8192
        let options =
            input.options[0] & 1 == 0
            ? XMLRecordOptions(recordPath: "DS/HOSO", maxRecordBytes: limit)
            : XMLRecordOptions(
                recordPath: "GIAMDINHHS/HOSO",
                embedded: EmbeddedXMLOptions(element: "NOIDUNGFILE", typeElement: "LOAIHOSO", types: ["XML1"], recordPath: "TONG_HOP"),
                maxRecordBytes: limit)
        let decoder = XMLRecordDecoder(options: options)
        var numbers = Set<String>()
        var violation: HarnessViolation?
        let sink: (DecodeEvent) -> Void = { event in
            let key: String
            switch event {
            case .record(let record): key = "\(record.number)/\(record.origin.map { "\($0.outerRecord)" } ?? "")"
            case .rejected(let error): key = "r\(error.record)/\(error.field ?? "")"
            }
            if !numbers.insert(key).inserted && !key.hasPrefix("r") { violation = HarnessViolation("record \(key) delivered twice") }
        }
        do {
            for chunk in input.chunks(seed: input.options[1]) {
                try chunk.withUnsafeBytes { try decoder.feed($0, sink) }
                if decoder.bufferCapacity > 64 * limit + 1 << 20 {
                    throw HarnessViolation("buffers grew to \(decoder.bufferCapacity) bytes against a record limit of \(limit)")
                }
            }
            try decoder.finish(sink)
        } catch let error as HarnessViolation {
            throw error
        } catch {
            // Malformed XML is an error with its offset: a valid answer.
        }
        if let violation { throw violation }
    }
}
