import Foundation

/// A fault injected into one response; faults never change the data a retry gets.
enum Fault: Sendable, Equatable {
    case none
    /// 429 with `Retry-After: 1`.
    case tooManyRequests
    /// 503.
    case unavailable
    /// The right answer, 1–2 s late.
    case slow(milliseconds: Int)
    /// The body stops early: `Content-Length` promised more, or the chunked body lacks its terminator.
    case truncated(chunked: Bool)
    /// One byte of the gzip file is flipped (insurance only).
    case badGzip
    /// 401 on a token that was valid (population only); the token is revoked.
    case expiredToken
}

/// Which endpoint a fault is drawn for.
enum FaultTarget: Sendable, CaseIterable {
    case token, population, business, insurance, labour, health, schools, statistics, finance, boundaries, land, telecom, air, fhir

    /// The name `GET /_sim/state` counts its requests under: the feed's, or `token` for the OAuth2 endpoint.
    var name: String {
        switch self {
        case .token: "token"
        case .population: "population"
        case .business: "business"
        case .insurance: "insurance"
        case .labour: "labour"
        case .health: "health_encounters"
        case .schools: "schools"
        case .statistics: "statistics"
        case .finance: "finance"
        case .boundaries: "admin_boundaries"
        case .land: "land"
        case .telecom: "telecom"
        case .air: "air_quality"
        case .fhir: "health_facilities"
        }
    }
}

/// Draws faults deterministically from the seed and the request count.
final class FaultInjector: @unchecked Sendable {
    let rate: Double
    let seed: UInt64
    private let lock = NSLock()
    private var requests: UInt64 = 0

    init(rate: Double, seed: UInt64) {
        self.rate = rate
        self.seed = seed
    }

    /// The fault of the next request to `target`.
    func draw(for target: FaultTarget) -> Fault {
        guard rate > 0 else { return .none }
        let n = lock.withLock {
            requests += 1
            return requests
        }
        guard Mix.unit(seed, Salt.faults, n) < rate else { return .none }
        let kind = Mix.unit(seed, Salt.faults, n, 1)
        let slow = Fault.slow(milliseconds: 1000 + Int(Mix.hash(seed ^ Salt.faults, n, 2) % 1000))
        if target == .token {
            return kind < 0.4 ? .tooManyRequests : kind < 0.8 ? .unavailable : slow
        }
        switch kind {
        case ..<0.25: return .tooManyRequests
        case ..<0.45: return .unavailable
        case ..<0.55: return slow
        case ..<0.80: return .truncated(chunked: kind >= 0.675)
        default:
            switch target {
            case .insurance: return .badGzip
            case .population: return .expiredToken
            default: return .unavailable
            }
        }
    }
}

/// The error a truncating body writer throws to close the connection early.
struct TruncatedBody: Error {}
