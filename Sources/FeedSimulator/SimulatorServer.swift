import Foundation
import Hummingbird
import Logging

/// The feed simulator: serves the feeds of `Connectors/` (population, business, insurance, labour,
/// health_encounters, schools, statistics, finance) over HTTP on loopback, deterministically from a seed and a
/// scale, with injectable faults, and writes the truth a correct ingest must end with.
///
/// Endpoints (all on one port): `POST /oauth/token`, `GET /v1/citizens`, `GET /api/v2/enterprises`,
/// `GET /exports/participants.csv.gz?period=YYYY-MM`, `GET /api/v1/labour/records`, `GET /api/giamdinh/v1/hoso`,
/// `GET /api/giaoduc/v1/truong-hoc.csv`, `GET /api/thongke/v1/dan-so-xa.csv`,
/// `GET /api/taichinh/v1/chung-tu-nop-thue.xml`, the OGC API – Features collections of `OGCFeatureRoutes`
/// (`/ogc/collections/…`: admin_boundaries, land), the exports of `TelecomRoutes` (`/api/ttt/v1/…`: postal_points,
/// bts_stations, telecom_subscriptions), and the admin endpoints of `AdminRoutes`.
public final class FeedSimulator: Sendable {
    /// Largest page the feeds serve (`limit` above it is clamped).
    public static let maxPageSize = 1000

    /// The configuration it runs with.
    public let configuration: SimulatorConfiguration
    let simulation: Simulation
    let tokens: TokenStore
    let faults: FaultInjector
    let controls = ServingControls()
    let populationPages = PageCache<PopulationPageKey>(capacity: 64)
    let businessPages = PageCache<BusinessPageKey>(capacity: 32)
    let renderedFeatures = RenderedFeatures()
    private let provinceShapes = LazyFeed<ProvinceShapes>()
    private let geoFeeds = LazyFeed<GeoFeeds>()
    private let schoolPositionsFeed = LazyFeed<SchoolPositions>()
    private let airFeed = LazyFeed<AirFeed>()
    private let facilityRegister = LazyFeed<FacilityRegister>()
    private let insuranceFiles = InsuranceFileCache(capacity: 4)
    private let truth: TruthWriter?
    private let advanceLock = AsyncLock()

    /// Builds the simulator and writes the initial truth (if asked); serving starts with `run`.
    public init(configuration: SimulatorConfiguration) throws {
        self.configuration = configuration
        simulation = try Simulation(configuration: configuration)
        tokens = TokenStore(ttlSeconds: configuration.tokenTTL, seed: configuration.seed, clock: configuration.clock)
        faults = FaultInjector(rate: configuration.faultRate, seed: configuration.seed)
        truth = try configuration.truthDirectory.map { try TruthWriter(path: $0) }
        try truth?.write(simulation, state: simulation.state, includeStatic: true)
        if configuration.prerender { try prerenderGeo() }
    }

    /// `--prerender`: every parcel's Feature in its collection's storage CRS (what the `land` connector asks for),
    /// and every boundary's in CRS84 (what `admin_boundaries` asks for), made before serving, as a server holds its
    /// layers ready; else the first night that reads the pages pays for it inside the run it measures.
    private func prerenderGeo() throws {
        let geo = try geo()
        for id in [LandFeed.bacNinh, LandFeed.bacGiang] {
            guard let collection = geo.land.collection(id), let srid = OGCFeatureRoutes.storage(of: id) else { continue }
            _ = renderedFeatures.features(of: collection, crs: OutputCRS(srid: srid, latitudeFirst: false))
        }
        _ = renderedFeatures.boundaries(of: geo.boundaries, crs: OutputCRS(srid: 4326, latitudeFirst: false))
    }

    /// `export NAME=VALUE` lines for a simulator listening on `port`.
    public func exports(port: Int) -> [String] {
        configuration.credentials.exports(baseURL: "http://\(configuration.host):\(port)")
    }

    /// The geo, land and post/telecom feeds (made, and their truth written, on first use).
    func geo() throws -> GeoFeeds {
        let shapes = try shapes()
        return try geoFeeds.get(make: { GeoFeeds(simulation, shapes: shapes) }, writeTruth: { try truth?.writeGeoFeeds($0) })
    }

    /// The province's ward shapes and the old communes cut from them (made on first use).
    func shapes() throws -> ProvinceShapes {
        try provinceShapes.get(
            make: { try ProvinceShapes(seed: simulation.configuration.seed, geography: simulation.geography) }, writeTruth: { _ in })
    }

