import Foundation

/// A deliberately malformed tax payment.
enum PaymentMalformation: Sendable, Equatable {
    /// `MaSoThue` empty (a required field).
    case missingTaxCode
    /// `SoTien` with thousands dots ("12.500.000").
    case groupedAmount

    var field: String { self == .missingTaxCode ? "tax_code" : "amount" }
    var reason: String { self == .missingTaxCode ? "required field missing" : "not a decimal number" }
}

/// One tax payment document (chứng từ nộp thuế) of an enterprise or branch.
struct TaxPayment: Sendable {
    /// "CT2503-0000123"
    let documentNumber: String
    /// As served ("" when malformed): the 10-digit code or the 13-digit branch code of the business feed.
    let taxCode: String
    let trueTaxCode: String
    let payer: String
    /// Sub-item of the state budget chart of accounts (tiểu mục): 1701 VAT, 1001 PIT, 1052 CIT, 2862 licence fee.
    let subItem: String
    let taxType: String
    /// The tax period paid for, MM/yyyy.
    let taxPeriod: String
    let amount: Int64
    /// Payment date, ISO (as served: ISO or dd/MM/yyyy).
    let paidOn: String
    let paidOnServed: String
    let malformation: PaymentMalformation?
}

/// Tax payments by the simulated enterprises, month by month (2024-01 … 2025-12): VAT and withheld personal income
/// tax monthly for most, corporate income tax quarterly, the licence fee in January.
struct FinanceGenerator: Sendable {
    let seed: UInt64
    let enterprises: EnterpriseGenerator

    static let firstDataPeriod = Period(year: 2024, month: 1)
    static let lastDataPeriod = Period(year: 2025, month: 12)
    static let firstPeriod = Period(year: 2020, month: 1)

    /// The payments made in `period` (empty outside the data months), in document order.
    func payments(in period: Period) -> [TaxPayment] {
        guard period >= Self.firstDataPeriod, period <= Self.lastDataPeriod else { return [] }
        var out: [TaxPayment] = []
        let previous = period.month == 1 ? Period(year: period.year - 1, month: 12) : Period(year: period.year, month: period.month - 1)
        let days = Timestamps.daysIn(month: period.month, year: period.year)
        for e in 0..<enterprises.count {
            let profile = Mix.unit(seed, Salt.finance, UInt64(e))
            guard profile < 0.9 else { continue }  // dormant: no payments
            let enterprise = enterprises.payer(e)
            var rng = SplitMix64(seed: seed, salt: Salt.finance, UInt64(e), UInt64(period.ordinal))
            var items: [(String, String, String, Int64)] = []
            if profile < 0.7 {
                items.append(("1701", "GTGT", previous.monthSlash, Int64(5 + rng.below(400)) * 100_000))
            }
            if profile < 0.45 {
                items.append(("1001", "TNCN", previous.monthSlash, Int64(1 + rng.below(120)) * 100_000))
            }
            if profile < 0.6, [1, 4, 7, 10].contains(period.month) {
                let quarter = (previous.month - 1) / 3 + 1
                items.append(("1052", "TNDN", "Q\(quarter)/\(previous.year)", Int64(10 + rng.below(2_000)) * 100_000))
            }
            if period.month == 1 {
                items.append(("2862", "Môn bài", "\(period.year)", enterprise.capital > 10_000_000_000 ? 3_000_000 : 2_000_000))
            }
            for (subItem, taxType, taxPeriod, amount) in items {
                let day = 1 + rng.below(min(days, 28))
                let iso = period.text + "-" + Digits.padded(day, width: 2)
                let m = rng.unit()
                // (Grouped with one dot, "250.000" would read as a decimal 250: only millions are grouped here.)
                let malformation: PaymentMalformation? =
                    m < 0.002 ? .missingTaxCode : m < 0.005 && amount >= 1_000_000 ? .groupedAmount : nil
                let styled = rng.unit()
                let payer = styled < 0.03 ? enterprise.name.decomposedStringWithCanonicalMapping : enterprise.name
                let number = "CT" + Digits.padded(period.year % 100, width: 2) + Digits.padded(period.month, width: 2) + "-"
                    + Digits.padded(out.count + 1, width: 7)
                out.append(
                    TaxPayment(
                        documentNumber: number, taxCode: malformation == .missingTaxCode ? "" : enterprise.trueTaxCode,
                        trueTaxCode: enterprise.trueTaxCode, payer: payer, subItem: subItem, taxType: taxType,
                        taxPeriod: taxPeriod, amount: amount, paidOn: iso,
                        paidOnServed: styled > 0.97 ? Digits.padded(day, width: 2) + "/" + Digits.padded(period.month, width: 2) + "/" + String(period.year) : iso,
                        malformation: malformation))
            }
        }
        return out
    }

    /// The XML document of `period` as the finance database exports it.
    func xml(of period: Period) -> [UInt8] {
        let payments = payments(in: period)
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DuLieuNopThue>\n<ThongTinChung><MaTinh>24</MaTinh><KyDuLieu>"
            + period.text + "</KyDuLieu><SoChungTu>\(payments.count)</SoChungTu></ThongTinChung>\n<DanhSachChungTu>\n"
        for p in payments {
            let amount = p.malformation == .groupedAmount ? StatisticsGenerator.grouped(Int(p.amount)) : String(p.amount)
            text += "<ChungTu SoChungTu=\"\(p.documentNumber)\">"
                + (p.taxCode.isEmpty ? "<MaSoThue/>" : "<MaSoThue>\(p.taxCode)</MaSoThue>")
                + "<TenNguoiNopThue>\(GiamDinhEnvelope.escape(p.payer))</TenNguoiNopThue>"
                + "<NoiDung><TieuMuc>\(p.subItem)</TieuMuc><LoaiThue>\(p.taxType)</LoaiThue><KyThue>\(p.taxPeriod)</KyThue>"
                + "<SoTien>\(amount)</SoTien></NoiDung><NgayNop>\(p.paidOnServed)</NgayNop>"
                + "<KhoBac>0111</KhoBac></ChungTu>\n"
        }
        text += "</DanhSachChungTu>\n</DuLieuNopThue>\n"
        return Array(text.utf8)
    }
}

extension Period {
    /// `MM/yyyy`
    var monthSlash: String { Digits.padded(month, width: 2) + "/" + Digits.padded(year, width: 4) }
}
