/// Where a record is, from all of its administrative-unit fields read together: a ward code, a unit name, an
/// address text (`vn_admin_unit`), each read as of the record's date.
///
/// Each field alone gives a set of post-2025 wards: one for a code or a unique name; several for an old unit
/// split over new wards (a `partial` merge) or a name several units share. The record's place is the first
/// field's set narrowed by each later field that agrees with it:
///
/// - an old code of a split commune plus an address naming one of its new wards → that ward;
/// - a unit name shared across the country plus a code, or with `scope` (the feed's province), → the one there;
/// - a field not brought up to date since the reform (a snapshot served today with an old code, or a three-level
///   pre-2025 address), or an address that already names the new ward of a record that predates the reform: a
///   field that names nothing in the record's era, or leaves parts of its text unrecognised there, is read in the
///   other era, and that reading kept when it does better (the rule marks it: `ward_code@pre2025`); text naming
///   the split old unit itself says nothing about which part, and does not narrow;
/// - fields that conflict are read all in the other era once more, and that taken when they agree there.
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
        /// `era`: set when read in the other era than the record's.
        case wards([String], oldCode: String?, notes: [String], ambiguous: NormalizationFailure?, era: AdminEra?, unrecognized: Int)
        case failed(NormalizationFailure)
        case empty

        var unrecognizedParts: Int {
            if case .wards(_, _, _, _, _, let n) = self { return n }
            return 0
        }
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
        let other = asOf.map { AdminEra.of($0) == .pre2025 ? CivilDate.reform2025 : CivilDate(daysSince1970: CivilDate.reform2025.daysSince1970 - 1) }
        var readings = values.map { read($0, asOf: asOf, fallback: other) }
        var combined = combine(names, readings)
        // Fields that disagree may all be of the other era (a stale code and the old name beside it): read every
        // field there, and take that when it agrees.
        if combined.conflict, let other {
            let again = values.map { read($0, asOf: other, fallback: nil, era: AdminEra.of(other)) }
            let retried = combine(names, again)
            if !retried.conflict, retried.place?.count == 1 {
                readings = again
                combined = retried
            }
        }
        let status: Resolution.Status
        var ward: String? = nil
        var candidates: [String] = []
        if let place = combined.place {
            if place.count == 1 {
                ward = place[0]
                status = combined.conflict ? .conflict : .resolved
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
            case .wards(let wards, let oldCode, let notes, let ambiguous, _, _):
                if wards.count == 1 { return .success(Normalized(value: wards[0], key: oldCode, notes: notes)) }
                if let ward, wards.contains(ward) {
                    return .success(Normalized(value: ward, key: nil, notes: notes + ["one of \(wards.count) candidate wards, settled by the record's other place fields"]))
                }
                return .failure(ambiguous ?? .init(
                    .ambiguous, "the old unit was split over \(wards.count) new wards (partial merge)", candidates: wards))
            }
        }
        return Resolution(
            ward: ward, status: status, rule: ward == nil ? nil : combined.used.joined(separator: "+"),
            candidates: candidates, fields: fields)
    }

    /// The first field's wards narrowed by each later field that meets them; a field that does not is a conflict.
    private func combine(_ names: [String], _ readings: [Reading]) -> (place: [String]?, used: [String], conflict: Bool) {
        var place: [String]? = nil
        var used: [String] = []
        var conflict = false
        for (name, reading) in zip(names, readings) {
            guard case .wards(let wards, _, _, _, let era, _) = reading else { continue }
            let label = era.map { "\(name)@\($0 == .pre2025 ? "pre2025" : "post2025")" } ?? name
            guard let current = place else {
                place = wards
                used.append(label)
                continue
            }
            let common = current.filter(wards.contains)
            if common.isEmpty {
                conflict = true
            } else if common.count < current.count {
                place = common
                used.append(label)
            }
        }
        return (place, used, conflict)
    }

    /// One field read as of `asOf`; when that fails, or leaves parts of a text unrecognised, read as of `fallback`
    /// (the other era) too, and that reading taken when it does better: a code or address not brought up to date
    /// since the reform, or an address that already names the new ward.
    /// `era`: set when `asOf` is not of the record's era (the reading is labelled so).
    private func read(_ value: String?, asOf: CivilDate?, fallback: CivilDate?, era: AdminEra? = nil) -> Reading {
        guard let value, !value.isEmpty else { return .empty }
        let resolver = AdminUnitResolver(index: index)
        let first = reading(resolver.resolve(value, asOf: asOf, within: scope), asOf: asOf, era: era)
        guard let fallback else { return first }
        var better = false
        switch first {
        case .failed(let failure): better = failure.code == .notFound || failure.code == .needsContext
        case .wards: better = first.unrecognizedParts > 0
        case .empty: return first
        }
        guard better else { return first }
        let second = reading(resolver.resolve(value, asOf: fallback, within: scope), asOf: fallback, era: AdminEra.of(fallback))
        guard case .wards = second else { return first }
        if case .wards = first, second.unrecognizedParts >= first.unrecognizedParts { return first }
        return second
    }

    /// One field's resolution as the post-2025 wards it allows (in the scope first).
    private func reading(_ result: Result<AdminUnitMatch, NormalizationFailure>, asOf: CivilDate?, era: AdminEra?) -> Reading {
        switch result {
        case .success(let match):
            if match.newCodes.isEmpty {
                return .failed(.init(.notFound, "the old unit has no successor in the crosswalk"))
            }
            var notes = match.notes
            if let era { notes.append("read as a \(era == .pre2025 ? "pre" : "post")-2025 unit, not of the record's era") }
            return .wards(scoped(match.newCodes), oldCode: match.oldCode, notes: notes, ambiguous: nil, era: era,
                          unrecognized: match.unrecognizedParts)
        case .failure(let failure) where failure.code == .ambiguous && !failure.candidates.isEmpty:
            let wards = newCodes(of: failure.candidates, asOf: asOf)
            return wards.isEmpty ? .failed(failure) : .wards(scoped(wards), oldCode: nil, notes: [], ambiguous: failure, era: era, unrecognized: 0)
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
