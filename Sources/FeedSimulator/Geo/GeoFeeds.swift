import Foundation

/// The geographic base layer, land and post/telecom feeds of the simulation: made on the first request to one of
/// their endpoints (boundaries cut into old communes, parcels and stations placed by point-in-polygon tests: a few
/// seconds in a debug build, which the simulator's other users need not wait for), then kept.
struct GeoFeeds: Sendable {
    /// Commune-level boundaries of both eras (derived from the shipped 2025 wards).
    let shapes: ProvinceShapes
    let boundaries: BoundaryFeed
    let land: LandFeed
    let telecom: TelecomFeed

    init(_ simulation: Simulation, shapes: ProvinceShapes) {
        let configuration = simulation.configuration
        self.shapes = shapes
        boundaries = BoundaryFeed(shapes: shapes)
        land = LandFeed(
            seed: configuration.seed, scale: configuration.scale, shapes: shapes, geography: simulation.geography,
            people: simulation.people, basePeople: configuration.basePeople)
        telecom = TelecomFeed(seed: configuration.seed, shapes: shapes, geography: simulation.geography, statistics: simulation.statistics)
    }
}
