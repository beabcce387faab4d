/// The semantics a manifest column can declare, each backed by one normaliser.
public enum Semantic: String, Sendable, CaseIterable {
    /// `PersonNameNormalizer`.
    case vnPersonName = "vn_person_name"
    /// `AdminUnitResolver`.
    case vnAdminUnit = "vn_admin_unit"
    /// `CitizenIDNormalizer`.
    case vnCitizenID = "vn_citizen_id"
    /// `TaxCodeNormalizer`.
    case vnTaxCode = "vn_tax_code"
    /// `PhoneNormalizer`.
    case vnPhone = "vn_phone"
    /// `DateNormalizer.dayMonthYear`.
    case dateDMY = "date_dmy"
    /// `DateNormalizer.iso`.
    case dateISO = "date_iso"
    /// `DateNormalizer.excelSerial`.
    case excelDate = "excel_date"
    /// `DateNormalizer.timestamp`.
    case timestamp
    /// `LegacyTextNormalizer`.
    case legacyText = "legacy_text"
    /// `VN2000`.
    case vn2000Point = "vn2000_point"
}

/// What a normaliser may know about the record besides the value itself.
public struct NormalizationContext: Sendable {
    /// The date the record speaks of (decides the administrative era and old phone plans).
    public var asOf: CivilDate?
    /// The person's birth date (checked against a CCCD).
    public var birthDate: CivilDate?
    /// The person's sex (checked against a CCCD).
    public var sex: Sex?
    /// How to read two-digit years; nil refuses them.
    public var twoDigitYears: TwoDigitYearRule?
    /// Excel's 1904 date system instead of the 1900 one.
    public var excel1904: Bool
    /// The VN-2000 zone when the value does not name one.
    public var vn2000Zone: VN2000Zone?
    /// Parent unit text (district, province) held in another column, for `vn_admin_unit`.
    public var adminParent: String?
    /// Post-2025 province codes the record is about, for `vn_admin_unit`: a unit name several units share is read
    /// as the one in these provinces when exactly one is.
    public var adminScope: Set<String>?
    /// The legacy encoding when known (otherwise detected).
    public var legacyEncoding: LegacyEncoding?
    /// The administrative index; nil uses `AdminUnitIndex.shared`.
    public var adminIndex: AdminUnitIndex?

    /// A context; every field is optional.
    public init(
        asOf: CivilDate? = nil, birthDate: CivilDate? = nil, sex: Sex? = nil, twoDigitYears: TwoDigitYearRule? = nil,
        excel1904: Bool = false, vn2000Zone: VN2000Zone? = nil, adminParent: String? = nil,
        legacyEncoding: LegacyEncoding? = nil, adminIndex: AdminUnitIndex? = nil, adminScope: Set<String>? = nil
    ) {
        self.adminScope = adminScope
        self.asOf = asOf
        self.birthDate = birthDate
        self.sex = sex
        self.twoDigitYears = twoDigitYears
        self.excel1904 = excel1904
        self.vn2000Zone = vn2000Zone
        self.adminParent = adminParent
        self.legacyEncoding = legacyEncoding
        self.adminIndex = adminIndex
    }
}

/// The single entry point the Transform stage uses: normalise `value` as `semantic`.
///
/// Canonical values: names "Nguyễn Thị Hoà" (key "nguyen thi hoa"); admin units the post-2025 ward code (key: the
/// old code recognised, for pre-2025 input); citizen IDs the digits; tax codes `0100233488` / `0100233488-001`;
/// phones E.164; dates `yyyy-mm-dd`; timestamps RFC 3339 in +07:00; legacy text NFC Unicode; VN-2000 points
/// `POINT(lon lat)` in WGS 84.
public func normalize(_ value: String, as semantic: Semantic, context: NormalizationContext = NormalizationContext())
    -> NormalizationResult
{
    switch semantic {
    case .vnPersonName:
        return PersonNameNormalizer.normalize(value).map { Normalized(value: $0.value, key: $0.key, notes: $0.notes) }
    case .vnAdminUnit:
        let index: AdminUnitIndex
        if let given = context.adminIndex {
            index = given
        } else {
            switch AdminUnitIndex.shared {
            case .success(let shared): index = shared
            case .failure(let error):
                return .failure(.init(.referenceDataUnavailable, error.description))
            }
        }
        let resolved = AdminUnitResolver(index: index).resolve(
            value, asOf: context.asOf, parent: context.adminParent, within: context.adminScope)
        return resolved.flatMap { m in
            if let code = m.newCode { return .success(Normalized(value: code, key: m.oldCode, notes: m.notes)) }
            if m.newCodes.isEmpty {
                return .failure(.init(.notFound, "the old unit has no successor in the crosswalk"))
            }
            return .failure(
                .init(.ambiguous, "the old unit was split over \(m.newCodes.count) new wards (partial merge)",
                      candidates: m.newCodes))
        }
    case .vnCitizenID:
        return CitizenIDNormalizer.normalize(value, birthDate: context.birthDate, sex: context.sex).map { id in
            var notes = [id.kind == .cmnd ? "9-digit CMND (legacy), kept as is" : "CCCD"]
            if let p = id.provinceCode, let s = id.sex, let y = id.birthYear {
                notes.append("province of birth \(p), \(s == .male ? "male" : "female"), born \(y)")
            }
            return Normalized(value: id.digits, key: id.digits, notes: notes)
        }
    case .vnTaxCode:
        return TaxCodeNormalizer.normalize(value).map {
            Normalized(value: $0.canonical, key: $0.parent, notes: $0.branch == nil ? [] : ["branch of the parent code"])
        }
    case .vnPhone:
        return PhoneNormalizer.normalize(value, asOf: context.asOf).map {
            Normalized(value: $0.e164, key: $0.e164, notes: [$0.kind.rawValue] + $0.notes)
        }
    case .dateDMY:
        return DateNormalizer.dayMonthYear(value, rule: context.twoDigitYears).map { Normalized(value: $0.description) }
    case .dateISO:
        return DateNormalizer.iso(value).map { Normalized(value: $0.description) }
    case .excelDate:
        return DateNormalizer.excelSerial(value, system1904: context.excel1904).map {
            switch $0 {
            case .date(let d): return Normalized(value: d.description)
            case .dateTime(let t): return Normalized(value: t.description, notes: ["fraction read as time of day, +07:00"])
            }
        }
    case .timestamp:
        return DateNormalizer.timestamp(value).map { Normalized(value: $0.description) }
    case .legacyText:
        return LegacyTextNormalizer.normalize(value, encoding: context.legacyEncoding).map {
            Normalized(value: $0.text, notes: ["read as \($0.encoding.rawValue)"])
        }
    case .vn2000Point:
        return VN2000.normalize(value, zone: context.vn2000Zone).map { Normalized(value: $0.wkt) }
    }
}
