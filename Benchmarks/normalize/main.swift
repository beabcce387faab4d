import Foundation
import Normalize
import ReferenceData

// Throughput of each normaliser on one core: 1,000,000 generated values each, through the generic entry point
// `normalize(_:as:context:)` (the one the Transform stage calls). Run a release build:
//   swift build -c release --product normalize-bench && .build/release/normalize-bench [count]

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1_000_000 : 1_000_000
/// Optional second argument: run only the normalisers whose name contains it.
let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : ""

func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count)] }

func generate(_ make: () -> String) -> [String] {
    var out: [String] = []
    out.reserveCapacity(count)
    for _ in 0..<count { out.append(make()) }
    return out
}

let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
                "Dương", "Lý", "Thân", "Nghiêm", "Chu", "Đào"]
let middles = ["Thị", "Văn", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh", "Hữu", "Xuân"]
let givens = ["Hoà", "Hòa", "Thuỷ", "Thủy", "Khoa", "Cường", "Quyết", "Huyền", "Giang", "Quỳnh", "Dũng", "Hương",
              "Tuấn", "Linh", "Nguyệt", "Hoài", "Toàn", "Khuê", "Loan", "Trường"]

let index: AdminUnitIndex
switch AdminUnitIndex.shared {
case .success(let i): index = i
case .failure(let e): print("reference data: \(e)"); exit(1)
}
let units = (try? ReferenceData.adminUnits2024()) ?? []
func fold(_ s: String) -> String {
    s.folding(options: [.diacriticInsensitive], locale: nil).replacingOccurrences(of: "đ", with: "d")
        .replacingOccurrences(of: "Đ", with: "D")
}
let adminTexts: [String] = units.flatMap { u -> [String] in
    let district = u.districtName.replacingOccurrences(of: "Thành phố ", with: "TP. ")
        .replacingOccurrences(of: "Thị xã ", with: "TX ").replacingOccurrences(of: "Huyện ", with: "H. ")
    let ward = u.wardName.replacingOccurrences(of: "Phường ", with: "P. ").replacingOccurrences(of: "Xã ", with: "X. ")
        .replacingOccurrences(of: "Thị trấn ", with: "TT. ")
    return [
        "\(u.wardName), \(u.districtName), \(u.provinceName)",
        "\(ward), \(district)",
        fold("\(u.wardName), \(u.districtName)"),
    ]
}

struct Bench {
    let name: String
    let semantic: Semantic
    let context: NormalizationContext
    /// Generated when the benchmark runs (so a filtered run generates nothing else).
    let values: () -> [String]

    init(name: String, semantic: Semantic, context: NormalizationContext, values: @autoclosure @escaping () -> [String]) {
        self.name = name
        self.semantic = semantic
        self.context = context
        self.values = values
    }
}

let oldEra = NormalizationContext(asOf: CivilDate(year: 2024, month: 6, day: 1), adminIndex: index)
print("generating \(count) values per normaliser…")
let allBenches: [Bench] = [
    Bench(name: "vn_person_name", semantic: .vnPersonName, context: .init(), values: generate {
        var s = "\(pick(families)) \(pick(middles)) \(pick(givens))"
        switch Int.random(in: 0..<4) {
        case 0: s = s.uppercased()
        case 1: s = s.decomposedStringWithCanonicalMapping
        case 2: s = "  " + s.replacingOccurrences(of: " ", with: "   ")
        default: break
        }
        return s
    }),
    Bench(name: "vn_phone", semantic: .vnPhone, context: .init(), values: generate {
        let n = Int.random(in: 1_000_000...9_999_999)
        switch Int.random(in: 0..<5) {
        case 0: return "09\(Int.random(in: 0...9))\(n)"
        case 1: return "+84 9\(Int.random(in: 0...9)) \(n)"
        case 2: return "016\(Int.random(in: 2...9))\(n)"
        case 3: return "0222 \(n)"
        default: return "0241.\(n)"
        }
    }),
    Bench(name: "vn_admin_unit (free text, pre-2025)", semantic: .vnAdminUnit, context: oldEra,
          values: generate { pick(adminTexts) }),
    Bench(name: "vn_admin_unit (codes, pre-2025)", semantic: .vnAdminUnit, context: oldEra,
          values: generate { pick(units).wardCode }),
    Bench(name: "vn_citizen_id", semantic: .vnCitizenID, context: .init(), values: generate {
        "0\(pick(["01", "24", "27", "79", "31"]))\(Int.random(in: 0...3))\(Int.random(in: 10...99))\(Int.random(in: 100_000...999_999))"
    }),
    Bench(name: "vn_tax_code", semantic: .vnTaxCode, context: .init(), values: generate {
        pick(["0100233488", "2300325764", "0300588569-001", "0100109106", "2300325765"])
    }),
    Bench(name: "date_dmy", semantic: .dateDMY, context: .init(), values: generate {
        "\(Int.random(in: 1...28))/\(Int.random(in: 1...12))/\(Int.random(in: 1930...2025))"
    }),
    Bench(name: "date_iso", semantic: .dateISO, context: .init(), values: generate {
        "\(Int.random(in: 1930...2025))-0\(Int.random(in: 1...9))-1\(Int.random(in: 0...9))"
    }),
    Bench(name: "excel_date", semantic: .excelDate, context: .init(), values: generate {
        String(Int.random(in: 61...50_000))
    }),
    Bench(name: "timestamp", semantic: .timestamp, context: .init(), values: generate {
        "2024-0\(Int.random(in: 1...9))-1\(Int.random(in: 0...9))T0\(Int.random(in: 0...9)):30:00+0\(Int.random(in: 0...9)):00"
    }),
    Bench(name: "legacy_text (detect + decode)", semantic: .legacyText, context: .init(), values: generate {
        pick(["Tr\u{AD}êng TiÓu häc Vâ C\u{AD}êng", "Tröôøng Tieåu hoïc Voõ Cöôøng", "B¾c Ninh", "NguyÔn ThÞ Hoµ",
              "Trường Tiểu học"])
    }),
    Bench(name: "vn2000_point", semantic: .vn2000Point, context: .init(), values: generate {
        "\(Double(Int.random(in: 530_000_000...585_000_000)) / 1000) \(Double(Int.random(in: 2_318_000_000...2_352_000_000)) / 1000) 9209"
    }),
]

let benches = allBenches.filter { only.isEmpty || $0.name.contains(only) }
var rows: [String] = []
let clock = ContinuousClock()
for bench in benches {
    let values = bench.values()
    var ok = 0
    var bytes = 0
    // warm-up (loads tables, the admin index is already built)
    for v in values.prefix(1000) { if case .success = normalize(v, as: bench.semantic, context: bench.context) { ok += 0 } }
    let elapsed = clock.measure {
        for v in values {
            if case .success(let n) = normalize(v, as: bench.semantic, context: bench.context) {
                ok += 1
                bytes &+= n.value.utf8.count
            }
        }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(values.count) / seconds
    let line = "| \(bench.name) | \(values.count) | \(String(format: "%.2f", seconds)) | \(String(format: "%.0f", rate)) | \(String(format: "%.1f", 100 * Double(ok) / Double(values.count))) % |"
    print(line, "(checksum \(bytes))")
    rows.append(line)
}
print("\n| normaliser | values | seconds | values/s (1 core) | ok |\n| --- | ---: | ---: | ---: | ---: |")
for r in rows { print(r) }
