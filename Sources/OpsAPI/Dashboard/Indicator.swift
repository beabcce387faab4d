import Foundation

/// The indicators the dashboard colours the wards by: columns of `integrated.commune_profile`, or a ward's value in
/// another integrated view (its latest day's air-quality index, a post/telecom indicator).
struct Indicator: Sendable, Equatable {
    /// Where a ward's value comes from.
    enum Source: Sendable, Equatable {
        /// The column `column` of `integrated.commune_profile`.
        case profile
        /// `value` of the row of `view` whose `wardColumn` is the ward (and which `filter` keeps, SQL over the
        /// view's columns, a constant of this file), the latest by `latest` when there are several.
        case ward(view: String, wardColumn: String, value: String, filter: String?, latest: String?)
    }

    let column: String
    /// The Vietnamese label.
    let label: String
    /// Digits after the decimal point in the legend and tooltips.
    let decimals: Int
    var source: Source = .profile
    /// Fixed classes (upper bound inclusive, colour, label) instead of quantiles: the VN_AQI bands.
    var bands: [Band]? = nil

    /// A fixed class of values.
    struct Band: Sendable, Equatable {
        let upper: Double
        let colour: String
        let label: String
    }

    /// Decision 1459/QĐ-TCMT's bands (Table 1) and colours.
    static let aqiBands = [
        Band(upper: 50, colour: "#00e400", label: "0 – 50 Tốt"), Band(upper: 100, colour: "#ffff00", label: "51 – 100 Trung bình"),
        Band(upper: 150, colour: "#ff7e00", label: "101 – 150 Kém"), Band(upper: 200, colour: "#ff0000", label: "151 – 200 Xấu"),
        Band(upper: 300, colour: "#8f3f97", label: "201 – 300 Rất xấu"), Band(upper: .infinity, colour: "#7e0023", label: "301 – 500 Nguy hại"),
    ]

    static let all = [
        Indicator(column: "population", label: "Dân số", decimals: 0),
        Indicator(column: "insurance_coverage_rate", label: "Tỷ lệ dân số tham gia bảo hiểm", decimals: 3),
        Indicator(column: "health_encounters_per_1000", label: "Lượt khám chữa bệnh trên 1.000 dân (tháng)", decimals: 1),
        Indicator(column: "pupils_per_teacher", label: "Học sinh trên một giáo viên", decimals: 1),
        Indicator(column: "enterprises_active", label: "Doanh nghiệp đang hoạt động", decimals: 0),
        Indicator(column: "job_seekers", label: "Người tìm việc (tháng)", decimals: 0),
        Indicator(
            column: "aqi", label: "Chỉ số chất lượng không khí VN_AQI (ngày gần nhất)", decimals: 0,
            source: .ward(view: "integrated.air_quality_ward_daily", wardColumn: "ward_code", value: "aqi", filter: nil, latest: "day"), bands: aqiBands),
        Indicator(
            column: "people_per_postal_point", label: "Số dân trên một điểm phục vụ bưu chính", decimals: 0,
            source: .ward(view: "integrated.ict_indicators", wardColumn: "area_code", value: "value", filter: "indicator = 'people_per_postal_point'", latest: nil)),
        Indicator(
            column: "broadband_per_100", label: "Thuê bao băng rộng cố định trên 100 dân", decimals: 1,
            source: .ward(view: "integrated.ict_indicators", wardColumn: "area_code", value: "value", filter: "indicator = 'broadband_per_100'", latest: nil)),
        Indicator(
            column: "mobile_per_100", label: "Thuê bao di động trên 100 dân", decimals: 1,
            source: .ward(view: "integrated.ict_indicators", wardColumn: "area_code", value: "value", filter: "indicator = 'mobile_per_100'", latest: nil)),
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
