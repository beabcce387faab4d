import Foundation

/// A length of time written in a manifest: ISO 8601 (`PT30S`, `P1D`, `P1M`) or short
/// (`500ms`, `30s`, `5m`, `2h`, `1d`, `1w`, `1mo`).
///
/// Months are kept apart from seconds because a month has no fixed length: a backfill
/// stepping by `P1M` walks calendar months.
public struct ManifestDuration: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Calendar months (years count as 12).
    public var months: Int
    /// Fixed-length part, in seconds (days count as 86 400 s, weeks as 7 days).
    public var seconds: Double
    /// The text as written, kept so that a manifest re-encodes as it was.
    public var text: String

    /// Parses `text`; nil when it is neither ISO 8601 nor a short form.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let parsed = Self.parseISO(trimmed) ?? Self.parseShort(trimmed) else { return nil }
        months = parsed.months
        seconds = parsed.seconds
        self.text = trimmed
    }

    /// A duration of whole seconds, written in the short form.
    public init(seconds: Double) {
        self.months = 0
        self.seconds = seconds
        self.text = seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    /// True when the duration is zero.
    public var isZero: Bool { months == 0 && seconds == 0 }

    /// The text as written.
    public var description: String { text }

    /// Decodes from a string (or a bare number of seconds).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self.init(seconds: number)
            return
        }
        let raw = try container.decode(String.self)
        guard let value = ManifestDuration(raw) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(raw)' is not a duration (e.g. 30s, 5m, PT1H, P1D, P1M)")
        }
        self = value
    }

    /// Encodes the text as written.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    private static func parseShort(_ text: String) -> (months: Int, seconds: Double)? {
        let units: [(suffix: String, seconds: Double, months: Int)] = [
            ("ms", 0.001, 0), ("mo", 0, 1), ("s", 1, 0), ("m", 60, 0), ("h", 3600, 0),
            ("d", 86_400, 0), ("w", 604_800, 0), ("y", 0, 12),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = text.dropLast(unit.suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  let value = Double(number), value >= 0 else { return nil }
            if unit.months > 0 {
                guard value == value.rounded() else { return nil }
                return (Int(value) * unit.months, 0)
            }
            return (0, value * unit.seconds)
        }
        return nil
    }

    private static func parseISO(_ text: String) -> (months: Int, seconds: Double)? {
        guard text.hasPrefix("P"), text.count > 1 else { return nil }
        var months = 0
        var seconds = 0.0
        var number = ""
        var inTime = false
        var sawComponent = false
        for character in text.dropFirst() {
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
                continue
            }
            if character.isASCII && (character.isNumber || character == ".") {
                number.append(character)
                continue
            }
            guard let value = Double(number), value >= 0 else { return nil }
            number = ""
            sawComponent = true
            switch (inTime, character) {
            case (false, "Y"):
                guard value == value.rounded() else { return nil }
                months += Int(value) * 12
            case (false, "M"):
                guard value == value.rounded() else { return nil }
                months += Int(value)
            case (false, "W"): seconds += value * 604_800
            case (false, "D"): seconds += value * 86_400
            case (true, "H"): seconds += value * 3600
            case (true, "M"): seconds += value * 60
            case (true, "S"): seconds += value
            default: return nil
            }
        }
        guard number.isEmpty, sawComponent else { return nil }
        return (months, seconds)
    }
}
