import XCTest

@testable import Normalize

/// A record's place from its admin-unit fields read together (real units of both eras; Bắc Ninh is "24" since
/// 1 July 2025, the merger of old Bắc Ninh "27" and old Bắc Giang "24").
final class PlaceResolverTests: XCTestCase {
    struct Case {
        let line: UInt
        let names: [String]
        let values: [String?]
        let asOf: CivilDate
        let scope: Set<String>?
        let ward: String?
        let status: PlaceResolver.Resolution.Status
        let rule: String?
        let candidates: [String]
    }

    static func place(
        _ names: [String], _ values: [String?], _ asOf: CivilDate, scope: Set<String>? = ["24"], ward: String?,
        _ status: PlaceResolver.Resolution.Status, rule: String? = nil, candidates: [String] = [], line: UInt = #line
    ) -> Case {
        Case(line: line, names: names, values: values, asOf: asOf, scope: scope, ward: ward, status: status, rule: rule,
             candidates: candidates)
    }

    func testTable() throws {
        let index = try AdminUnitIndex.shared.get()
        let before = day(2024, 6, 1)
        let after = day(2025, 8, 1)
        let code = ["ward_code", "address"]
        let table: [Case] = [
            // A code alone, either era (09169 is old Thị Cầu before the reform and new Vũ Ninh after: both end in 09169).
            Self.place(code, ["09163", nil], before, ward: "09169", .resolved, rule: "ward_code"),
            Self.place(code, ["09169", nil], after, ward: "09169", .resolved, rule: "ward_code"),
            // Code and address agree: the code decides, the address adds nothing.
            Self.place(code, ["09163", "Số 4, P. Vũ Ninh, TP. Bắc Ninh"], before, ward: "09169", .resolved, rule: "ward_code"),
            // No code: the address alone (Phường Phù Chẩn, Từ Sơn, went whole into the new Phường Từ Sơn).
            Self.place(code, [nil, "Thôn 3, Phường Phù Chẩn, TP. Từ Sơn, Bắc Ninh"], before, ward: "09367", .resolved, rule: "address"),
            // Code and address name different wards: the code's is kept and flagged.
            Self.place(code, ["09163", "Phường Phù Chẩn, Thành phố Từ Sơn, Tỉnh Bắc Ninh"], before, ward: "09169", .conflict, rule: "ward_code"),
            // A unit name without its district or province, shared across the country, one of them in the province:
            // old Xã Tân Hưng (13 in the country; 07417 in old Bắc Giang → new Xã Lạng Giang 07375).
            Self.place(["ward_name"], ["Xã Tân Hưng"], before, ward: "07375", .resolved, rule: "ward_name"),
            // Post-2025 names: Xã Yên Phong (also in province 19), the new ward in Bắc Ninh.
            Self.place(["ward_name"], ["Xã Yên Phong"], after, ward: "09193", .resolved, rule: "ward_name"),
            // Old Phường Trần Phú (8 in the country; 07213 in Bắc Giang city → new Phường Bắc Giang 07210).
            Self.place(["ward_code", "ward_name"], ["07213", "Phường Trần Phú"], before, ward: "07210", .resolved, rule: "ward_code"),
            // A partial merge: old Phường Ngọc Hà (00016, Ba Đình, Hà Nội) was split between new Ba Đình 00004 and new
            // Ngọc Hà 00008. The code alone is ambiguous; an address naming the new ward settles it (read in the other
            // era, as it does not name a unit of the record's era); an address naming the old unit does not.
            Self.place(code, ["00016", nil], before, scope: ["01"], ward: nil, .ambiguous, candidates: ["00004", "00008"]),
            Self.place(code, ["00016", "Số 12, Phường Ba Đình, Thành phố Hà Nội"], before, scope: ["01"], ward: "00004", .resolved,
                       rule: "ward_code+address@post2025"),
            Self.place(code, ["00016", "Phường Ngọc Hà, Quận Ba Đình, Hà Nội"], before, scope: ["01"], ward: nil, .ambiguous,
                       candidates: ["00004", "00008"]),
            // A snapshot served today with a code not updated since the reform: 23710 was Xã A Dơk (Gia Lai) and
            // went into 23869, but since 1 July 2025 23710 is Xã Ia Băng. The old name beside it conflicts with the
            // code read today; read together in the pre-2025 era they agree.
            Self.place(["ward_code", "ward_name"], ["23710", "Xã A Dơk"], after, scope: ["52"], ward: "23869", .resolved,
                       rule: "ward_code@pre2025"),
            // Nothing known, nothing given.
            Self.place(code, ["99999", "Thôn Đông"], before, ward: nil, .unresolved),
            Self.place(code, [nil, ""], before, ward: nil, .absent),
        ]
        for c in table {
            let r = PlaceResolver(index: index, scope: c.scope).resolve(names: c.names, values: c.values, asOf: c.asOf)
            XCTAssertEqual(r.ward, c.ward, "ward", line: c.line)
            XCTAssertEqual(r.status, c.status, "status", line: c.line)
            XCTAssertEqual(r.rule, c.rule, "rule", line: c.line)
            if !c.candidates.isEmpty { XCTAssertEqual(r.candidates, c.candidates, "candidates", line: c.line) }
            XCTAssertEqual(r.fields.count, c.values.count, line: c.line)
        }
    }

    /// A field that alone names several wards reads as the record's ward when that is one of them, so a labour
    /// record's ward name does not become a reject when its code settles it.
    func testFieldSettledByTheOtherFields() throws {
        let index = try AdminUnitIndex.shared.get()
        let r = PlaceResolver(index: index).resolve(
            names: ["ward_code", "ward_name"], values: ["07417", "Xã Tân Hưng"], asOf: day(2024, 6, 1))
        XCTAssertEqual(r.ward, "07375")
        guard case .success(let name)? = r.fields[1] else { return XCTFail("the name should read as the code's ward") }
        XCTAssertEqual(name.value, "07375")
        guard case .success(let code)? = r.fields[0] else { return XCTFail("the code resolves") }
        XCTAssertEqual(code.key, "07417")
    }

    /// Without a scope, a shared name stays ambiguous and is never guessed; the failure keeps the candidates.
    func testSharedNameWithoutScopeIsNotGuessed() throws {
        let index = try AdminUnitIndex.shared.get()
        let r = PlaceResolver(index: index).resolve(names: ["ward_name"], values: ["Xã Tân Hưng"], asOf: day(2024, 6, 1))
        XCTAssertNil(r.ward)
        XCTAssertEqual(r.status, .ambiguous)
        XCTAssertTrue(r.candidates.contains("07375"), "\(r.candidates) \(r.fields)")
        XCTAssertGreaterThan(r.candidates.count, 5)
        guard case .failure(let failure)? = r.fields[0] else { return XCTFail("the field alone is ambiguous") }
        XCTAssertEqual(failure.code, .ambiguous)
    }

    /// The scope reaches the single-field normaliser too (`NormalizationContext.adminScope`).
    func testScopeInTheNormalizationContext() {
        var context = NormalizationContext(asOf: day(2024, 6, 1))
        guard case .failure = normalize("Xã Tân Hưng", as: .vnAdminUnit, context: context) else {
            return XCTFail("ambiguous without a scope")
        }
        context.adminScope = ["24"]
        guard case .success(let n) = normalize("Xã Tân Hưng", as: .vnAdminUnit, context: context) else {
            return XCTFail("resolved within Bắc Ninh")
        }
        XCTAssertEqual(n.value, "07375")
        XCTAssertEqual(n.key, "07417")
        XCTAssertTrue(n.notes.contains { $0.contains("one in the feed's province") })
    }
}
