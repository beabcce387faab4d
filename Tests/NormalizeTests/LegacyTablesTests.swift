import XCTest

@testable import Normalize

#if canImport(Glibc)
import Glibc

/// Cross-checks the built-in single-byte tables against the system's iconv (glibc), byte by byte.
final class LegacyTablesTests: XCTestCase {
    /// The UTF-32 scalars iconv gives for one byte, or nil when iconv refuses it.
    func iconvScalars(_ byte: UInt8, from charset: String) -> [UInt32]? {
        let cd = iconv_open("UTF-32LE", charset)
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input: [CChar] = [CChar(bitPattern: byte)]
        var output = [UInt8](repeating: 0, count: 32)
        var inLeft = 1
        var outLeft = output.count
        let ok = input.withUnsafeMutableBufferPointer { inBuf -> Bool in
            output.withUnsafeMutableBufferPointer { outBuf -> Bool in
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                if iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) == -1 { return false }
                // flush a stateful decoder (Windows-1258 holds a base letter back to compose it)
                return iconv(cd, nil, nil, &outPtr, &outLeft) != -1
            }
        }
        guard ok else { return nil }
        let n = (output.count - outLeft) / 4
        return (0..<n).map { k in
            UInt32(output[4 * k]) | UInt32(output[4 * k + 1]) << 8 | UInt32(output[4 * k + 2]) << 16
                | UInt32(output[4 * k + 3]) << 24
        }
    }

    func testTCVN3MatchesGlibc() throws {
        var checked = 0
        for b in UInt8(0x80)...UInt8(0xFF) {
            guard let scalars = iconvScalars(b, from: "TCVN5712-1") else { continue }
            XCTAssertEqual(scalars, [LegacyTables.tcvn3High[Int(b) - 0x80]], "byte \(b)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testWindows1258MatchesGlibc() throws {
        var checked = 0
        for b in UInt8(0x80)...UInt8(0xFF) {
            guard let scalars = iconvScalars(b, from: "CP1258") else { continue }
            XCTAssertEqual(scalars, [LegacyTables.cp1258High[Int(b) - 0x80]], "byte \(b)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 100)
    }
}
#endif
