import CZlib
import XCTest
@testable import Ingest
@testable import Decoders

final class GzipTests: XCTestCase {
    private let text = Array(
        (1...5000).map { "\($0);001090012345;Nguyễn Văn An;2024-0\($0 % 9 + 1)\n" }.joined().utf8)

    func testSingleAndMultiMemberInAnyChunking() throws {
        let half = text.count / 2
        let multi = gzip(Array(text[..<half])) + gzip(Array(text[half...]), level: 1) + gzip([])
        let cases: [(String, [UInt8], [UInt8])] = [
            ("one member", gzip(text), text),
            ("three members (one empty)", multi, text),
            ("plain text passes through", text, text),
            ("short plain text", [0x41], [0x41]),
        ]
        for (name, input, expected) in cases {
            for chunk in [1, 7, 4096, input.count] {
                let out = try sniffAll(input, chunk: chunk)
                XCTAssertEqual(out, expected, "\(name), chunk \(chunk)")
            }
        }
    }

    /// `GzipDeflater` (archive files) in chunks of any size reads back byte for byte with `GzipInflater`, whose
    /// trailer check (CRC-32, length) passes, and with the system's `gzip -d`.
    func testTheStreamingDeflaterRoundTripsInAnyChunking() throws {
        var noise: [UInt8] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<300_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            noise.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        for (name, input) in [("text", text), ("noise", noise), ("empty", [])] {
            for chunk in [1, 1000, 65_536, max(1, input.count)] where chunk <= max(1, input.count) {
                let deflater = try GzipDeflater(outputChunkSize: 4096)
                var compressed: [UInt8] = []
                var offset = 0
                while offset < input.count {
                    let end = min(input.count, offset + chunk)
                    try input[offset..<end].withUnsafeBytes { try deflater.deflate($0) { compressed.append(contentsOf: $0) } }
                    offset = end
                }
                try deflater.finish { compressed.append(contentsOf: $0) }
                XCTAssertEqual(deflater.inputBytes, input.count)
                XCTAssertEqual(deflater.outputBytes, compressed.count)
                let inflater = try GzipInflater()
                var out: [UInt8] = []
                try compressed.withUnsafeBytes { try inflater.inflate($0) { out.append(contentsOf: $0) } }
                try inflater.finish()
                XCTAssertEqual(out, input, "\(name), chunk \(chunk)")
                if name == "text" && chunk == 1000 {
                    XCTAssertLessThan(compressed.count, input.count / 4, "text compresses")
                    let file = FileManager.default.temporaryDirectory.appendingPathComponent("deflater-\(UUID().uuidString).gz")
                    defer { try? FileManager.default.removeItem(at: file) }
                    try Data(compressed).write(to: file)
                    let gzip = Process()
                    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
                    gzip.arguments = ["-dc", file.path]
                    let pipe = Pipe()
                    gzip.standardOutput = pipe
                    try gzip.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    gzip.waitUntilExit()
                    XCTAssertEqual(gzip.terminationStatus, 0)
                    XCTAssertEqual(Array(data), input, "gzip -d reads it")
                }
            }
        }
    }

    func testCorruptedByteIsATypedError() throws {
        var bad = gzip(text)
        bad[bad.count / 2] ^= 0xFF
        XCTAssertThrowsError(try sniffAll(bad, chunk: 1000)) { error in
            guard case InflateError.corrupt(let offset, _) = error else {
                return XCTFail("expected corrupt, got \(error)")
            }
            XCTAssertGreaterThan(offset, 0)
        }
        var badCRC = gzip(text)
        badCRC[badCRC.count - 6] ^= 0x01  // CRC32 trailer
        XCTAssertThrowsError(try sniffAll(badCRC, chunk: 7)) { error in
            guard case InflateError.corrupt = error else { return XCTFail("expected corrupt, got \(error)") }
        }
    }

    func testTruncatedStreamIsDetectedAtFinish() throws {
        let full = gzip(text)
        for cut in [full.count - 1, full.count - 8, full.count / 2, 10, 3] {
            XCTAssertThrowsError(try sniffAll(Array(full[..<cut]), chunk: 512), "cut at \(cut)") { error in
                guard case InflateError.truncated = error else { return XCTFail("expected truncated, got \(error)") }
            }
        }
    }

    func testInflaterCountsAndFormats() throws {
        let inflater = try GzipInflater(format: .gzip, outputChunkSize: 1024)
        var out = 0
        try inflater.inflate(gzip(text) + gzip(text)) { out += $0.count }
        try inflater.finish()
        XCTAssertEqual(out, text.count * 2)
        XCTAssertEqual(inflater.members, 2)
        XCTAssertEqual(inflater.outputBytes, text.count * 2)
    }

    func testGarbageAfterAMemberIsCorrupt() throws {
        XCTAssertThrowsError(try sniffAll(gzip(text) + Array("garbage".utf8), chunk: 100)) { error in
            guard case InflateError.corrupt = error else { return XCTFail("expected corrupt, got \(error)") }
        }
    }

    func testZlibAndRawFormats() throws {
        let cases: [(DeflateFormat, Int32)] = [(.zlib, MAX_WBITS), (.raw, -MAX_WBITS), (.gzip, 16 + MAX_WBITS)]
        for (format, bits) in cases {
            for chunk in [1, 999] {
                let input = compress(text, windowBits: bits)
                let inflater = try GzipInflater(format: format)
                var out: [UInt8] = []
                var i = 0
                while i < input.count {
                    let end = min(i + chunk, input.count)
                    try inflater.inflate(Array(input[i..<end])) { out.append(contentsOf: $0) }
                    i = end
                }
                try inflater.finish()
                XCTAssertEqual(out, text, "\(format) chunk \(chunk)")
            }
        }
        // gzip bytes are not a zlib stream; after an error the inflater keeps failing.
        let inflater = try GzipInflater(format: .zlib)
        XCTAssertThrowsError(try inflater.inflate(gzip(text)) { _ in }) { error in
            guard case InflateError.corrupt = error else { return XCTFail("expected corrupt, got \(error)") }
        }
        XCTAssertThrowsError(try inflater.finish())
    }
}
