/// Where a record is, from all of its administrative-unit fields read together: a ward code, a unit name, an
/// address text (`vn_admin_unit`), each read as of the record's date.
///
/// Each field alone gives a set of post-2025 wards: one for a code or a unique name; several for an old unit
/// split over new wards (a `partial` merge) or a name several units share. The record's place is the first
/// field's set narrowed by each later field that agrees with it:
///
/// - an old code of a split commune plus an address naming one of its new wards → that ward;
/// - a unit name shared across the country plus a code, or with `scope` (the feed's province), → the one there;
/// - an address that names the new ward although the record predates the reform: a text field that names no
///   unit of the record's era is read once more in the other era when the place is still open (text naming
///   the split old unit itself says nothing about which part).
///
/// A later field whose set does not meet the place is a conflict: the first field's ward is kept and the
/// resolution says `conflict`. Nothing is guessed: several wards left means `ambiguous`, with the candidates.
public struct PlaceResolver: Sendable {
    /// The outcome for one record.
    public struct Resolution: Sendable, Equatable {
        /// How the place came out.
        public enum Status: String, Sendable, Equatable {
            /// One ward.
            case resolved
            /// One ward, but a later field names a ward elsewhere: the first field's ward is kept.
            case conflict
            /// Several candidate wards remain.
            case ambiguous
            /// The fields hold values, but none names a known ward.
            case unresolved
            /// No field holds a value.
            case absent
        }

        /// The post-2025 ward code, when one.
        public let ward: String?
        public let status: Status
        /// The fields that decided the ward, joined by `+` ("ward_code", "ward_code+address"); a field read in
        /// the other era is marked so ("address@post2025").
        public let rule: String?
        /// The candidate wards left when ambiguous (sorted).
        public let candidates: [String]
        /// Each field's own reading, in the order given: its ward (a field that alone was ambiguous but contains
        /// the record's ward reads as that ward), or why it failed; nil for an empty value.
        public let fields: [NormalizationResult?]
    }

    /// A field's reading: the wards it allows, or its failure.
    private enum Reading {
        case wards([String], oldCode: String?, notes: [String], ambiguous: NormalizationFailure?)
        case failed(NormalizationFailure)
        case empty
    }

    public let index: AdminUnitIndex
    /// Post-2025 province codes the records are about; nil: the whole country alike.
    public let scope: Set<String>?

    /// A resolver over `index`, optionally scoped to provinces.
    public init(index: AdminUnitIndex, scope: Set<String>? = nil) {
        self.index = index
        self.scope = scope
    }

    /// Resolves one record's place from its fields (`names[i]` holds `values[i]`), as of `asOf`.
    public func resolve(names: [String], values: [String?], asOf: CivilDate?) -> Resolution {
        let resolver = AdminUnitResolver(index: index)
        let readings = values.map { value -> Reading in
            guard let value, !value.isEmpty else { return .empty }
            return reading(resolver.resolve(value, asOf: asOf, within: scope), asOf: asOf)
        }
        var place: [String]? = nil
        var used: [String] = []
        var conflict = false
        for (name, reading) in zip(names, readings) {
            guard case .wards(let wards, _, _, _) = reading else { continue }
            guard let current = place else {
                place = wards
                used.append(name)
                continue
            }
            let common = current.filter(wards.contains)
            if common.isEmpty {
                conflict = true
            } else if common.count < current.count {
                place = common
                used.append(name)
            }
        }
        // Text that leaves the place open in the record's era, read in the other one (an address brought up to
        // date before the record's code was, or the other way round).
        if let current = place, current.count > 1, let asOf {
            let other = AdminEra.of(asOf) == .pre2025 ? CivilDate.reform2025 : CivilDate(daysSince1970: CivilDate.reform2025.daysSince1970 - 1)
            let era = AdminEra.of(other) == .pre2025 ? "pre2025" : "post2025"
            var narrowed = current
            for (k, name) in names.enumerated() {
                // Only text that names no unit of the record's era: text naming the old unit says nothing new.
                guard case .failed = readings[k], let value = values[k],
                      value.utf8.contains(where: { $0 > 0x39 || $0 < 0x30 && $0 != 0x20 })
                else { continue }
                guard case .wards(let wards, _, _, _) = reading(resolver.resolve(value, asOf: other, within: scope), asOf: other)
                else { continue }
                let common = narrowed.filter(wards.contains)
                if !common.isEmpty && common.count < narrowed.count {
                    narrowed = common
                    used.append("\(name)@\(era)")
                }
            }
            place = narrowed
        }
        let status: Resolution.Status
        var ward: String? = nil
        var candidates: [String] = []
        if let place {
            if place.count == 1 {
                ward = place[0]
                status = conflict ? .conflict : .resolved
            } else {
                candidates = place
                status = .ambiguous
            }
        } else {
            status = readings.contains { if case .empty = $0 { return false } else { return true } } ? .unresolved : .absent
        }
        let fields = readings.map { reading -> NormalizationResult? in
            switch reading {
            case .empty:
                return nil
            case .failed(let failure):
                return .failure(failure)
            case .wards(let wards, let oldCode, let notes, let ambiguous):
                if wards.count == 1 { return .success(Normalized(value: wards[0], key: oldCode, notes: notes)) }
                if let ward, wards.contains(ward) {
                    return .success(Normalized(value: ward, key: nil, notes: notes + ["one of \(wards.count) candidate wards, settled by the record's other place fields"]))
                }
                return .failure(ambiguous ?? .init(
                    .ambiguous, "the old unit was split over \(wards.count) new wards (partial merge)", candidates: wards))
            }
        }
        return Resolution(
            ward: ward, status: status, rule: ward == nil ? nil : used.joined(separator: "+"), candidates: candidates,
            fields: fields)
    }

    /// One field's resolution as the post-2025 wards it allows (in the scope first).
    private func reading(_ result: Result<AdminUnitMatch, NormalizationFailure>, asOf: CivilDate?) -> Reading {
        switch result {
        case .success(let match):
            if match.newCodes.isEmpty {
                return .failed(.init(.notFound, "the old unit has no successor in the crosswalk"))
            }
            return .wards(scoped(match.newCodes), oldCode: match.oldCode, notes: match.notes, ambiguous: nil)
        case .failure(let failure) where failure.code == .ambiguous && !failure.candidates.isEmpty:
            let wards = newCodes(of: failure.candidates, asOf: asOf)
            return wards.isEmpty ? .failed(failure) : .wards(scoped(wards), oldCode: nil, notes: [], ambiguous: failure)
        case .failure(let failure):
            return .failed(failure)
        }
    }

    /// Candidate codes of an ambiguous reading as post-2025 wards: codes of the record's era, old ones mapped
    /// through the crosswalk.
    private func newCodes(of candidates: [String], asOf: CivilDate?) -> [String] {
        var wards: Set<String> = []
        for code in candidates {
            let isNew = asOf.map { AdminEra.of($0) == .post2025 } ?? (index.newByCode[code] != nil)
            if isNew {
                if index.newByCode[code] != nil { wards.insert(code) }
            } else {
                wards.formUnion(index.crosswalk[code] ?? [])
            }
        }
        return wards.sorted()
    }

    /// Wards in the scope when some are, else all.
    private func scoped(_ wards: [String]) -> [String] {
        guard let scope, wards.count > 1 else { return wards }
        let inside = wards.filter { index.province(ofWard: $0).map(scope.contains) ?? false }
        return inside.isEmpty ? wards : inside
    }
}
