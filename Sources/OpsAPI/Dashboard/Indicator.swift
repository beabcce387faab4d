import Foundation

/// The indicators the dashboard colours the wards by: columns of `integrated.commune_profile`.
struct Indicator: Sendable, Equatable {
    let column: String
    /// The Vietnamese label.
    let label: String
    /// Digits after the decimal point in the legend and tooltips.
    let decimals: Int

    static let all = [
        Indicator(column: "population", label: "Dân số", decimals: 0),
        Indicator(column: "insurance_coverage_rate", label: "Tỷ lệ dân số tham gia bảo hiểm", decimals: 3),
        Indicator(column: "health_encounters_per_1000", label: "Lượt khám chữa bệnh trên 1.000 dân (tháng)", decimals: 1),
        Indicator(column: "pupils_per_teacher", label: "Học sinh trên một giáo viên", decimals: 1),
        Indicator(column: "enterprises_active", label: "Doanh nghiệp đang hoạt động", decimals: 0),
        Indicator(column: "job_seekers", label: "Người tìm việc (tháng)", decimals: 0),
    ]

    static func named(_ column: String?) -> Indicator? {
        guard let column else { return all.first }
        return all.first { $0.column == column }
    }

    /// A value as the legend writes it (Vietnamese: `.` groups thousands, `,` is the decimal point).
    func format(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: "vi_VN")
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = "."
        formatter.decimalSeparator = ","
        formatter.minimumFractionDigits = decimals
        formatter.maximumFractionDigits = decimals
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }
}

/// Five classes by quantile, coloured from light to dark (ColorBrewer YlOrRd); no value is grey.
struct Classes: Sendable {
    static let colours = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    static let missing = "#d9d9d9"
    /// Upper bounds of the first four classes.
    let breaks: [Double]
    let minimum: Double
    let maximum: Double

    init(values: [Double]) {
        let sorted = values.sorted()
        minimum = sorted.first ?? 0
        maximum = sorted.last ?? 0
        guard !sorted.isEmpty else {
            breaks = []
            return
        }
        breaks = (1..<Classes.colours.count).map { index in
            sorted[min(sorted.count - 1, (sorted.count * index) / Classes.colours.count)]
        }
    }

    func colour(_ value: Double?) -> String {
        guard let value else { return Classes.missing }
        let index = breaks.firstIndex { value < $0 } ?? breaks.count
        return Classes.colours[min(index, Classes.colours.count - 1)]
    }
}
