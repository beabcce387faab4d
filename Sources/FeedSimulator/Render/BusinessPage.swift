import Hummingbird

extension Simulation {
    /// Renders one page of `GET /api/v2/enterprises` (offset/limit over the current snapshot).
    func renderBusinessPage(offset: Int, limit: Int, state: SimulationState) -> RenderedPage {
        let total = state.aliveEnterprises
        var out = ByteBufferAllocator().buffer(capacity: 128 + limit * 600)
        out.writeStaticString("{\"results\":[")
        var count = 0
        if offset < total {
            var e = state.enterpriseIndex(atOffset: offset)
            while count < limit, e < state.enterpriseCount {
                if !state.isRemoved(e) {
                    if count > 0 { out.writeInteger(UInt8(ascii: ",")) }
                    Self.writeEnterprise(enterprises.enterprise(e), to: &out)
                    count += 1
                }
                e += 1
            }
        }
        out.writeStaticString("],\"total\":")
        out.writeString(String(total))
        out.writeStaticString(",\"offset\":")
        out.writeString(String(offset))
        out.writeStaticString(",\"limit\":")
        out.writeString(String(limit))
        out.writeStaticString("}")
        return RenderedPage(body: out, records: count)
    }

    static func writeEnterprise(_ e: Enterprise, to out: inout ByteBuffer) {
        out.writeStaticString("{\"maSoThue\":")
        out.writeJSONOptional(e.taxCode)
        out.writeStaticString(",\"tenDoanhNghiep\":")
        out.writeJSONString(e.name)
        out.writeStaticString(",\"nganhNgheChinh\":{\"maVSIC\":")
        out.writeJSONString(e.vsic)
        out.writeStaticString(",\"tenNganh\":")
        out.writeJSONString(e.vsicName)
        out.writeStaticString("},\"vonDieuLe\":")
        out.writeString(String(e.capital))
        out.writeStaticString(",\"tinhTrang\":")
        out.writeJSONString(e.status)
        out.writeStaticString(",\"nguoiDaiDien\":{\"hoVaTen\":")
        out.writeJSONString(e.representativeName)
        out.writeStaticString(",\"soDinhDanh\":")
        out.writeJSONString(e.representativeID)
        out.writeStaticString("},\"diaChiTruSo\":")
        out.writeJSONString(e.address)
        out.writeStaticString(",\"ngayDangKy\":")
        out.writeJSONString(e.registeredOn)
        out.writeStaticString("}")
    }
}
