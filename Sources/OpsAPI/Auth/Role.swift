/// What a token allows (Decree 13/2023/NĐ-CP: personal data only to those who need it, every read recorded).
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Aggregate views only (no view with a personal column); counts of people under 5 are suppressed.
    case viewer
    /// Person-level rows with keyed pseudonyms instead of citizen IDs, birth years instead of birth dates, and
    /// no names, phones or addresses.
    case analyst
    /// Personal data, with a stated purpose (`X-Purpose`) on every request; every read is in the audit log.
    case officer
    /// Runs, backfills and feeds; the views without personal data.
    case `operator`
    /// The audit log.
    case auditor

    /// May this role read a view with personal columns at all?
    var readsPersonalViews: Bool { self == .analyst || self == .officer }

    /// May this role read views?
    var readsViews: Bool { self != .auditor }
}

/// Who is calling: the token's name (in logs and the audit log, never the token) and its role.
public struct Caller: Sendable, Equatable {
    public let tokenName: String
    public let role: Role

    public init(tokenName: String, role: Role) {
        self.tokenName = tokenName
        self.role = role
    }
}

/// The purposes an officer may state in `X-Purpose` (the processing purposes of Decree 13/2023/NĐ-CP, Art. 17,
/// as the province's centre uses them). Anything else is refused.
public enum Purpose: String, Sendable, CaseIterable {
    /// Handling an administrative procedure the person filed (thủ tục hành chính).
    case administrativeProcedure = "administrative-procedure"
    /// Delivering a social benefit or public service to the person.
    case publicService = "public-service"
    /// Health emergency or protecting the person's life and health.
    case healthEmergency = "health-emergency"
    /// A request of a competent authority under the law (inspection, investigation).
    case legalObligation = "legal-obligation"
    /// Checking and correcting the data itself (data stewardship).
    case dataQuality = "data-quality"
    /// Emergency response, disaster, epidemic (tình trạng khẩn cấp).
    case emergencyResponse = "emergency-response"
}
