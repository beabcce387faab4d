import XCTest
@testable import Ingest
@testable import Decoders

final class CSVMemoryTests: XCTestCase {
    /// 200 MB of CSV generated on the fly (a pre-rendered period of rows replayed in odd-sized chunks, so chunk
    /// boundaries fall everywhere, including inside quoted multi-line fields): the decoder's buffers stay bounded.
    func testTwoHundredMegabyteStreamKeepsBuffersBounded() throws {
        var period: [UInt8] = []
        let rowsPerPeriod = 1000
        for i in 0..<rowsPerPeriod {
            let note = i % 10 == 0 ? "\"ghi chú \"\"đặc biệt\"\"\nnhiều dòng\"" : "bình thường"
            period += Array("\(i);0010900\(String(format: "%05d", i));Nguyễn Văn Số \(i);\(note);09169\n".utf8)
        }
        let header = Array("\u{FEFF}cccd_row;cccd;ho_ten;ghi_chu;ma_xa\n".utf8)
        let target = 200 * 1024 * 1024
        let periods = target / period.count + 1
        let decoder = try CSVStreamDecoder(options: CSVOptions(delimiter: UInt8(ascii: ";")))
        var records = 0
        var rejected = 0
        var maxCapacity = 0
        var fed = 0
        let chunkSize = 65_537
        try decoder.feed(header) { _ in }
        // The stream is the header then `periods` copies of `period`; cut it into `chunkSize` pieces.
        var offsetInPeriod = 0
        var periodsLeft = periods
        var chunk: [UInt8] = []
        chunk.reserveCapacity(chunkSize)
        while periodsLeft > 0 {
            chunk.removeAll(keepingCapacity: true)
            while chunk.count < chunkSize && periodsLeft > 0 {
                let take = min(chunkSize - chunk.count, period.count - offsetInPeriod)
                chunk.append(contentsOf: period[offsetInPeriod..<(offsetInPeriod + take)])
                offsetInPeriod += take
                if offsetInPeriod == period.count {
                    offsetInPeriod = 0
                    periodsLeft -= 1
                }
            }
            fed += chunk.count
            try decoder.feed(chunk) { event in
                switch event {
                case .record: records += 1
                case .rejected: rejected += 1
                }
            }
            maxCapacity = max(maxCapacity, decoder.bufferCapacity)
        }
        try decoder.finish { _ in records += 1 }
        XCTAssertGreaterThanOrEqual(fed, target)
        XCTAssertEqual(records, periods * rowsPerPeriod)
        XCTAssertEqual(rejected, 0)
        XCTAssertLessThan(maxCapacity, 64 * 1024, "decoder buffers grew to \(maxCapacity) bytes")
    }
}
