import ReferenceData

/// The administrative units of both eras and the 2025 crosswalk, indexed once for `AdminUnitResolver`.
///
/// Immutable and `Sendable` (a final class of constants, so passing it around costs one reference): build it once (`AdminUnitIndex.shared`, or `init(units2024:units2025:crosswalk:)`)
/// and share it between threads.
public final class AdminUnitIndex: Sendable {
    /// One commune-level unit of either era, with the keys the resolver matches on.
    final class Unit: Sendable {
        let code: String
        let name: String
        let kind: AdminPrefix
        let accentKey: String
        let foldKey: String
        /// Pre-2025 only.
        let districtName: String?
        let districtFold: String?
        let provinceCode: String
        let provinceName: String
        let provinceFold: String
        /// "Phường Vũ Ninh, Thành phố Bắc Ninh, Tỉnh Bắc Ninh".
        let fullName: String

        init(
            code: String, name: String, kind: AdminPrefix, accentKey: String, foldKey: String, districtName: String?,
            districtFold: String?, provinceCode: String, provinceName: String, provinceFold: String
        ) {
            self.code = code
            self.name = name
            self.kind = kind
            self.accentKey = accentKey
            self.foldKey = foldKey
            self.districtName = districtName
            self.districtFold = districtFold
            self.provinceCode = provinceCode
            self.provinceName = provinceName
            self.provinceFold = provinceFold
            self.fullName = [name, districtName, provinceName].compactMap { $0 }.joined(separator: ", ")
        }
    }

    let old: [Unit]
    let new: [Unit]
    let oldByCode: [String: Int]
    let newByCode: [String: Int]
    let oldByFold: [String: [Int]]
    let newByFold: [String: [Int]]
    /// Old ward code → the distinct new ward codes that received it (sorted), after repairs.
    let crosswalk: [String: [String]]
    /// Old ward codes whose crosswalk rows pointed at a code missing from the 2025 list, repaired by name.
    let repaired: Set<String>
    /// Folded parent names (districts and provinces; provinces) of each era, aliases included.
    let oldParents: Set<String>
    let newParents: Set<String>
    /// Post-2025 province code → the pre-2025 province codes merged into it (from the crosswalk's province rows;
    /// a province the crosswalk does not list is its own predecessor).
    let provincePredecessors: [String: Set<String>]
    /// Common short forms of province names (folded, spaceless) → the folded name.
    static let provinceAliases: [String: String] = [
        "hcm": "hochiminh", "tphcm": "hochiminh", "saigon": "hochiminh", "hn": "hanoi", "thuathienhue": "hue",
        "brvt": "bariavungtau", "vungtau": "bariavungtau",
    ]

    /// Old units (10,035 in the shipped data) and new units (3,321).
    public var counts: (old: Int, new: Int) { (old.count, new.count) }

    /// The shared index over the shipped reference data, loaded on first use; a failure means a broken install.
    public static let shared: Result<AdminUnitIndex, ReferenceDataError> = {
        do throws(ReferenceDataError) {
            return .success(try AdminUnitIndex.load())
        } catch {
            return .failure(error)
        }
    }()

    /// Loads the shipped reference data and indexes it.
    public static func load() throws(ReferenceDataError) -> AdminUnitIndex {
        AdminUnitIndex(
            units2024: try ReferenceData.adminUnits2024(), units2025: try ReferenceData.adminUnits2025(),
            crosswalk: try ReferenceData.crosswalk2025())
    }

