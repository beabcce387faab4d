import Foundation

/// A deliberately malformed school row.
enum SchoolMalformation: Sendable, Equatable {
    /// `ma_truong` empty (the primary key).
    case missingCode
    /// `so_hoc_sinh` written in words ("khoảng 500").
    case pupilsInWords

    var field: String { self == .missingCode ? "school_code" : "pupils" }
    var reason: String { self == .missingCode ? "required field missing" : "not a whole number" }
}

/// One school of the education sector's list.
struct School: Sendable {
    /// "bac-ninh" or "bac-giang": the old province's education department, whose export holds it.
    let department: String
    let code: String
    let name: String
    /// "Mầm non", "Tiểu học", "THCS", "THPT", "Liên cấp TH-THCS".
    let level: String
    let ownership: String
    /// New ward code, or (not updated since the reform) the old commune's code.
    let wardCode: String
    let wardName: String
    /// The post-2025 ward it is in (the truth behind a stale code).
    let ward2025: String
    let pupils: Int
    let teachers: Int
    let classes: Int
    let malformation: SchoolMalformation?
}

/// The schools of the province: per new ward one or two kindergartens and primary schools, a lower-secondary
/// school, an upper-secondary school in every third ward. The list is a pure function of the seed (schools do
/// not scale with the simulated population).
struct SchoolGenerator: Sendable {
    let seed: UInt64
    let schools: [School]

    static let departments = ["bac-ninh", "bac-giang"]
    static let schoolYear = "2025-2026"

    init(seed: UInt64, geography: Geography, encoder: TCVN3Encoder) {
        self.seed = seed
        var schools: [School] = []
        for (w, ward) in geography.wards.enumerated() {
            var rng = SplitMix64(seed: seed, salt: Salt.schools, UInt64(w))
            let first = ward.oldUnits[0]
            let department = first.province.hasSuffix("Bắc Ninh") ? "bac-ninh" : "bac-giang"
            let province = Geography.oldProvinceCode(of: first)
            var levels: [(String, String, Int)] = [("Mầm non", "1", 1 + rng.below(2)), ("Tiểu học", "2", 1 + rng.below(2))]
            levels.append(rng.unit() < 0.08 ? ("Liên cấp TH-THCS", "4", 1) : ("THCS", "3", 1))
            if w % 3 == 0 { levels.append(("THPT", "5", 1)) }
            for (level, digit, count) in levels {
                for n in 0..<count {
                    let old = ward.oldUnits[rng.below(ward.oldUnits.count)]
                    let place = Self.shortName(level == "THPT" || n == 0 ? ward.name : old.name)
                    var name = "Trường \(level == "Liên cấp TH-THCS" ? "Liên cấp Tiểu học và THCS" : level) \(place)"
                    if n > 0 && place == Self.shortName(ward.name) { name += " số \(n + 1)" }
                    let privateSchool = level == "Mầm non" && rng.unit() < 0.15
                    if privateSchool { name = "Trường Mầm non tư thục Hoa Sen \(place)" }
                    let stale = rng.unit() < 0.2
                    let (pupilsLow, pupilsSpan, perClass, perTeacher): (Int, Int, Int, Int) =
                        switch level {
                        case "Mầm non": (120, 300, 25, 12)
                        case "Tiểu học": (350, 700, 35, 20)
                        case "THPT": (900, 1200, 42, 18)
                        default: (300, 700, 40, 18)
                        }
                    let pupils = pupilsLow + rng.below(pupilsSpan)
                    let m = rng.unit()
                    // The Bắc Giang export goes through TCVN3: keep only names it can write.
                    if department == "bac-giang", encoder.encode(name) == nil { name = "Trường \(level) số \(n + 1)" }
                    let style = rng.unit()
                    if department == "bac-ninh" {
                        if style < 0.05 { name = name.decomposedStringWithCanonicalMapping }
                    }
                    if style >= 0.05 && style < 0.10 { name = Self.traditionalTones(name) }
                    schools.append(
                        School(
                            department: department,
                            code: m < 0.004 ? "" : province + digit + Digits.padded(w, width: 3) + Digits.padded(n + 1, width: 2),
                            name: name, level: level, ownership: privateSchool ? "Tư thục" : "Công lập",
                            wardCode: stale ? old.code : ward.code, wardName: stale ? old.name : ward.name, ward2025: ward.code, pupils: pupils,
                            teachers: max(3, pupils / perTeacher), classes: max(1, (pupils + perClass - 1) / perClass),
                            malformation: m < 0.004 ? .missingCode : m < 0.012 ? .pupilsInWords : nil))
                }
            }
        }
        self.schools = schools
    }

    /// "Phường Vũ Ninh" → "Vũ Ninh".
    static func shortName(_ name: String) -> String {
        for prefix in ["Phường ", "Xã ", "Thị trấn "] where name.hasPrefix(prefix) { return String(name.dropFirst(prefix.count)) }
        return name
    }

    /// The old tone placement of "oa", "oe", "uy" ("Hoà" → "Hòa").
    static func traditionalTones(_ text: String) -> String {
        var out = text
        for (modern, old) in [("oà", "òa"), ("oá", "óa"), ("oả", "ỏa"), ("oã", "õa"), ("oạ", "ọa"), ("uỳ", "ùy"), ("uý", "úy"),
                              ("uỷ", "ủy"), ("uỹ", "ũy"), ("uỵ", "ụy"), ("oè", "òe"), ("oé", "óe")] {
            out = out.replacingOccurrences(of: modern, with: old)
        }
        return out
    }

    /// The schools of one department's export.
    func schools(of department: String) -> [School] { schools.filter { $0.department == department } }

    static let header = "ma_truong,ten_truong,cap_hoc,loai_hinh,ma_xa,ten_xa,so_hoc_sinh,so_giao_vien,so_lop,nam_hoc,vi_do,kinh_do"

    /// The CSV text of a department's export (Unicode; the Bắc Giang one is then written in TCVN3), with each
    /// school's latitude and longitude.
    func csv(of department: String, positions: SchoolPositions) -> String {
        var text = Self.header + "\r\n"
        for s in schools(of: department) {
            let pupils = s.malformation == .pupilsInWords ? "khoảng \(s.pupils / 100 * 100)" : String(s.pupils)
            let (latitude, longitude) = positions.cells(s.code)
            let fields = [s.code, s.name, s.level, s.ownership, s.wardCode, s.wardName, pupils, String(s.teachers),
                          String(s.classes), Self.schoolYear, latitude, longitude]
            text += fields.map { CSVText.field($0.isEmpty ? nil : $0) }.joined(separator: ",") + "\r\n"
        }
        return text
    }
}
