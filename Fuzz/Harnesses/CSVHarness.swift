import Decoders

/// The CSV decoder on any bytes: options from the first four bytes (delimiter, quote, header, stray quotes,
/// BOM policy, encoding), the rest fed in input-chosen chunks. Properties: no crash; buffers bounded by the
/// record limit; every record has the header's field count; a record number is never repeated.
public enum CSVHarness {
    /// Runs one input; throws a `HarnessViolation` when a property breaks.
    public static func run(_ bytes: UnsafeRawBufferPointer) throws {
        let input = FuzzInput(bytes, optionCount: 4)
        let o = input.options
        let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|")]
        let encodings: [CSVTextEncoding] = [.utf8, .auto, .utf16LE, .tcvn3]
        let boms: [CSVBOMPolicy] = [.auto, .none, .required, .auto]
        let limit = 4096
        let options = CSVOptions(
            delimiter: delimiters[Int(o[0] & 3)], quote: o[0] & 4 == 0 ? UInt8(ascii: "\"") : nil,
            hasHeader: o[0] & 8 == 0, encoding: encodings[Int((o[0] >> 4) & 3)], maxRecordBytes: limit,
            skipBlankLines: o[0] & 64 == 0, bom: boms[Int(o[1] & 3)], skipLines: Int(o[1] >> 6),
            strayQuotes: o[1] & 4 == 0 ? .reject : .literal)
        guard let decoder = try? CSVStreamDecoder(options: options) else { return }
        var numbers = Set<Int>()
        var width: Int?
        var violation: HarnessViolation?
        let sink: (DecodeEvent) -> Void = { event in
            let number: Int
            switch event {
            case .record(let record):
                number = record.number
                if let width, record.values.count != width {
                    violation = HarnessViolation("record \(number) has \(record.values.count) fields, not \(width)")
                }
                width = width ?? record.values.count
            case .rejected(let error):
                number = error.record
            }
            if number > 0 && !numbers.insert(number).inserted { violation = HarnessViolation("record \(number) delivered twice") }
        }
        do {
            for chunk in input.chunks(seed: o[2]) {
                try chunk.withUnsafeBytes { try decoder.feed($0, sink) }
                if decoder.bufferCapacity > 8 * limit + 256 * 1024 {
                    throw HarnessViolation("buffers grew to \(decoder.bufferCapacity) bytes against a record limit of \(limit)")
                }
            }
            try decoder.finish(sink)
        } catch let error as HarnessViolation {
            throw error
        } catch {
            // A document-level error (bad header, missing BOM) is a valid answer.
        }
        if let violation { throw violation }
    }
}
