/// Which side of the 1 July 2025 reform a unit or code belongs to.
public enum AdminEra: String, Sendable, Hashable {
    /// Before 1 July 2025: province, district, commune/ward.
    case pre2025
    /// From 1 July 2025: province, commune/ward.
    case post2025

    /// The era of a record dated `date`.
    public static func of(_ date: CivilDate) -> AdminEra { date < CivilDate.reform2025 ? .pre2025 : .post2025 }
}

/// A recognised commune-level unit, mapped to the post-2025 ward code(s).
public struct AdminUnitMatch: Sendable, Hashable {
    /// The era the input was read in.
    public let era: AdminEra
    /// For pre-2025 input: the old GSO code recognised (e.g. 09163 for old Phường Vũ Ninh).
    public let oldCode: String?
    /// For pre-2025 input: the old unit's full name with its district and province.
    public let oldName: String?
    /// The post-2025 ward codes: one when resolved; several when the old unit was split (`partial` merges).
    public let newCodes: [String]
    /// What was assumed or ignored (never the input text).
    public let notes: [String]
    /// Parts of a text after the unit that name no district or province of the era read (0 for codes): a
    /// three-level pre-2025 address read as post-2025 leaves its district and old province here.
    public var unrecognizedParts: Int = 0

    /// The post-2025 ward code, nil when the old unit was split over several new ones.
    public var newCode: String? { newCodes.count == 1 ? newCodes[0] : nil }
}

/// `vn_admin_unit`: free text or GSO codes → post-2025 GSO ward code, for records of both eras.
///
/// - Codes: a 5-digit ward code (4 digits are zero-padded). Codes are reused across eras (09169 was Phường Thị Cầu
///   before the reform and is the new Phường Vũ Ninh after), so a code valid in both eras needs `asOf`.
/// - Text: comma-separated parts, smallest first ("Xã Phù Chẩn, TX Từ Sơn, Bắc Ninh"), with or without diacritics,
///   NFC or NFD, either tone placement, with the abbreviations P. X. TT. Q. H. TX TP. and Tỉnh; the first part
///   naming a commune-level unit is the unit, the later parts that name a district or province (of the era) must
///   contain it; parts naming nothing known (villages, streets) are ignored with a note.
/// - Era: `asOf` before 2025-07-01 reads old units (then maps them through the crosswalk), on or after reads new
///   ones; without `asOf` both are tried and the answer is accepted only when both readings agree.
/// - Scope: `within` (post-2025 province codes, e.g. ["24"] for Bắc Ninh) settles a name that several units share
///   when exactly one of them lies in the scope (of the era read: old Bắc Ninh "27" and old Bắc Giang "24" for the
///   new "24"), as a feed about one province means; the answer carries a note saying so.
/// - Old units that went `partial`ly into several new ones come back with all candidate codes in `newCodes`
///   (never a guess); names that stay ambiguous after the parent parts fail with `.ambiguous` and the candidates.
public struct AdminUnitResolver: Sendable {
    /// The index used.
    public let index: AdminUnitIndex

    /// A resolver over an index (usually `AdminUnitIndex.shared`).
    public init(index: AdminUnitIndex) { self.index = index }

    /// Resolves one value.
    public func resolve(_ input: String, asOf: CivilDate? = nil, parent: String? = nil, within: Set<String>? = nil)
        -> Result<AdminUnitMatch, NormalizationFailure>
    {
        var digits: [UInt8] = []
        var onlyDigits = true
        var any = false
        for b in input.utf8 {
            if b >= 0x30 && b <= 0x39 { digits.append(b); any = true } else if b != 0x20 && b != 0x09 { onlyDigits = false; any = true }
        }
        if !any { return .failure(.init(.empty, "no unit name or code")) }
        if onlyDigits { return resolveCode(digits, asOf: asOf) }
        var components = AdminComponent.split(input)
        if let parent { components += AdminComponent.split(parent) }
        if components.isEmpty { return .failure(.init(.empty, "no unit name or code")) }
        let eras: [AdminEra] = asOf.map { [AdminEra.of($0)] } ?? [.pre2025, .post2025]
        var results: [(AdminEra, Result<AdminUnitMatch, NormalizationFailure>)] = []
        for era in eras {
            var r = resolveText(components, era: era, within: within)
            if case .failure(let f) = r, f.code == .notFound, components.count == 1 {
                let parts = components[0].splitAtPrefixes()
                if parts.count > 1 { r = resolveText(parts, era: era, within: within) }
            }
            results.append((era, r))
        }
        if results.count == 1 { return results[0].1 }
        // No date: accept when exactly one era matches, or both agree on the new ward(s).
        let matches = results.compactMap { try? $0.1.get() }
        switch matches.count {
        case 0:
            let failures = results.compactMap { r -> NormalizationFailure? in
                if case .failure(let f) = r.1 { return f }
                return nil
            }
            return .failure(failures.first(where: { $0.code != .notFound }) ?? failures[0])
        case 1:
            let m = matches[0]
            return .success(m.adding(note: "no as-of date; only the \(m.era == .pre2025 ? "pre" : "post")-2025 units match"))
        default:
            if matches[0].newCodes == matches[1].newCodes {
                return .success(matches[0].adding(note: "no as-of date; both eras give the same new ward"))
            }
            let candidates = Array(Set(matches.flatMap(\.newCodes))).sorted()
            return .failure(
                .init(.ambiguous, "names a different unit before and after 1 July 2025; give an as-of date",
                      candidates: candidates))
        }
    }

