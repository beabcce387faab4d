import ArgumentParser
import Foundation
import Normalize

/// `citypipe normalize SEMANTIC [VALUE…]`: runs one normaliser over values and prints one JSON object per value.
///
/// Output, one line per value, every key always present (absent values are `null`):
/// `{"input":"…","ok":true,"value":"…","key":"…","reason":null,"code":null,"notes":[…],"candidates":[]}`.
/// `code` is the machine failure code (`FailureCode`), `candidates` the reference codes of an ambiguous
/// administrative unit. The exit status is 0 when every value was read, whatever the outcomes.
struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Normalise values with one of the Vietnamese-domain normalisers (one JSON object per value).",
        discussion: """
            SEMANTIC is one of: \(Semantic.allCases.map(\.rawValue).joined(separator: ", ")).
            Values come from the arguments, or one per line from standard input when there are none.
            vn2000_point values are "EASTING NORTHING ZONE" (either order; ZONE 9209 or 105.5 for old Bắc Ninh, \
            9214 or 107 for old Bắc Giang), or give the zone with --zone.
            Dates for --as-of and --dob: yyyy-mm-dd or d/m/yyyy.
            """)

    @Argument(help: "The semantic (e.g. vn_phone, vn_admin_unit).")
    var semantic: String

    @Argument(help: "Values to normalise; none reads standard input, one value per line.")
    var values: [String] = []

    @Option(name: .customLong("as-of"), help: "Date of the record (decides the administrative era, old phone plans).")
    var asOf: String?

    @Option(help: "Birth date of the person (checked against a CCCD).")
    var dob: String?

    @Option(help: "Sex of the person, M or F (checked against a CCCD).")
    var sex: String?

    @Option(help: "Parent unit text (district/province) for vn_admin_unit.")
    var parent: String?

    @Option(help: "VN-2000 zone for vn2000_point: 9209, 9214, or a central meridian.")
    var zone: String?

    @Option(help: "Two-digit-year pivot: years below it are 20yy, the others 19yy (dates refuse yy without it).")
    var pivot: Int?

    @Option(help: "Legacy encoding for legacy_text: tcvn3, vni, windows-1258, unicode (default: detect).")
    var encoding: String?

    @Flag(name: .customLong("excel-1904"), help: "Excel serials use the 1904 date system.")
    var excel1904 = false

    func validate() throws {
        guard Semantic(rawValue: semantic) != nil else {
            throw ValidationError(
                "unknown semantic \(semantic); expected one of \(Semantic.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let sex, Sex(rawValue: sex.uppercased()) == nil { throw ValidationError("--sex must be M or F") }
        if let asOf, NormalizeCommand.date(asOf) == nil { throw ValidationError("--as-of must be yyyy-mm-dd or d/m/yyyy") }
        if let dob, NormalizeCommand.date(dob) == nil { throw ValidationError("--dob must be yyyy-mm-dd or d/m/yyyy") }
        if let zone, VN2000Zone(parsing: zone) == nil { throw ValidationError("--zone must be 9209, 9214 or a central meridian") }
        if let encoding, LegacyEncoding(rawValue: encoding.lowercased()) == nil {
            throw ValidationError("--encoding must be one of \(LegacyEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        guard let semantic = Semantic(rawValue: semantic) else { throw ExitCode.validationFailure }
        let context = NormalizationContext(
            asOf: asOf.flatMap(NormalizeCommand.date), birthDate: dob.flatMap(NormalizeCommand.date),
            sex: sex.flatMap { Sex(rawValue: $0.uppercased()) }, twoDigitYears: pivot.map(TwoDigitYearRule.init),
            excel1904: excel1904, vn2000Zone: zone.flatMap(VN2000Zone.init(parsing:)), adminParent: parent,
            legacyEncoding: encoding.flatMap { LegacyEncoding(rawValue: $0.lowercased()) })
        if values.isEmpty {
            while let line = readLine(strippingNewline: true) {
                print(NormalizeCommand.json(input: line, normalize(line, as: semantic, context: context)))
            }
        } else {
            for value in values {
                print(NormalizeCommand.json(input: value, normalize(value, as: semantic, context: context)))
            }
        }
    }

    static func date(_ text: String) -> CivilDate? {
        if let d = try? DateNormalizer.iso(text).get() { return d }
        return try? DateNormalizer.dayMonthYear(text).get()
    }

    /// One output line.
    static func json(input: String, _ result: NormalizationResult) -> String {
        var s = "{\"input\":" + quote(input)
        switch result {
        case .success(let n):
            s += ",\"ok\":true,\"value\":" + quote(n.value) + ",\"key\":" + (n.key.map(quote) ?? "null")
            s += ",\"reason\":null,\"code\":null,\"notes\":" + list(n.notes) + ",\"candidates\":[]}"
        case .failure(let f):
            s += ",\"ok\":false,\"value\":null,\"key\":null,\"reason\":" + quote(f.reason)
            s += ",\"code\":" + quote(f.code.rawValue) + ",\"notes\":[],\"candidates\":" + list(f.candidates) + "}"
        }
        return s
    }

    static func list(_ items: [String]) -> String { "[" + items.map(quote).joined(separator: ",") + "]" }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
