import Hummingbird

extension Simulation {
    /// Renders one page of `GET /api/v1/labour/records`: records `range` (already cut to the window), page `page`.
    func renderLabourPage(_ range: Range<Int>, page: Int, pageSize: Int) -> RenderedPage {
        let first = range.lowerBound + (page - 1) * pageSize
        let slice = first < range.upperBound ? first..<min(range.upperBound, first + pageSize) : first..<first
        var out = ByteBufferAllocator().buffer(capacity: 128 + slice.count * 500)
        out.writeStaticString("{\"data\":[")
        for k in slice {
            if k > slice.lowerBound { out.writeInteger(UInt8(ascii: ",")) }
            Self.writeLabour(labour.record(k), to: &out)
        }
        out.writeStaticString("],\"paging\":{\"page\":")
        out.writeString(String(page))
        out.writeStaticString(",\"page_size\":")
        out.writeString(String(pageSize))
        out.writeStaticString(",\"total\":")
        out.writeString(String(range.count))
        out.writeStaticString("}}")
        return RenderedPage(body: out, records: slice.count)
    }

    static func writeLabour(_ r: LabourRecord, to out: inout ByteBuffer) {
        out.writeStaticString("{\"maHoSo\":")
        out.writeJSONString(r.recordID)
        out.writeStaticString(",\"loaiHoSo\":")
        out.writeJSONString(r.kind)
        out.writeStaticString(",\"soDinhDanh\":")
        out.writeJSONOptional(r.citizenID)
        out.writeStaticString(",\"hoTen\":")
        out.writeJSONString(r.name)
        out.writeStaticString(",\"noiCuTru\":{\"maXa\":")
        out.writeJSONString(r.residence.code)
        out.writeStaticString(",\"tenXa\":")
        out.writeJSONString(r.residence.name)
        out.writeStaticString("},\"ngheNghiep\":{\"ma\":")
        out.writeJSONString(r.occupationCode)
        out.writeStaticString(",\"ten\":")
        out.writeJSONString(r.occupationName)
        out.writeStaticString("},\"ngayNopHoSo\":")
        out.writeJSONString(r.claimDate)
        out.writeStaticString(",\"mucHuongThang\":")
        out.writeString(r.monthlyBenefit.map(String.init) ?? "null")
        out.writeStaticString(",\"soThangHuong\":")
        out.writeString(r.benefitMonths.map(String.init) ?? "null")
        out.writeStaticString(",\"trangThai\":")
        out.writeJSONString(r.status)
        out.writeStaticString(",\"ngayCapNhat\":")
        out.writeJSONString(Timestamps.format(r.updatedAt))
        out.writeStaticString("}")
    }
}
