import Normalize

/// One enterprise or branch as the business feed serves it, with the facts behind it.
struct Enterprise: Sendable {
    let index: Int
    /// As served; nil when malformed by a missing tax code.
    let taxCode: String?
    /// The code even when the record omits it.
    let trueTaxCode: String
    /// Whether the code passes the check digit (a few deliberately do not).
    let validTaxCode: Bool
    let isBranch: Bool
    let name: String
    let vsic: String
    let vsicName: String
    /// Charter capital in VND.
    let capital: Int64
    let status: String
    let representativeID: String
    let representativeName: String
    let address: String
    /// The post-2025 ward of the address.
    let ward2025: String
    /// As served, dd/MM/yyyy ("31/02/yyyy" when malformed).
    let registeredOn: String
    let malformation: EnterpriseMalformation?
}

/// A deliberately malformed business record.
enum EnterpriseMalformation: Sendable, Equatable {
    case missingTaxCode
    case badRegistrationDate

    var field: String { self == .missingTaxCode ? "tax_code" : "registered_on" }
    var reason: String { self == .missingTaxCode ? "required field missing" : "not a date" }
}

/// Generates enterprise `e` of a seed as a pure function of (seed, e).
struct EnterpriseGenerator: Sendable {
    let seed: UInt64
    let people: PersonGenerator
    /// People that can be legal representatives (those of the initial state).
    let basePeople: Int
    let count: Int
    let serials: AffineBijection

    static let vsic: [(String, String)] = [
        ("2610", "Sản xuất linh kiện điện tử"), ("2630", "Sản xuất thiết bị truyền thông"),
        ("1410", "May trang phục (trừ trang phục từ da lông thú)"), ("4101", "Xây dựng nhà để ở"),
        ("4663", "Bán buôn vật liệu, thiết bị lắp đặt khác trong xây dựng"),
        ("4933", "Vận tải hàng hóa bằng đường bộ"), ("6201", "Lập trình máy vi tính"),
        ("5610", "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động"), ("1629", "Sản xuất sản phẩm khác từ gỗ"),
        ("3100", "Sản xuất giường, tủ, bàn, ghế"), ("1701", "Sản xuất bột giấy, giấy và bìa"),
        ("2592", "Gia công cơ khí; xử lý và tráng phủ kim loại"), ("0146", "Chăn nuôi gia cầm"),
        ("4659", "Bán buôn máy móc, thiết bị và phụ tùng máy khác"), ("6810", "Kinh doanh bất động sản"),
        ("4711", "Bán lẻ lương thực, thực phẩm trong cửa hàng kinh doanh tổng hợp"),
    ]
    static let forms = ["Công ty TNHH", "Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân"]
    static let trades = [
        "Thương mại", "Xây dựng", "Điện tử", "Dệt may", "Vận tải", "Thực phẩm", "Cơ khí", "Công nghệ", "Đồ gỗ",
        "Giấy", "Đầu tư", "Dịch vụ",
    ]
    static let brands = [
        "Kinh Bắc", "Hoàng Long", "Minh Phát", "An Bình", "Thuận Thành", "Quế Võ", "Yên Phong", "Đông Á", "Việt Hàn",
        "Phú Lâm", "Tân Hồng", "Lạng Giang", "Yên Dũng", "Đồng Kỵ", "Phong Khê", "Hiệp Hoà", "Lục Nam", "Sông Cầu",
    ]
    static let statuses: [(Double, String)] = [
        (0.85, "Đang hoạt động"), (0.91, "Tạm ngừng kinh doanh có thời hạn"), (0.94, "Đang làm thủ tục giải thể"),
        (0.98, "Đã giải thể"), (1.0, "Không hoạt động tại địa chỉ đã đăng ký"),
    ]

    /// The tax code (as sent) and its validity of each index below `count`, made once: every insurance row and
    /// every tax payment names its enterprise's code (779,000 rows in a month of insurance at scale 2.6).
    private var codes: [(code: String, valid: Bool)]

    init(seed: UInt64, people: PersonGenerator, basePeople: Int, count: Int) {
        self.seed = seed
        self.people = people
        self.basePeople = basePeople
        self.count = count
        serials = AffineBijection(modulus: 10_000_000, seed: seed, salt: Salt.enterprise)
        codes = []
        codes = (0..<max(0, count)).map { makeTaxCode($0) }
    }

    func isBranch(_ e: Int) -> Bool { e > 0 && Mix.unit(seed, Salt.enterprise, UInt64(e), 1) < 0.05 }

    /// The 10-digit code of a (non-branch) index: "23" (old Bắc Ninh) or "24" (old Bắc Giang), 7 serial digits, and
    /// the check digit of `TaxCodeNormalizer`; prefixes with no check digit (remainder 0) are skipped.
    func baseTaxCode(_ e: Int) -> String {
        let prefix = Mix.unit(seed, Salt.enterprise, UInt64(e), 2) < 0.6 ? "23" : "24"
        for k in 0..<8 {
            let nine = prefix + Digits.padded(Int(serials.apply(UInt64(e * 8 + k))), width: 7)
            if let check = TaxCodeNormalizer.checkDigit(Array(nine.utf8)) { return nine + String(check) }
        }
        // 8 prefixes in a row with remainder 0 (probability 11⁻⁸): use the last with check 0, flagged invalid.
        return prefix + Digits.padded(Int(serials.apply(UInt64(e * 8 + 7))), width: 7) + "0"
    }