    private func resolveCode(_ digits: [UInt8], asOf: CivilDate?) -> Result<AdminUnitMatch, NormalizationFailure> {
        var notes: [String] = []
        var d = digits
        if d.count == 4 { d.insert(0x30, at: 0); notes.append("leading 0 of the ward code restored") }
        guard d.count == 5 else {
            return .failure(.init(.invalidLength, "a 5-digit ward code expected, found \(digits.count) digits"))
        }
        let code = String(decoding: d, as: UTF8.self)
        let inOld = index.oldByCode[code] != nil
        let inNew = index.newByCode[code] != nil
        let era: AdminEra
        if let asOf {
            era = AdminEra.of(asOf)
        } else if inOld && inNew {
            return .failure(
                .init(.needsContext, "ward code exists both before and after 1 July 2025; give an as-of date",
                      candidates: [code]))
        } else if inOld {
            era = .pre2025
            notes.append("no as-of date; code exists only before 2025")
        } else if inNew {
            era = .post2025
            notes.append("no as-of date; code exists only after 2025")
        } else {
            return .failure(.init(.notFound, "no ward has this code in either era"))
        }
        switch era {
        case .pre2025:
            guard let i = index.oldByCode[code] else {
                return .failure(.init(.notFound, "no ward had this code before 1 July 2025"))
            }
            return .success(oldMatch(i, notes: notes))
        case .post2025:
            guard index.newByCode[code] != nil else {
                return .failure(.init(.notFound, "no ward has this code since 1 July 2025"))
            }
            return .success(AdminUnitMatch(era: .post2025, oldCode: nil, oldName: nil, newCodes: [code], notes: notes))
        }
    }

    private func oldMatch(_ i: Int, notes: [String]) -> AdminUnitMatch {
        let u = index.old[i]
        var notes = notes
        let codes = index.crosswalk[u.code] ?? []
        if codes.count > 1 { notes.append("old unit was split over \(codes.count) new wards (partial merge)") }
        if codes.isEmpty { notes.append("old unit missing from the crosswalk") }
        if index.repaired.contains(u.code) { notes.append("crosswalk code repaired by name") }
        return AdminUnitMatch(
            era: .pre2025, oldCode: u.code,
            oldName: u.fullName, newCodes: codes, notes: notes)
    }

