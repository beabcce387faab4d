/// What the simulator serves and how: seed, size, faults, token lifetime, where the truth goes.
public struct SimulatorConfiguration: Sendable {
    /// Everything served is a pure function of the seed (and of the sequence of advances).
    public var seed: UInt64
    /// 1.0 ≈ 1.4 million people (old Bắc Ninh); the merged province of today is ≈ 2.6.
    public var scale: Double
    /// Share of data requests that get a fault (0…1).
    public var faultRate: Double
    /// Lifetime of OAuth2 access tokens, seconds.
    public var tokenTTL: Int
    /// Directory the truth files are written to (and rewritten after each advance); nil for none.
    public var truthDirectory: String?
    /// Share of population pages whose next cursor repeats the page's last record.
    public var duplicateRate: Double
    /// Host to bind (loopback).
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Render the initial records once at start-up and serve pages by copying them (≈ 265 bytes per person of
    /// memory; for benchmarks, where the simulator must cost little CPU), and make the new months' insurance exports
    /// when an advance adds them rather than on their first request.
    public var prerender: Bool
    /// Log only critical server events (tests stop servers by cancellation, which HummingbirdCore logs as errors).
    public var quiet: Bool
    /// Days of hourly air-quality history before the initial clock (2026-01-01T00:00+07:00).
    public var airDays: Int
    /// Air-monitoring stations served (1…200): the twelve listed ones (fewer when below 12), then generated ones with
    /// all six pollutants, for benchmarks.
    public var airStations: Int

    /// The clock tokens expire by (tests advance their own instead of waiting).
    public var clock: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }

    /// A configuration; the defaults are those of `citypipe simulate`.
    public init(
        seed: UInt64 = 1, scale: Double = 0.01, faultRate: Double = 0, tokenTTL: Int = 300,
        truthDirectory: String? = nil, duplicateRate: Double = 0.02, host: String = "127.0.0.1", port: Int = 0,
        prerender: Bool = false, quiet: Bool = false, airDays: Int = 7, airStations: Int = 12
    ) {
        self.airDays = airDays
        self.airStations = airStations
        self.prerender = prerender
        self.quiet = quiet
        self.seed = seed
        self.scale = scale
        self.faultRate = faultRate
        self.tokenTTL = tokenTTL
        self.truthDirectory = truthDirectory
        self.duplicateRate = duplicateRate
        self.host = host
        self.port = port
    }

    /// People in the initial state.
    var basePeople: Int { max(10, Int((scale * 1_400_000).rounded())) }
    /// Enterprises (≈ 1 per 70 people).
    var enterprises: Int { max(5, Int((scale * 20_000).rounded())) }

    /// The credentials the manifests read from the environment.
    public var credentials: Credentials { Credentials(seed: seed) }

    func validate() throws {
        guard scale > 0, scale <= 10 else { throw SimulatorError.invalidOption("--scale must be in (0, 10]") }
        guard (0...1).contains(faultRate) else { throw SimulatorError.invalidOption("--faults must be in 0…1") }
        guard tokenTTL >= 1 else { throw SimulatorError.invalidOption("--token-ttl must be at least 1 second") }
        guard (1...3_660).contains(airDays) else { throw SimulatorError.invalidOption("--air-days must be in 1…3660") }
        guard (1...AirStations.maxCount).contains(airStations) else {
            throw SimulatorError.invalidOption("--air-stations must be in 1…\(AirStations.maxCount)")
        }
        guard (0...65_535).contains(port) else { throw SimulatorError.invalidOption("--port must be in 0…65535") }
    }
}

/// Client credentials of the simulated feeds (derived from the seed; not secrets).
public struct Credentials: Sendable {
    /// `CITYPIPE_POPULATION_CLIENT_ID`
    public let populationClientID: String
    /// `CITYPIPE_POPULATION_CLIENT_SECRET`
    public let populationClientSecret: String
    /// `CITYPIPE_BUSINESS_API_KEY`
    public let businessAPIKey: String
    /// `CITYPIPE_INSURANCE_USER`
    public let insuranceUser: String
    /// `CITYPIPE_INSURANCE_PASSWORD`
    public let insurancePassword: String
    /// `CITYPIPE_LABOUR_TOKEN` (a Bearer token)
    public let labourToken: String
    /// `CITYPIPE_HEALTH_ENCOUNTERS_USER`
    public let healthUser: String
    /// `CITYPIPE_HEALTH_ENCOUNTERS_PASSWORD`
    public let healthPassword: String
    /// `CITYPIPE_SCHOOLS_API_KEY`
    public let schoolsAPIKey: String
    /// `CITYPIPE_FINANCE_API_KEY`
    public let financeAPIKey: String
    /// `CITYPIPE_LAND_API_KEY`
    public let landAPIKey: String

    init(seed: UInt64) {
        let tag = String(Mix.hash(seed, 0xC0DE, 1) & 0xFFFF_FFFF, radix: 16)
        populationClientID = "citypipe-sim"
        populationClientSecret = "pop-secret-\(tag)"
        businessAPIKey = "biz-key-\(tag)"
        insuranceUser = "citypipe"
        insurancePassword = "ins-pass-\(tag)"
        labourToken = "lab-token-\(tag)"
        healthUser = "soyte-bacninh"
        healthPassword = "gd-pass-\(tag)"
        schoolsAPIKey = "edu-key-\(tag)"
        financeAPIKey = "fin-key-\(tag)"
        landAPIKey = "land-key-\(tag)"
    }

    /// `export NAME=VALUE` lines for every variable the manifests read, for a simulator at `baseURL`.
    public func exports(baseURL: String) -> [String] {
        [
            ("CITYPIPE_POPULATION_URL", baseURL),
            ("CITYPIPE_POPULATION_CLIENT_ID", populationClientID),
            ("CITYPIPE_POPULATION_CLIENT_SECRET", populationClientSecret),
            ("CITYPIPE_BUSINESS_URL", baseURL),
            ("CITYPIPE_BUSINESS_API_KEY", businessAPIKey),
            ("CITYPIPE_INSURANCE_URL", baseURL),
            ("CITYPIPE_INSURANCE_USER", insuranceUser),
            ("CITYPIPE_INSURANCE_PASSWORD", insurancePassword),
            ("CITYPIPE_LABOUR_URL", baseURL),
            ("CITYPIPE_LABOUR_TOKEN", labourToken),
            ("CITYPIPE_HEALTH_ENCOUNTERS_URL", baseURL),
            ("CITYPIPE_HEALTH_ENCOUNTERS_USER", healthUser),
            ("CITYPIPE_HEALTH_ENCOUNTERS_PASSWORD", healthPassword),
            ("CITYPIPE_SCHOOLS_URL", baseURL),
            ("CITYPIPE_SCHOOLS_API_KEY", schoolsAPIKey),
            ("CITYPIPE_STATISTICS_URL", baseURL),
            ("CITYPIPE_FINANCE_URL", baseURL),
            ("CITYPIPE_FINANCE_API_KEY", financeAPIKey),
            ("CITYPIPE_ADMIN_BOUNDARIES_URL", baseURL),
            ("CITYPIPE_LAND_URL", baseURL),
            ("CITYPIPE_LAND_API_KEY", landAPIKey),
            ("CITYPIPE_ICT_URL", baseURL),
            ("CITYPIPE_AIR_URL", baseURL + "/sta"),
            ("CITYPIPE_FHIR_URL", baseURL + "/fhir/r4"),
        ].map { "export \($0.0)=\($0.1)" }
    }
}
