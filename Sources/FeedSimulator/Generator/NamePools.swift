import Foundation

/// One name part in the forms the feeds send: canonical (NFC, modern tone placement), traditional placement,
/// decomposed (NFD) and upper case.
struct NamePart: Sendable {
    let canonical: String
    let traditional: String
    let nfd: String
    let upper: String

    init(_ canonical: String, traditional: String? = nil) {
        self.canonical = canonical
        self.traditional = traditional ?? canonical
        self.nfd = canonical.decomposedStringWithCanonicalMapping
        self.upper = canonical.uppercased()
    }
}

/// How a served name is written.
enum NameStyle: UInt8, Sendable {
    case canonical, traditional, nfd, upper, extraSpaces
}

/// Pools of Vietnamese surnames, middle and given names, weighted roughly as in the population.
enum NamePools {
    /// Surnames, the most frequent repeated to weight them.
    static let surnames: [NamePart] = [
        "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Trần",
        "Lê", "Lê", "Lê", "Phạm", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Vũ", "Võ", "Phan", "Trương", "Bùi", "Bùi", "Đặng",
        "Đỗ", "Đỗ", "Ngô", "Ngô", "Hồ", "Dương", "Đinh", "Đào", "Lương", "Lý", "Cao", "Chu", "Tạ", "Thân", "Hà",
        "Giáp", "Nghiêm", "Kiều", "Mẫn",
    ].map { NamePart($0) }

    static let maleMiddle: [NamePart] = [
        "Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thành", "Ngọc", "Đình", "Mạnh", "Tiến",
        "Trọng", "Anh", "Hoàng", "Duy", "Gia", "Quốc",
    ].map { NamePart($0) }

    static let femaleMiddle: [NamePart] = [
        "Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Thuỳ", "Bảo", "Khánh", "Mai",
        "Kim", "Diệu",
    ].map { $0 == "Thuỳ" ? NamePart($0, traditional: "Thùy") : NamePart($0) }

    static let maleGiven: [NamePart] = [
        NamePart("An"), NamePart("Bình"), NamePart("Cường"), NamePart("Dũng"), NamePart("Đức"), NamePart("Giang"),
        NamePart("Hải"), NamePart("Hiếu"), NamePart("Hoà", traditional: "Hòa"), NamePart("Hoàng"), NamePart("Hùng"),
        NamePart("Huy"), NamePart("Khánh"), NamePart("Khoa"), NamePart("Long"), NamePart("Mạnh"), NamePart("Minh"),
        NamePart("Nam"), NamePart("Nghĩa"), NamePart("Phong"), NamePart("Phúc"), NamePart("Quân"), NamePart("Quang"),
        NamePart("Sơn"), NamePart("Tâm"), NamePart("Thắng"), NamePart("Thành"), NamePart("Thuỷ", traditional: "Thủy"),
        NamePart("Toàn"), NamePart("Trung"), NamePart("Tuấn"), NamePart("Tùng"), NamePart("Việt"), NamePart("Vinh"),
        NamePart("Khoẻ", traditional: "Khỏe"), NamePart("Thuý", traditional: "Thúy"), NamePart("Hiển"), NamePart("Đạt"),
    ]

    static let femaleGiven: [NamePart] = [
        NamePart("Anh"), NamePart("Chi"), NamePart("Dung"), NamePart("Duyên"), NamePart("Giang"), NamePart("Hà"),
        NamePart("Hạnh"), NamePart("Hằng"), NamePart("Hiền"), NamePart("Hoa"), NamePart("Hoà", traditional: "Hòa"),
        NamePart("Huệ"), NamePart("Hương"), NamePart("Lan"), NamePart("Liên"), NamePart("Linh"), NamePart("Loan"),
        NamePart("Mai"), NamePart("Ngọc"), NamePart("Nhung"), NamePart("Oanh"), NamePart("Phương"), NamePart("Quỳnh"),
        NamePart("Thảo"), NamePart("Thoa"), NamePart("Thuỷ", traditional: "Thủy"), NamePart("Thuý", traditional: "Thúy"),
        NamePart("Trang"), NamePart("Uyên"), NamePart("Vân"), NamePart("Yến"), NamePart("Xoà", traditional: "Xòa"),
        NamePart("Loan"), NamePart("Tuyết"), NamePart("Hoè", traditional: "Hòe"),
    ]
}
