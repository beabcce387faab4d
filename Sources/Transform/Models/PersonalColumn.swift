/// A column of a model that holds personal data, as its header declares it:
/// `-- personal: person_id (identifier), full_name (name), birth_date (birth_date), phone (contact)`.
///
/// The kind decides what each role of the API sees (one mechanism for every view, format and endpoint): an
/// `identifier` becomes a keyed pseudonym for analysts, a `birth_date` its year; every other kind is withheld from
/// them. Officers see the value (with a stated purpose, audited); viewers and operators never read such a view.
public struct PersonalColumn: Sendable, Hashable {
    /// What a personal column holds.
    public enum Kind: String, Sendable, CaseIterable {
        /// A citizen ID (CCCD, CMND) or a key made of one: pseudonymised (keyed HMAC) for analysts.
        case identifier
        /// A birth date: cut to the year for analysts.
        case birthDate = "birth_date"
        /// A name or its match key.
        case name
        /// A phone number or e-mail.
        case contact
        /// A street address.
        case address
        /// Anything else personal (a diagnosis, a free-text note).
        case other
    }

    public let column: String
    public let kind: Kind

    public init(column: String, kind: Kind) {
        self.column = column
        self.kind = kind
    }

    /// Parses `col (kind), col, …`; a column without a kind is `other`.
    static func parseList(_ text: String, file: String, line: Int) throws(ModelError) -> [PersonalColumn] {
        var result: [PersonalColumn] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            var name = item
            var kind = Kind.other
            if let open = item.firstIndex(of: "("), item.hasSuffix(")") {
                name = item[..<open].trimmingCharacters(in: .whitespaces)
                let given = item[item.index(after: open)..<item.index(before: item.endIndex)].trimmingCharacters(in: .whitespaces)
                guard let parsed = Kind(rawValue: given) else {
                    throw .invalid(file: file, line: line, message: "personal: '\(given)' is not a kind (kinds: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                kind = parsed
            }
            guard name.range(of: #"^[a-z_][a-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw .invalid(file: file, line: line, message: "personal: '\(name)' is not a column name (write `column (kind)`)")
            }
            result.append(PersonalColumn(column: name, kind: kind))
        }
        return result
    }
}
