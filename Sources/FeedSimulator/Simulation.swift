import Foundation

/// The state of the simulation at one generation: what every feed serves now.
struct SimulationState: Sendable {
    let timeline: Timeline
    /// Enterprises that left the business snapshot, sorted.
    let removedEnterprises: [Int32]
    let enterpriseCount: Int
    /// Months of insurance exports and health claims added by advances after the initial data (which ends with
    /// December 2025): month N is served once N months were added.
    var months: Int = 0

    var generation: Int { timeline.generations.count }

    /// The last month with insurance data: December 2025, plus the months added.
    var lastInsurancePeriod: Period { InsuranceGenerator.lastDataPeriod.adding(months: months) }
    var aliveEnterprises: Int { enterpriseCount - removedEnterprises.count }

    /// The number of removed enterprises with index ≤ e.
    func removedUpTo(_ e: Int) -> Int {
        var lo = 0
        var hi = removedEnterprises.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(removedEnterprises[mid]) <= e { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Index of the `offset`-th enterprise still in the snapshot (offset < aliveEnterprises).
    func enterpriseIndex(atOffset offset: Int) -> Int {
        var lo = offset
        var hi = min(enterpriseCount - 1, offset + removedEnterprises.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if mid + 1 - removedUpTo(mid) >= offset + 1 { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Whether enterprise `e` left the snapshot.
    func isRemoved(_ e: Int) -> Bool {
        let n = removedUpTo(e)
        return n > 0 && Int(removedEnterprises[n - 1]) == e
    }
}

/// The simulation: generators (pure functions of the seed) and the current generation, behind a lock.
final class Simulation: @unchecked Sendable {
    let configuration: SimulatorConfiguration
    let people: PersonGenerator
    let enterprises: EnterpriseGenerator
    let insurance: InsuranceGenerator
    let labour: LabourGenerator
    let health: HealthClaimGenerator
    let schools: SchoolGenerator
    let statistics: StatisticsGenerator
    let finance: FinanceGenerator
    let geography: Geography
    let tcvn3 = TCVN3Encoder()
    /// Pre-rendered initial records (`--prerender`), nil otherwise.
    let arena: RecordArena?
    private let lock = NSLock()
    private var current: SimulationState

    init(configuration: SimulatorConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        let geography = try Geography()
        let seed = configuration.seed
        people = PersonGenerator(seed: seed, geography: geography)
        enterprises = EnterpriseGenerator(
            seed: seed, people: people, basePeople: configuration.basePeople, count: configuration.enterprises)
        insurance = InsuranceGenerator(
            seed: seed, people: people, enterprises: enterprises, basePeople: configuration.basePeople)
        labour = LabourGenerator(seed: seed, people: people, basePeople: configuration.basePeople)
        health = HealthClaimGenerator(seed: seed, people: people, basePeople: configuration.basePeople)
        statistics = StatisticsGenerator(
            seed: seed, people: people, basePeople: configuration.basePeople, scale: configuration.scale)
        finance = FinanceGenerator(seed: seed, enterprises: enterprises)
        schools = SchoolGenerator(seed: seed, geography: geography, encoder: tcvn3)
        self.geography = geography
        let timeline = Timeline(seed: seed, basePeople: configuration.basePeople)
        current = SimulationState(
            timeline: timeline, removedEnterprises: [], enterpriseCount: configuration.enterprises)
        arena = configuration.prerender ? RecordArena(people: people, timeline: timeline) : nil
    }

    /// The current generation's state (a value: later advances do not change it).
    var state: SimulationState { lock.withLock { current } }

    /// Moves to the next generation; the same sequence of advances gives the same data. `months` more months of
    /// insurance exports and health claims appear.
    @discardableResult
    func advance(changed: Int, added: Int, removed: Int, months: Int = 0) -> SimulationState {
        lock.withLock {
            var timeline = current.timeline
            timeline.advance(changed: changed, added: added)
            var removedSet = Set(current.removedEnterprises)
            let target = min(current.enterpriseCount, removedSet.count + max(0, removed))
            var rng = SplitMix64(seed: configuration.seed, salt: Salt.advance, UInt64(timeline.generations.count), 2)
            while removedSet.count < target {
                removedSet.insert(Int32(rng.below(current.enterpriseCount)))
            }
            current = SimulationState(
                timeline: timeline, removedEnterprises: removedSet.sorted(), enterpriseCount: current.enterpriseCount,
                months: current.months + max(0, months))
            return current
        }
    }

    /// The latest version of person `index`.
    func latestPerson(_ index: Int, of state: SimulationState) -> Person {
        let latest = state.timeline.latestVersion(of: index)
        return people.person(
            index, version: latest.version, updatedAt: latest.time,
            preReform: state.timeline.isPreReform(person: index, version: latest.version))
    }
}