    /// The schools' positions (made, with their truth, on the first schools request: they need the ward shapes).
    func schoolPositions() throws -> SchoolPositions {
        let shapes = try shapes()
        let schools = simulation.schools
        return try schoolPositionsFeed.get(
            make: { SchoolPositions(seed: simulation.configuration.seed, schools: schools, shapes: shapes) },
            writeTruth: { try truth?.writeSchoolPositions($0, schools: schools) })
    }

    /// The air-quality observations (their truth written on first use, and after each advance from then on).
    func air() throws -> AirFeed {
        let configuration = simulation.configuration
        let generation = self.generation
        return try airFeed.get(
            make: { AirFeed(seed: configuration.seed, days: configuration.airDays, stations: configuration.airStations) },
            writeTruth: { try truth?.writeAir($0, generation: generation) })
    }

    /// The health facility register (FHIR), made on first use with its truth.
    func facilities() throws -> FacilityRegister {
        let generation = self.generation
        return try facilityRegister.get(
            make: {
                FacilityRegister(
                    seed: simulation.configuration.seed, health: simulation.health, geography: simulation.geography,
                    shapes: try geo().shapes)
            },
            writeTruth: { try truth?.writeFacilities($0, generation: generation) })
    }

    /// The current generation (0 before any advance).
    public var generation: Int { simulation.state.generation }

    /// Moves to the next generation (see `AdminRoutes`) and rewrites the truth; returns the new generation.
    @discardableResult
    public func advance(changed: Int, added: Int, removed: Int, months: Int = 0) async throws -> Int {
        try await advanceState(changed: changed, added: added, removed: removed, months: months).generation
    }

    func advanceState(changed: Int, added: Int, removed: Int, months: Int = 0) async throws -> SimulationState {
        try await advanceLock.withLock {
            let state = simulation.advance(changed: changed, added: added, removed: removed, months: months)
            try truth?.write(simulation, state: state, includeStatic: false)
            try airFeed.advanced { try truth?.writeAir($0, generation: state.generation) }
            try facilityRegister.advanced { try truth?.writeFacilities($0, generation: state.generation) }
            // With `--prerender`, the new months' insurance exports are made now, as a source publishes its export
            // before the night that reads it (the night's figures then hold the pipeline's work, not the stand-in's).
            if configuration.prerender {
                for back in 0..<max(0, min(months, 3)) { _ = insuranceFile(state.lastInsurancePeriod.adding(months: -back)) }
            }
            return state
        }
    }

    /// Counts a request to a feed endpoint, waits the delay the admin endpoints set (if any), and draws the
    /// request's fault.
    func admit(_ target: FaultTarget) async throws -> Fault {
        let delay = controls.admit(target)
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
        return faults.draw(for: target)
    }

    /// The gzip file of one month as the current generation serves it (cached), with its entity tag.
    func insuranceFile(_ period: Period) -> InsuranceFileCache.File? {
        let last = simulation.state.lastInsurancePeriod
        return insuranceFiles.file(period, last: last) { Gzip.compress(simulation.insurance.csv(of: period, through: last)) }
    }

    /// The entity tag of a month's file as the current generation serves it, when that file was made before
    /// (nil otherwise): a conditional request is answered without making the file again.
    func insuranceTag(_ period: Period) -> String? {
        insuranceFiles.tag(period, last: simulation.state.lastInsurancePeriod)
    }

    /// Serves until cancelled (or SIGINT/SIGTERM); `onReady` gets the bound port before the first request.
    public func run(onReady: @escaping @Sendable (Int) async -> Void) async throws {
        let router = Router()
        PopulationRoutes(simulator: self).register(on: router)
        BusinessRoutes(simulator: self).register(on: router)
        InsuranceRoutes(simulator: self).register(on: router)
        LabourRoutes(simulator: self).register(on: router)
        HealthRoutes(simulator: self).register(on: router)
        SchoolRoutes(simulator: self).register(on: router)
        StatisticsRoutes(simulator: self).register(on: router)
        FinanceRoutes(simulator: self).register(on: router)
        OGCFeatureRoutes(simulator: self).register(on: router)
        TelecomRoutes(simulator: self).register(on: router)
        SensorThingsRoutes(simulator: self).register(on: router)
        FHIRRoutes(simulator: self).register(on: router)
        AdminRoutes(simulator: self).register(on: router)
        var logger = Logger(label: "citypipe.simulate")
        logger.logLevel = configuration.quiet ? .critical : .warning
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "citypipe-simulator"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }
}

/// Serialises async work (advances) without blocking a thread.
actor AsyncLock {
    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await body()
    }
}
