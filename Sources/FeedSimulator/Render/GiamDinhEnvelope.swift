import Foundation
import Hummingbird

/// The `GIAMDINHHS` envelope of Decision 130/QĐ-BYT (as amended by 4750/QĐ-BYT): one HOSO per visit, whose
/// FILEHOSO elements each carry a type (XML1 summary, XML2 drugs…) and a whole XML document in base64.
enum GiamDinhEnvelope {
    /// The envelope of `claims` sent by facility `sender` (a facility code, or the health department's gateway
    /// code for a bundle of several facilities' files), made on day `made` (yyyyMMdd).
    static func render(_ claims: [HealthClaim], sender: String, made: String) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: 512 + claims.count * 1_400)
        out.writeStaticString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GIAMDINHHS>\n<THONGTINDONVI><MACSKCB>")
        out.writeString(sender)
        out.writeStaticString("</MACSKCB></THONGTINDONVI>\n<THONGTINHOSO>\n<NGAYLAP>")
        out.writeString(made)
        out.writeStaticString("</NGAYLAP>\n<SOLUONGHOSO>")
        out.writeString(String(claims.count))
        out.writeStaticString("</SOLUONGHOSO>\n<DANHSACHHOSO>\n")
        for claim in claims {
            out.writeStaticString("<HOSO>\n<FILEHOSO>\n<LOAIHOSO>XML1</LOAIHOSO>\n<NOIDUNGFILE>")
            var content = Data(xml1(claim).utf8).base64EncodedString()
            if claim.malformation == .damagedFile { content.insert(contentsOf: "#~", at: content.index(content.startIndex, offsetBy: content.count / 2)) }
            out.writeString(content)
            out.writeStaticString("</NOIDUNGFILE>\n</FILEHOSO>\n")
            if claim.hasDrugList {
                out.writeStaticString("<FILEHOSO>\n<LOAIHOSO>XML2</LOAIHOSO>\n<NOIDUNGFILE>")
                out.writeString(Data(xml2(claim).utf8).base64EncodedString())
                out.writeStaticString("</NOIDUNGFILE>\n</FILEHOSO>\n")
            }
            out.writeStaticString("</HOSO>\n")
        }
        out.writeStaticString("</DANHSACHHOSO>\n</THONGTINHOSO>\n<CHUKYDONVI/>\n</GIAMDINHHS>\n")
        return out
    }

    /// The XML1 (TONG_HOP) document of one visit.
    static func xml1(_ c: HealthClaim) -> String {
        let fields: [(String, String)] = [
            ("MA_LK", c.claimID), ("STT", "1"), ("MA_BN", "BN" + Digits.padded(c.person, width: 8)),
            ("HO_TEN", c.name), ("SO_CCCD", c.citizenID ?? ""), ("NGAY_SINH", c.birthDate + "0000"),
            ("GIOI_TINH", c.sex), ("MATINH_CU_TRU", c.residence.provinceCode), ("MAXA_CU_TRU", c.residence.code),
            ("MA_THE_BHYT", c.card), ("MA_BENH_CHINH", c.icd10), ("CHAN_DOAN_RV", c.diagnosis),
            ("MA_LOAI_KCB", c.encounterType), ("NGAY_VAO", c.admittedText), ("NGAY_RA", Spread.compact(c.dischargedAt)),
            ("MA_CSKCB", c.facility.code), ("T_TONGCHI_BV", String(c.totalCost)), ("T_BHTT", String(c.insurancePaid)),
            ("T_BNCCT", String(c.totalCost - c.insurancePaid)),
        ]
        var text = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<TONG_HOP>\n"
        for (name, value) in fields {
            text += value.isEmpty ? "<\(name)/>\n" : "<\(name)>\(escape(value))</\(name)>\n"
        }
        return text + "</TONG_HOP>\n"
    }

    /// A short XML2 (drug list) document: read by nobody here, skipped by the manifest's `types: [XML1]`.
    static func xml2(_ c: HealthClaim) -> String {
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC><CHI_TIET_THUOC>"
            + "<MA_LK>\(escape(c.trueClaimID))</MA_LK><STT>1</STT><MA_THUOC>40.17</MA_THUOC>"
            + "<TEN_THUOC>Paracetamol 500mg</TEN_THUOC><SO_LUONG>10</SO_LUONG>"
            + "</CHI_TIET_THUOC></DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>\n"
    }

    static func escape(_ text: String) -> String {
        // Scanned as UTF-8 bytes (each of the three is one byte, never part of another character's encoding): as
        // Characters, the scan split every value into grapheme clusters.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E }) else { return text }
        return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
