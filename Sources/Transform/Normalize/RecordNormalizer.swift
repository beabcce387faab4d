import Foundation
import Normalize

/// Normalises staged rows of one feed (pure; safe to call from several threads at once).
struct RecordNormalizer: Sendable {
    let plan: FeedNormalization
    let index: AdminUnitIndex?
    /// The day of the transform (the as-of date of snapshot records).
    let today: CivilDate
    /// The feed's province as a resolver scope.
    let scope: Set<String>?
    /// Reads the place of a record, nil when the feed has no place (or no index).
    let places: PlaceResolver?
    /// The names of the place's fields, in the plan's order.
    let placeNames: [String]

    init(plan: FeedNormalization, index: AdminUnitIndex?, today: CivilDate) {
        self.plan = plan
        self.index = index
        self.today = today
        scope = plan.province.map { [$0] }
        places = plan.hasPlace ? index.map { PlaceResolver(index: $0, scope: plan.province.map { [$0] }) } : nil
        placeNames = plan.placeFields.map { plan.fields[$0].name }
    }

    /// The normaliser of a pass run today (Asia/Ho_Chi_Minh), over the shipped reference data; refuses a
    /// `place.province` that is no province since the reform.
    static func today(_ plan: FeedNormalization) throws -> RecordNormalizer {
        let index: AdminUnitIndex
        do {
            index = try AdminUnitIndex.shared.get()
        } catch {
            throw TransformError.referenceData(error.description)
        }
        if let province = plan.province, !index.isProvince(province) {
            throw TransformError.unknownProvince(feed: plan.feed, code: province)
        }
        let seconds = Date().timeIntervalSince1970 + 7 * 3_600
        return RecordNormalizer(plan: plan, index: index, today: CivilDate(daysSince1970: Int(seconds / 86_400)))
    }

    /// A value that failed its normaliser.
    struct Failure: Sendable, Equatable {
        let field: String
        let code: String
        let reason: String
    }

    /// One normalised row: the output columns' values (text form), the quality flags, the failures.
    struct Output: Sendable {
        var values: [String?]
        var quality: [String]
        var failures: [Failure]
    }

    /// `input`: the feed's fields in manifest order, then the record date (or nil).
    func normalize(_ input: [String?]) -> Output {
        var output = Output(values: [], quality: [], failures: [])
        output.values.reserveCapacity(plan.columns.count)
        var context = NormalizationContext()
        context.adminIndex = index
        context.adminScope = scope
        context.asOf = asOf(input.last ?? nil)
        let place = places?.resolve(
            names: placeNames, values: plan.placeFields.map { $0 < input.count ? input[$0] : nil }, asOf: context.asOf)
        for (position, field) in plan.fields.enumerated() {
            let raw = position < input.count ? input[position] : nil
            guard let semantic = field.semantic else {
                output.values.append(raw)
                continue
            }
            if field.isKey { output.values.append(raw) }
            let derived = FeedNormalization.derivedSuffix(of: semantic) != nil
            guard let raw, !raw.isEmpty else {
                output.values.append(nil)
                if derived { output.values.append(nil) }
                continue
            }
            let result: NormalizationResult
            if let place, let k = plan.placeFields.firstIndex(of: position), let read = place.fields[k] {
                result = read
            } else {
                result = Normalize.normalize(raw, as: semantic, context: context)
            }
            switch result {
            case .success(let normal):
                output.values.append(normal.value)
                if derived { output.values.append(normal.key) }
            case .failure(let failure):
                output.values.append(nil)
                if derived { output.values.append(nil) }
                output.quality.append("\(field.name):\(failure.code.rawValue)")
                output.failures.append(Failure(field: field.name, code: failure.code.rawValue, reason: failure.reason))
            }
        }
        if let place {
            output.values.append(place.ward)
            output.values.append(place.rule)
            switch place.status {
            case .resolved, .absent: break
            case .conflict, .ambiguous, .unresolved: output.quality.append("_ward:\(place.status.rawValue)")
            }
        }
        return output
    }

    /// The record's as-of date from the value of its record-date column.
    func asOf(_ value: String?) -> CivilDate? {
        switch plan.recordDate {
        case .today: return today
        case .none: return nil
        case .field:
            guard let value, value.count >= 10, case .success(let day) = DateNormalizer.iso(String(value.prefix(10))) else { return nil }
            return day
        case .year:
            guard let value, let year = Int(value) else { return nil }
            return CivilDate(year: year, month: 12, day: 31)
        }
    }
}