    private func resolveText(_ components: [AdminComponent], era: AdminEra, within: Set<String>?)
        -> Result<AdminUnitMatch, NormalizationFailure>
    {
        let units = era == .pre2025 ? index.old : index.new
        let scope = within.map { era == .pre2025 ? index.predecessors(of: $0) : $0 }
        let byFold = era == .pre2025 ? index.oldByFold : index.newByFold
        let parents = era == .pre2025 ? index.oldParents : index.newParents
        var lastAmbiguous: NormalizationFailure? = nil
        var contradicted = false
        var outOfScope = false
        for (ci, component) in components.enumerated() {
            let prefix = component.prefix
            if let (p, _) = prefix, !p.isCommuneLevel { continue }
            // Readings: without the prefix (kind known), and the whole text as a name.
            var readings: [(AdminPrefix?, AdminComponent)] = []
            if let (p, n) = prefix, n > 0, component.count > n { readings.append((p, component.dropping(n))) }
            readings.append((nil, component))
            var candidates: [Int] = []
            var loose = false
            var retyped = false
            for (kind, reading) in readings {
                retyped = false
                guard let found = byFold[reading.foldKey] else { continue }
                var c = found
                if let kind {
                    // A unit may have changed type (Xã Phù Chẩn became Phường Phù Chẩn in 2021): prefer the
                    // written type, fall back to any type.
                    let typed = c.filter { units[$0].kind == kind }
                    if typed.isEmpty { retyped = true } else { c = typed }
                }
                if reading.hasDiacritics {
                    let key = reading.accentKey
                    let exact = c.filter { units[$0].accentKey == key }
                    if exact.isEmpty { loose = !c.isEmpty } else { c = exact }
                }
                if !c.isEmpty { candidates = c; break }
            }
            if candidates.isEmpty { continue }
            var notes: [String] = []
            if loose { notes.append("matched without diacritics (the written marks differ)") }
            if retyped { notes.append("unit type differs from the written one (the unit changed type)") }
            var ignored = 0
            var recognized = 0
            for pc in components[(ci + 1)...] {
                let pp = pc.prefix
                if let (p, _) = pp, p.isCommuneLevel { ignored += 1; continue }
                var keys: [String] = []
                if let (_, n) = pp, n > 0, pc.count > n { keys.append(AdminUnitIndex.canonicalParent(pc.dropping(n).foldKey)) }
                keys.append(AdminUnitIndex.canonicalParent(pc.foldKey))
                guard keys.contains(where: { parents.contains($0) }) else { ignored += 1; continue }
                // A district reading first ("TP Bắc Ninh" is the city, not the province), then a province one.
                let level = pp?.0
                var filtered: [Int] = []
                if level != .province {
                    filtered = candidates.filter { i in keys.contains { units[i].districtFold == $0 } }
                }
                if filtered.isEmpty && level != .district {
                    filtered = candidates.filter { i in keys.contains { units[i].provinceFold == $0 } }
                }
                if filtered.isEmpty { contradicted = true; candidates = []; break }
                candidates = filtered
                recognized += 1
            }
            if candidates.isEmpty { continue }
            // A bare name (no district or province recognised) in a feed about a province: units elsewhere are
            // not what it means.
            if let scope, recognized == 0, !candidates.contains(where: { scope.contains(units[$0].provinceCode) }) {
                outOfScope = true
                continue
            }
            if ignored > 0 { notes.append("\(ignored) part(s) of the text not recognised as a district or province, ignored") }
            if ci > 0 { notes.append("\(ci) leading part(s) (street, village…) ignored") }
            if candidates.count > 1, let scope {
                let inside = candidates.filter { scope.contains(units[$0].provinceCode) }
                if inside.count == 1 {
                    notes.append("\(candidates.count) units of this name in the country, one in the feed's province")
                    candidates = inside
                } else if inside.count > 1 {
                    candidates = inside
                }
            }
            if candidates.count > 1 {
                let codes = candidates.map { units[$0].code }.sorted()
                lastAmbiguous = .init(
                    .ambiguous, "\(codes.count) units of this name; add the district or province", candidates: codes)
                break
            }
            let i = candidates[0]
            var match: AdminUnitMatch
            switch era {
            case .pre2025:
                match = oldMatch(i, notes: notes)
            case .post2025:
                match = AdminUnitMatch(era: .post2025, oldCode: nil, oldName: nil, newCodes: [units[i].code], notes: notes)
            }
            match.unrecognizedParts = ignored
            return .success(match)
        }
        if let lastAmbiguous { return .failure(lastAmbiguous) }
        if outOfScope {
            return .failure(.init(.notFound, "no unit of this name in the feed's province \(when(era)) 1 July 2025, and the text names no other province"))
        }
        if contradicted {
            return .failure(.init(.notFound, "no unit of this name in the district/province given (\(when(era)) 1 July 2025)"))
        }
        return .failure(.init(.notFound, "no commune, ward or townlet of this name \(when(era)) 1 July 2025"))
    }

    private func when(_ era: AdminEra) -> String { era == .pre2025 ? "before" : "after" }
}

extension AdminUnitMatch {
    func adding(note: String) -> AdminUnitMatch {
        var match = AdminUnitMatch(era: era, oldCode: oldCode, oldName: oldName, newCodes: newCodes, notes: notes + [note])
        match.unrecognizedParts = unrecognizedParts
        return match
    }
}
