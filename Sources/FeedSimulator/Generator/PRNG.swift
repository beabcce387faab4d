/// SplitMix64: a fast, well-mixed 64-bit generator; every simulated value is a pure function of its seed.
struct SplitMix64: Sendable {
    private(set) var state: UInt64

    init(_ seed: UInt64) { state = seed }

    /// Seeded from the simulation seed, a salt naming the concern, and up to two indices.
    init(seed: UInt64, salt: UInt64, _ a: UInt64, _ b: UInt64 = 0) {
        state = Mix.hash(seed ^ salt, a, b)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Mix.finalize(state)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// Picks one element (the array must not be empty).
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Stateless mixing: the SplitMix64 finaliser applied to combined inputs.
enum Mix {
    @inline(__always)
    static func finalize(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A 64-bit hash of (a, b, c).
    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64 = 0) -> UInt64 {
        finalize(finalize(a &+ 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xD6E8_FEB8_6659_FD93) ^ finalize(c &+ 0x2545_F491_4F6C_DD1D))
    }

    /// Uniform in [0, 1) from (seed, salt, index).
    @inline(__always)
    static func unit(_ seed: UInt64, _ salt: UInt64, _ i: UInt64, _ j: UInt64 = 0) -> Double {
        Double(hash(seed ^ salt, i, j) >> 11) * 0x1.0p-53
    }
}

/// Salts that keep the random streams of different concerns independent.
enum Salt {
    static let identity: UInt64 = 0x1D_0001
    static let contact: UInt64 = 0x1D_0002
    static let timeline: UInt64 = 0x1D_0003
    static let malformed: UInt64 = 0x1D_0004
    static let duplicate: UInt64 = 0x1D_0005
    static let advance: UInt64 = 0x1D_0006
    static let enterprise: UInt64 = 0x1D_0007
    static let insurance: UInt64 = 0x1D_0008
    static let faults: UInt64 = 0x1D_0009
    static let bijection: UInt64 = 0x1D_000A
    static let labour: UInt64 = 0x1D_000B
    static let health: UInt64 = 0x1D_000C
    static let schools: UInt64 = 0x1D_000D
    static let statistics: UInt64 = 0x1D_000E
    static let finance: UInt64 = 0x1D_000F
    static let geo: UInt64 = 0x1D_0010
    static let land: UInt64 = 0x1D_0011
    static let telecom: UInt64 = 0x1D_0012
}

/// A bijection of 0..<modulus (x ↦ (a·x + b) mod modulus, a coprime to modulus): distinct indices give distinct
/// identifiers, with no table.
struct AffineBijection: Sendable {
    let modulus: UInt64
    let a: UInt64
    let b: UInt64

    init(modulus: UInt64, seed: UInt64, salt: UInt64) {
        self.modulus = modulus
        var rng = SplitMix64(seed: seed, salt: salt, modulus)
        var a = (rng.next() % modulus) | 1
        while Self.gcd(a, modulus) != 1 { a = (a + 2) % modulus }
        self.a = a
        self.b = rng.next() % modulus
    }

    func apply(_ x: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: x % modulus)
        let r = modulus.dividingFullWidth(product).remainder
        let (sum, overflow) = r.addingReportingOverflow(b)
        return overflow || sum >= modulus ? sum &- modulus : sum
    }

    static func gcd(_ x: UInt64, _ y: UInt64) -> UInt64 {
        var (p, q) = (x, y)
        while q != 0 { (p, q) = (q, p % q) }
        return p
    }
}
