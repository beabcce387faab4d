// decode-bench: throughput of the streaming decoders on generated data (no files written).
// Usage: decode-bench [megabytes]   (default 300)
import Foundation


let megabytes = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 300

func makePeriod() -> [UInt8] {
    var period: [UInt8] = []
    for i in 0..<2000 {
        let note = i % 20 == 0 ? "\"có dấu \"\"ngoặc\"\", và dấu phẩy\"" : "Tổ dân phố số \(i % 17)"
        period += Array(
            "\(i),00109\(String(format: "%07d", i)),Nguyễn Văn Số \(i),\(1950 + i % 60)-0\(i % 9 + 1)-1\(i % 9),\(note),09169,0912\(String(format: "%06d", i)),\(i * 1375 % 100_000).50\n"
                .utf8)
    }
    return period
}

func measure(_ name: String, bytes total: Int, _ body: () throws -> Int) rethrows {
    let start = DispatchTime.now().uptimeNanoseconds
    let records = try body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let mb = Double(total) / 1_000_000
    print(
        String(
            format: "%@ %8.1f MB in %6.3f s = %7.1f MB/s, %9.0f records/s", name.padding(toLength: 36, withPad: " ", startingAt: 0) as NSString, mb, seconds,
            mb / seconds, Double(records) / seconds))
}

let period = makePeriod()
let header = Array("stt,cccd,ho_ten,ngay_sinh,dia_chi,ma_xa,sdt,so_tien\n".utf8)
let repeats = megabytes * 1_000_000 / period.count + 1
var stream: [UInt8] = header
stream.reserveCapacity(header.count + repeats * period.count)
for _ in 0..<repeats { stream += period }
let total = stream.count

for chunkSize in [64 * 1024, 1 << 20] {
    try measure("CSV plain, \(chunkSize / 1024) KiB chunks", bytes: total) {
        let decoder = try CSVStreamDecoder()
        var records = 0
        var checksum = 0
        try stream.withUnsafeBytes { all in
            var i = 0
            while i < all.count {
                let end = min(i + chunkSize, all.count)
                try decoder.feed(UnsafeRawBufferPointer(rebasing: all[i..<end])) { event in
                    if case .record(let r) = event {
                        records += 1
                        checksum &+= r.values.count
                    }
                }
                i = end
            }
        }
        try decoder.finish { _ in records += 1 }
        precondition(checksum > 0)
        return records
    }
}

// gzip → CSV, as the insurance exports arrive.
import CZlib
import Decoders

func deflateGzip(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    guard
        deflateInit2_(
            &stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { fatalError("deflateInit2 failed") }  // benchmark setup only, not input-dependent
    defer { deflateEnd(&stream) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    var input = bytes
    let produced = input.withUnsafeMutableBufferPointer { inBuf in
        out.withUnsafeMutableBufferPointer { outBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = uInt(outBuf.count)
            _ = deflate(&stream, Z_FINISH)
            return outBuf.count - Int(stream.avail_out)
        }
    }
    return Array(out[0..<produced])
}

let gz = deflateGzip(stream)
print("gzip: \(stream.count) → \(gz.count) bytes")
try measure("gzip → CSV, 64 KiB input chunks", bytes: total) {
    let sniffer = ContentSniffer()
    let decoder = try CSVStreamDecoder()
    var records = 0
    try gz.withUnsafeBytes { all in
        var i = 0
        while i < all.count {
            let end = min(i + 65536, all.count)
            try sniffer.feed(UnsafeRawBufferPointer(rebasing: all[i..<end])) { piece in
                try decoder.feed(piece) { if case .record = $0 { records += 1 } }
            }
            i = end
        }
    }
    try sniffer.finish { piece in try decoder.feed(piece) { _ in records += 1 } }
    try decoder.finish { _ in records += 1 }
    return records
}
try measure("gzip inflate only", bytes: total) {
    let inflater = try GzipInflater()
    var n = 0
    try inflater.inflate(gz) { n += $0.count }
    try inflater.finish()
    precondition(n == total)
    return 0
}

// XML rows (DATA/ROW), about a third of the CSV volume.
var xml: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<DATA>\n".utf8)
let xmlRow = Array(
    "<ROW id=\"1\"><MA_LK>27001-2501-000123</MA_LK><SO_CCCD>027090001234</SO_CCCD><HO_TEN>Nguyễn Văn An</HO_TEN><NGAY_SINH>199001150000</NGAY_SINH><DIA_CHI><MA_XA>09169</MA_XA><TEXT>Tổ 3 &amp; 4, P. Vũ Ninh</TEXT></DIA_CHI><T_TONGCHI_BV>350000</T_TONGCHI_BV></ROW>\n"
        .utf8)
while xml.count < total / 3 { xml += xmlRow }
xml += Array("</DATA>\n".utf8)
try measure("XML rows, 64 KiB chunks", bytes: xml.count) {
    let decoder = XMLRecordDecoder(options: XMLRecordOptions(recordPath: "DATA/ROW"))
    var records = 0
    try xml.withUnsafeBytes { all in
        var i = 0
        while i < all.count {
            let end = min(i + 65536, all.count)
            try decoder.feed(UnsafeRawBufferPointer(rebasing: all[i..<end])) { _ in records += 1 }
            i = end
        }
    }
    try decoder.finish { _ in records += 1 }
    return records
}

// Legacy TCVN3 fields (decoded per field through Normalize) and UTF-16LE (transcoded), on a third of the volume.
func runCSV(_ name: String, _ bytes: [UInt8], _ options: CSVOptions) throws {
    try measure(name, bytes: bytes.count) {
        let decoder = try CSVStreamDecoder(options: options)
        var records = 0
        try bytes.withUnsafeBytes { all in
            var i = 0
            while i < all.count {
                let end = min(i + 65536, all.count)
                try decoder.feed(UnsafeRawBufferPointer(rebasing: all[i..<end])) { _ in records += 1 }
                i = end
            }
        }
        try decoder.finish { _ in records += 1 }
        return records
    }
}

let tcvnName = "Tr\u{AD}êng TiÓu häc Vâ C\u{AD}êng".unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
var tcvn: [UInt8] = Array("ma,ten,so\n".utf8)
var row = 0
while tcvn.count < total / 3 {
    tcvn += Array("\(row),".utf8) + tcvnName + Array(",\(row % 1000)\n".utf8)
    row += 1
}
try runCSV("CSV TCVN3 (legacy decode/field)", tcvn, CSVOptions(encoding: .tcvn3))

let third = Array(stream[0..<(total / 3)])
var utf16: [UInt8] = [0xFF, 0xFE]
utf16.reserveCapacity(third.count * 2 + 2)
for u in String(decoding: third, as: UTF8.self).utf16 {
    utf16.append(UInt8(u & 0xFF))
    utf16.append(UInt8(u >> 8))
}
try runCSV("CSV UTF-16LE (transcoded)", utf16, CSVOptions())