    /// Indexes the given units and crosswalk.
    public init(units2024: [AdminUnit2024], units2025: [AdminUnit2025], crosswalk rows: [CrosswalkEntry]) {
        func bare(_ name: String) -> AdminComponent {
            let c = AdminComponent(name)
            if let (_, n) = c.prefix, n > 0, c.count > n { return c.dropping(n) }
            return c
        }
        var old: [Unit] = []
        old.reserveCapacity(units2024.count)
        var oldParents: Set<String> = []
        for u in units2024 {
            let w = bare(u.wardName)
            let d = bare(u.districtName).foldKey
            let p = bare(u.provinceName).foldKey
            oldParents.insert(d)
            oldParents.insert(p)
            old.append(
                Unit(
                    code: u.wardCode, name: u.wardName, kind: AdminPrefix.communeLevel(u.wardType),
                    accentKey: w.accentKey, foldKey: w.foldKey, districtName: u.districtName, districtFold: d,
                    provinceCode: u.provinceCode, provinceName: u.provinceName, provinceFold: p))
        }
        var new: [Unit] = []
        new.reserveCapacity(units2025.count)
        var newParents: Set<String> = []
        for u in units2025 {
            let w = bare(u.wardName)
            let p = bare(u.provinceName).foldKey
            newParents.insert(p)
            new.append(
                Unit(
                    code: u.wardCode, name: u.wardName, kind: AdminPrefix.communeLevel(u.wardType),
                    accentKey: w.accentKey, foldKey: w.foldKey, districtName: nil, districtFold: nil,
                    provinceCode: u.provinceCode, provinceName: u.provinceName, provinceFold: p))
        }
        for (alias, name) in AdminUnitIndex.provinceAliases {
            if oldParents.contains(name) { oldParents.insert(alias) }
            if newParents.contains(name) { newParents.insert(alias) }
        }
        var oldByCode: [String: Int] = [:]
        var oldByFold: [String: [Int]] = [:]
        for (i, u) in old.enumerated() {
            oldByCode[u.code] = i
            oldByFold[u.foldKey, default: []].append(i)
        }
        var newByCode: [String: Int] = [:]
        var newByFold: [String: [Int]] = [:]
        var newByName: [String: [String]] = [:]
        for (i, u) in new.enumerated() {
            newByCode[u.code] = i
            newByFold[u.foldKey, default: []].append(i)
            newByName[u.name, default: []].append(u.code)
        }
        var crosswalk: [String: Set<String>] = [:]
        var repaired: Set<String> = []
        for row in rows where row.level == "ward" {
            var target = row.newCode
            if newByCode[target] == nil {
                // The crosswalk names a code missing from the 2025 list: use the unit of the same name if unique.
                guard let same = newByName[row.newName], same.count == 1 else { continue }
                target = same[0]
                repaired.insert(row.oldCode)
            }
            crosswalk[row.oldCode, default: []].insert(target)
        }
        self.old = old
        self.new = new
        self.oldByCode = oldByCode
        self.newByCode = newByCode
        self.oldByFold = oldByFold
        self.newByFold = newByFold
        self.crosswalk = crosswalk.mapValues { $0.sorted() }
        self.repaired = repaired
        self.oldParents = oldParents
        self.newParents = newParents
        var predecessors: [String: Set<String>] = [:]
        for row in rows where row.level == "province" { predecessors[row.newCode, default: []].insert(row.oldCode) }
        for u in new where predecessors[u.provinceCode] == nil { predecessors[u.provinceCode] = [u.provinceCode] }
        self.provincePredecessors = predecessors
    }

    /// Whether `code` is a post-2025 province code.
    public func isProvince(_ code: String) -> Bool { provincePredecessors[code] != nil }

    /// The post-2025 province of a post-2025 ward code, nil for an unknown code.
    public func province(ofWard code: String) -> String? { newByCode[code].map { new[$0].provinceCode } }

    /// A scope of post-2025 provinces as the pre-2025 province codes that lie in it.
    func predecessors(of provinces: Set<String>) -> Set<String> {
        // The usual scope, one province: its stored set, no new one per value resolved.
        if provinces.count == 1, let only = provinces.first { return provincePredecessors[only] ?? provinces }
        return provinces.reduce(into: Set<String>()) { $0.formUnion(provincePredecessors[$1] ?? [$1]) }
    }

    /// The alias-resolved folded key of a parent name.
    static func canonicalParent(_ fold: String) -> String { provinceAliases[fold] ?? fold }
}