    /// The nearest earlier non-branch index, the parent of branch `e`.
    func parent(ofBranch e: Int) -> Int {
        var p = e - 1 - Int(Mix.hash(seed ^ Salt.enterprise, UInt64(e), 3) % UInt64(min(e, 50)))
        while p > 0, isBranch(p) { p -= 1 }
        return max(0, p)
    }

    /// The tax code of index `e` as the feed sends it, and whether its check digit is right.
    func taxCode(_ e: Int) -> (code: String, valid: Bool) {
        e >= 0 && e < codes.count ? codes[e] : makeTaxCode(e)
    }

    private func makeTaxCode(_ e: Int) -> (code: String, valid: Bool) {
        if isBranch(e) {
            return (baseTaxCode(parent(ofBranch: e)) + "-" + Digits.padded(e % 999 + 1, width: 3), true)
        }
        let code = baseTaxCode(e)
        let broken = TaxCodeNormalizer.checkDigit(Array(code.utf8.prefix(9))) == nil
        if broken || Mix.unit(seed, Salt.enterprise, UInt64(e), 4) < 0.01 {
            // A wrong check digit: still unique, as the first nine digits are.
            let last = Int(code.utf8.last.map { $0 &- 0x30 } ?? 0)
            return (String(code.dropLast()) + String((last + 1) % 10), false)
        }
        return (code, true)
    }

    /// What a tax payment names of enterprise `e`: its name, true tax code and charter capital, as `enterprise(e)`
    /// makes them, without its representative, address and the rest (the finance feed asks for each enterprise's
    /// payer facts every month of its 24).
    func payer(_ e: Int) -> (name: String, trueTaxCode: String, capital: Int64) {
        var rng = SplitMix64(seed: seed, salt: Salt.enterprise, UInt64(e), 9)
        let head = head(e, &rng)
        return (head.name, taxCode(e).code, head.capital)
    }

    /// The first draws of enterprise `e`'s generator: its name, activity and capital.
    private func head(_ e: Int, _ rng: inout SplitMix64) -> (name: String, activity: (String, String), capital: Int64) {
        let form = rng.pick(Self.forms)
        let trade = rng.pick(Self.trades)
        let brand = rng.pick(Self.brands)
        let name = isBranch(e)
            ? "Chi nhánh \(form) \(trade) \(brand) \(parent(ofBranch: e))"
            : "\(form) \(trade) \(brand) \(e)"
        let activity = rng.pick(Self.vsic)
        var capital = Int64(rng.below(500) + 1) * 100_000_000
        if rng.unit() < 0.01 { capital *= 100 }
        return (name, activity, capital)
    }

    func enterprise(_ e: Int) -> Enterprise {
        var rng = SplitMix64(seed: seed, salt: Salt.enterprise, UInt64(e), 9)
        let branch = isBranch(e)
        let (code, valid) = taxCode(e)
        let (name, activity, capital) = head(e, &rng)
        let s = rng.unit()
        let status = Self.statuses.first { s < $0.0 }?.1 ?? "Đang hoạt động"
        let rep = rng.below(max(1, basePeople))
        let repIdentity = people.identity(rep)
        let repPerson = people.person(rep, version: 0, updatedAt: 0, preReform: false)
        let ward = rng.pick(people.geography.wards)
        let address: String
        if rng.unit() < 0.1, let old = ward.oldUnits.first {
            address = Geography.oldAddress(old, number: rng.below(300) + 1, group: rng.below(12) + 1, style: .full)
        } else {
            address = Geography.newAddress(ward, number: rng.below(300) + 1, group: rng.below(12) + 1, style: .full)
        }
        let year = 2000 + rng.below(26)
        let month = rng.below(12) + 1
        let day = rng.below(28) + 1
        let m = Mix.unit(seed, Salt.malformed, UInt64(e), 77)
        let malformation: EnterpriseMalformation? =
            m < 0.002 ? .missingTaxCode : m < 0.005 ? .badRegistrationDate : nil
        let registered = malformation == .badRegistrationDate
            ? "31/02/\(year)"
            : Digits.padded(day, width: 2) + "/" + Digits.padded(month, width: 2) + "/" + String(year)
        return Enterprise(
            index: e, taxCode: malformation == .missingTaxCode ? nil : code, trueTaxCode: code, validTaxCode: valid,
            isBranch: branch, name: name, vsic: activity.0, vsicName: activity.1, capital: capital, status: status,
            representativeID: repIdentity.citizenID, representativeName: repPerson.canonicalName, address: address,
            ward2025: ward.code, registeredOn: registered, malformation: malformation)
    }
}
