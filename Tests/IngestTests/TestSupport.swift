import CZlib
import Foundation
@testable import Ingest
@testable import Normalize
@testable import Decoders

/// A comparable summary of one decode event.
enum Outcome: Equatable, CustomStringConvertible {
    case record(Int, Int?, [String?])
    case rejected(Int, Int?, String?, RecordError.Reason)

    var description: String {
        switch self {
        case .record(let n, let l, let v): "record \(n) line \(l.map(String.init) ?? "-") \(v)"
        case .rejected(let n, let l, let f, let r): "rejected \(n) line \(l.map(String.init) ?? "-") \(f ?? "-") \(r)"
        }
    }
}

extension Outcome {
    init(_ event: DecodeEvent) {
        switch event {
        case .record(let r): self = .record(r.number, r.line, r.values)
        case .rejected(let e): self = .rejected(e.record, e.line, e.field, e.reason)
        }
    }
}

/// Feeds `bytes` to a fresh CSV decoder in chunks of `chunk` bytes (0 = whole).
func decodeCSV(_ bytes: [UInt8], _ options: CSVOptions, chunk: Int) throws -> (header: [String]?, out: [Outcome]) {
    let decoder = try CSVStreamDecoder(options: options)
    var out: [Outcome] = []
    let step = chunk == 0 ? max(bytes.count, 1) : chunk
    var i = 0
    while i < bytes.count {
        let end = min(i + step, bytes.count)
        try decoder.feed(Array(bytes[i..<end])) { out.append(Outcome($0)) }
        i = end
    }
    try decoder.finish { out.append(Outcome($0)) }
    return (decoder.header, out)
}

/// TCVN3 bytes of NFC text, using Normalize's own table (the inverse of its decoder).
func tcvn3Bytes(_ text: String) -> [UInt8] {
    var inverse: [UInt32: UInt8] = [:]
    for (i, scalar) in LegacyTables.tcvn3High.enumerated() where inverse[scalar] == nil {
        inverse[scalar] = UInt8(0x80 + i)
    }
    var out: [UInt8] = []
    for s in text.precomposedStringWithCanonicalMapping.unicodeScalars {
        if s.value < 0x80 {
            out.append(UInt8(s.value))
        } else if let b = inverse[s.value] {
            out.append(b)
        } else {
            out.append(UInt8(ascii: "?"))
        }
    }
    return out
}

/// UTF-16 bytes of text, with a BOM.
func utf16Bytes(_ text: String, bigEndian: Bool) -> [UInt8] {
    var out: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
    for u in text.utf16 {
        if bigEndian {
            out += [UInt8(u >> 8), UInt8(u & 0xFF)]
        } else {
            out += [UInt8(u & 0xFF), UInt8(u >> 8)]
        }
    }
    return out
}

/// Gzip-compresses `bytes` with zlib (one member).
func gzip(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
    compress(bytes, level: level, windowBits: 16 + MAX_WBITS)
}

/// Compresses `bytes` with zlib: `windowBits` 16+15 gzip, 15 zlib, -15 raw deflate.
func compress(_ bytes: [UInt8], level: Int32 = 6, windowBits: Int32) -> [UInt8] {
    var stream = z_stream()
    let rc = deflateInit2_(
        &stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
        Int32(MemoryLayout<z_stream>.size))
    precondition(rc == Z_OK)
    defer { deflateEnd(&stream) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    var input = bytes
    let produced: Int = input.withUnsafeMutableBufferPointer { inBuf in
        out.withUnsafeMutableBufferPointer { outBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = uInt(outBuf.count)
            let r = deflate(&stream, Z_FINISH)
            precondition(r == Z_STREAM_END)
            return outBuf.count - Int(stream.avail_out)
        }
    }
    return Array(out[0..<produced])
}

/// Inflates `bytes` through a `ContentSniffer` in chunks of `chunk` bytes.
func sniffAll(_ bytes: [UInt8], chunk: Int) throws -> [UInt8] {
    let sniffer = ContentSniffer(outputChunkSize: 4096)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        let end = min(i + max(chunk, 1), bytes.count)
        try sniffer.feed(Array(bytes[i..<end])) { out.append(contentsOf: $0) }
        i = end
    }
    try sniffer.finish { out.append(contentsOf: $0) }
    return out
}
