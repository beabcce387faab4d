import Foundation
import ReferenceData

/// A pre-2025 commune or ward that went whole into one of the new wards, with its district and province.
struct OldUnit: Sendable {
    let code: String
    /// "Xã Phù Chẩn"
    let name: String
    /// "Thị xã Từ Sơn"
    let district: String
    /// "Tỉnh Bắc Ninh"
    let province: String
    let isUrban: Bool
}

/// One of the 99 wards and communes of the new Bắc Ninh (from 1 July 2025), and the old units merged into it.
struct Ward: Sendable {
    let code: String
    /// "Phường Vũ Ninh"
    let name: String
    let isUrban: Bool
    /// Old units merged whole (`full`) into this ward; never empty (wards without one are not loaded).
    let oldUnits: [OldUnit]
}

/// How a free-text address is written.
enum AddressStyle: UInt8, Sendable {
    /// "Thôn 3, Xã Phù Chẩn, Thị xã Từ Sơn, Tỉnh Bắc Ninh"
    case full
    /// "Thôn 3, Xã Phù Chẩn, TX Từ Sơn, Bắc Ninh", "P. Vũ Ninh, TP. Bắc Ninh" (a ward's house part omitted)
    case abbreviated
    /// "Thon 3, Xa Phu Chan, Thi xa Tu Son, Tinh Bac Ninh"
    case folded
}

/// The administrative geography the simulated people live in, read from `ReferenceData`.
struct Geography: Sendable {
    /// Code of the new province (Bắc Ninh after the merger with Bắc Giang).
    static let provinceCode = "24"
    static let provinceName = "Tỉnh Bắc Ninh"

    let wards: [Ward]

    init() throws {
        let units2025 = try ReferenceData.adminUnits2025().filter { $0.provinceCode == Self.provinceCode }
        let old = try ReferenceData.adminUnits2024()
        var oldByCode: [String: AdminUnit2024] = [:]
        for unit in old { oldByCode[unit.wardCode] = unit }
        var merged: [String: [OldUnit]] = [:]
        for entry in try ReferenceData.crosswalk2025() where entry.level == "ward" && entry.mergeType == .full {
            guard let unit = oldByCode[entry.oldCode] else { continue }
            merged[entry.newCode, default: []].append(
                OldUnit(
                    code: unit.wardCode, name: unit.wardName, district: unit.districtName,
                    province: unit.provinceName, isUrban: unit.wardType != "Xã"))
        }
        var wards: [Ward] = []
        for unit in units2025.sorted(by: { $0.wardCode < $1.wardCode }) {
            guard let olds = merged[unit.wardCode], !olds.isEmpty else { continue }
            wards.append(
                Ward(code: unit.wardCode, name: unit.wardName, isUrban: unit.wardType == "Phường", oldUnits: olds))
        }
        guard !wards.isEmpty else { throw SimulatorError.referenceData("no wards of province \(Self.provinceCode)") }
        self.wards = wards
    }

    /// The house part: "Số 12, Tổ dân phố 3" in a ward, "Thôn 3" in a commune.
    static func house(urban: Bool, number: Int, group: Int, style: AddressStyle) -> String {
        switch (urban, style) {
        case (true, .full): return "Số \(number), Tổ dân phố \(group)"
        case (true, .abbreviated): return "Số \(number), TDP \(group)"
        case (true, .folded): return "So \(number), To dan pho \(group)"
        case (false, .folded): return "Thon \(group)"
        case (false, _): return "Thôn \(group)"
        }
    }

    /// A post-2025 address (two levels): "Thôn 3, Xã Phù Chẩn, Tỉnh Bắc Ninh".
    static func newAddress(_ ward: Ward, number: Int, group: Int, style: AddressStyle) -> String {
        let house = house(urban: ward.isUrban, number: number, group: group, style: style)
        switch style {
        case .full: return "\(house), \(ward.name), \(provinceName)"
        case .abbreviated: return "\(house), \(abbreviate(ward.name)), Bắc Ninh"
        case .folded: return "\(house), \(fold(ward.name)), \(fold(provinceName))"
        }
    }

    /// A pre-2025 address (three levels): "Thôn 3, Xã Phù Chẩn, Thị xã Từ Sơn, Tỉnh Bắc Ninh".
    static func oldAddress(_ unit: OldUnit, number: Int, group: Int, style: AddressStyle) -> String {
        let house = house(urban: unit.isUrban, number: number, group: group, style: style)
        switch style {
        case .full:
            return "\(house), \(unit.name), \(unit.district), \(unit.province)"
        case .abbreviated:
            let place = "\(abbreviate(unit.name)), \(abbreviate(unit.district)), \(abbreviate(unit.province))"
            return unit.isUrban ? place : "\(house), \(place)"
        case .folded:
            return "\(house), \(fold(unit.name)), \(fold(unit.district)), \(fold(unit.province))"
        }
    }

    /// "Phường Vũ Ninh" → "P. Vũ Ninh", "Thành phố Bắc Ninh" → "TP. Bắc Ninh", "Tỉnh Bắc Ninh" → "Bắc Ninh".
    static func abbreviate(_ name: String) -> String {
        let prefixes: [(String, String)] = [
            ("Thành phố ", "TP. "), ("Thị xã ", "TX "), ("Thị trấn ", "TT. "), ("Huyện ", "H. "),
            ("Phường ", "P. "), ("Tỉnh ", ""),
        ]
        for (long, short) in prefixes where name.hasPrefix(long) {
            return short + name.dropFirst(long.count)
        }
        return name
    }

    /// Diacritics removed, đ → d: "Phù Chẩn" → "Phu Chan".
    static func fold(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.value {
            case 0x0300...0x036F: continue
            case 0x0111: scalars.append("d")
            case 0x0110: scalars.append("D")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}

/// Errors of the simulator's set-up (never of the data it serves).
public enum SimulatorError: Error, CustomStringConvertible {
    /// The shipped reference data could not be read.
    case referenceData(String)
    /// An option is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .referenceData(let reason): "reference data: \(reason)"
        case .invalidOption(let reason): "invalid option: \(reason)"
        }
    }
}
