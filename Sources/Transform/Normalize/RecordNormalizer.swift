import Foundation
import Normalize

/// Normalises staged rows of one feed (pure; safe to call from several threads at once).
struct RecordNormalizer: Sendable {
    let plan: FeedNormalization
    let index: AdminUnitIndex?
    /// The day of the transform (the as-of date of snapshot records).
    let today: CivilDate

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
        context.adminScope = plan.province.map { [$0] }
        context.asOf = asOf(input.last ?? nil)
        var place: PlaceResolver.Resolution? = nil
        if let index, plan.hasPlace {
            place = PlaceResolver(index: index, scope: context.adminScope).resolve(
                names: plan.placeFields.map { plan.fields[$0].name },
                values: plan.placeFields.map { $0 < input.count ? input[$0] : nil }, asOf: context.asOf)
        }
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
