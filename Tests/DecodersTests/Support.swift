import Foundation
import XCTest
import TestSupport
@testable import Decoders

/// What a decoder made of a stream: its records (as path → value) and its rejects, or the error that ended it.
struct Outcome {
    var records: [[String: String?]] = []
    var rejects: [RecordError] = []
    var error: (any Error)?

    var errorText: String { error.map { String(describing: $0) } ?? "" }
}

/// Feeds `chunks` to `decoder` and finishes it, collecting what came out.
func decode(_ decoder: some StreamingRecordDecoder, _ chunks: [[UInt8]]) -> Outcome {
    var outcome = Outcome()
    let sink: (DecodeEvent) -> Void = { event in
        switch event {
        case .record(let r):
            var fields: [String: String?] = [:]
            for (i, p) in r.schema.paths.enumerated() { fields[p] = i < r.values.count ? r.values[i] : nil }
            outcome.records.append(fields)
        case .rejected(let e): outcome.rejects.append(e)
        }
    }
    do {
        for chunk in chunks { try chunk.withUnsafeBytes { try decoder.feed($0, sink) } }
        try decoder.finish(sink)
    } catch {
        outcome.error = error
    }
    return outcome
}

