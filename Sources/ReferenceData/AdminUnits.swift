/// A commune or ward as it was before the 1 July 2025 reorganisation (three levels).
public struct AdminUnit2024: Sendable, Hashable {
    public let provinceCode: String
    public let provinceName: String
    public let districtCode: String
    public let districtName: String
    public let wardCode: String
    public let wardName: String
    /// `Phường`, `Xã` or `Thị trấn`.
    public let wardType: String
}

/// A commune or ward from 1 July 2025 (two levels: province and commune/ward).
public struct AdminUnit2025: Sendable, Hashable {
    public let provinceCode: String
    public let provinceName: String
    public let wardCode: String
    public let wardName: String
    /// `Phường`, `Xã` or `Đặc khu tại hải đảo`.
    public let wardType: String
}

/// How an old unit went into a new one.
public enum MergeType: String, Sendable, Hashable {
    /// The whole old unit went into the new one.
    case full
    /// Only part of the old unit went into this new one; other parts went elsewhere.
    case partial
}

/// One line of the 2025 crosswalk: the new unit `newCode` received (all or part of) the old unit `oldCode`.
public struct CrosswalkEntry: Sendable, Hashable {
    /// `province` or `ward`.
    public let level: String
    public let newCode: String
    public let newName: String
    public let oldCode: String
    public let oldName: String
    public let mergeType: MergeType
}

extension ReferenceData {
    /// The 10,035 pre-2025 communes/wards.
    public static func adminUnits2024() throws(ReferenceDataError) -> [AdminUnit2024] {
        let file = ReferenceFile.adminUnits2024
        let table = try CSVTable(file)
        let c = try table.columns(
            ["province_code", "province_name", "district_code", "district_name", "ward_code", "ward_name", "ward_type"],
            file: file.rawValue)
        return table.rows.map {
            AdminUnit2024(
                provinceCode: $0[c[0]], provinceName: $0[c[1]], districtCode: $0[c[2]], districtName: $0[c[3]],
                wardCode: $0[c[4]], wardName: $0[c[5]], wardType: $0[c[6]])
        }
    }

    /// The 3,321 communes/wards from 1 July 2025.
    public static func adminUnits2025() throws(ReferenceDataError) -> [AdminUnit2025] {
        let file = ReferenceFile.adminUnits2025
        let table = try CSVTable(file)
        let c = try table.columns(
            ["province_code", "province_name", "ward_code", "ward_name", "ward_type"], file: file.rawValue)
        return table.rows.map {
            AdminUnit2025(
                provinceCode: $0[c[0]], provinceName: $0[c[1]], wardCode: $0[c[2]], wardName: $0[c[3]],
                wardType: $0[c[4]])
        }
    }

    /// The crosswalk, provinces and wards.
    public static func crosswalk2025() throws(ReferenceDataError) -> [CrosswalkEntry] {
        let file = ReferenceFile.crosswalk2025
        let table = try CSVTable(file)
        let c = try table.columns(
            ["level", "new_code", "new_name", "old_code", "old_name", "merge_type"], file: file.rawValue)
        var entries: [CrosswalkEntry] = []
        entries.reserveCapacity(table.rows.count)
        for (offset, row) in table.rows.enumerated() {
            guard let merge = MergeType(rawValue: row[c[5]]) else {
                throw .malformedRow(
                    file: file.rawValue, line: offset + 2,
                    reason: "merge_type must be full or partial, not \(row[c[5]])")
            }
            entries.append(
                CrosswalkEntry(
                    level: row[c[0]], newCode: row[c[1]], newName: row[c[2]], oldCode: row[c[3]],
                    oldName: row[c[4]], mergeType: merge))
        }
        return entries
    }
}

extension CSVTable {
    /// Positions of several columns at once.
    func columns(_ names: [String], file: String) throws(ReferenceDataError) -> [Int] {
        var positions: [Int] = []
        for name in names { positions.append(try column(name, file: file)) }
        return positions
    }
}
