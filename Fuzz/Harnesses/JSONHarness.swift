import Decoders
import Foundation

/// The JSON page readers on any bytes: the direct (byte-level) reader and the general one (Foundation), with
/// the records path and next path chosen by the first byte. Properties: no crash; a page the direct reader
/// accepts, the general reader accepts too, with as many records and the same next link.
public enum JSONHarness {
    static let shapes: [(records: String, next: String?, fields: [String])] = [
        ("data", "meta.next_cursor", ["id", "name", "a.b"]),
        ("features", "links[rel=next].href", ["id", "properties.ma", "geometry"]),
        ("value", "['@iot.nextLink']", ["@iot.id", "result", "Datastream['@iot.id']"]),
        ("entry", nil, ["resource.id", "search.mode"]),
    ]

    /// Runs one input; throws a `HarnessViolation` when a property breaks.
    public static func run(_ bytes: UnsafeRawBufferPointer) throws {
        let input = FuzzInput(bytes, optionCount: 1)
        let shape = shapes[Int(input.options[0] & 3)]
        guard let direct = DirectJSONPageReader(recordsPath: shape.records, nextPath: shape.next, sourcePaths: shape.fields),
            let general = try? JSONRecordExtractor(recordsPath: shape.records, nextPath: shape.next, keepAsJSON: Set(shape.fields))
        else { throw HarnessViolation("the shape \(shape.records) has no reader") }
        let page = input.document
        let read = try? page.withUnsafeBytes { raw throws(DirectJSONFallback) in try direct.read(raw, firstNumber: 1) }
        let extracted = try? general.extract(page: Data(page), firstNumber: 1)
        guard let read else { return }
        for record in read.records { _ = read.values(of: record, in: page) }
        guard let extracted else { throw HarnessViolation("the direct reader accepted a page the general reader refuses") }
        if extracted.records.count != read.records.count {
            throw HarnessViolation("the direct reader read \(read.records.count) records, the general one \(extracted.records.count)")
        }
        if (extracted.next == nil) != (read.next == nil) {
            throw HarnessViolation("one reader found a next link and the other did not")
        }
    }
}
