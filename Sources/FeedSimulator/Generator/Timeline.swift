/// One advance of the simulation: some people got a new version, some appeared, some enterprises left.
struct Generation: Sendable {
    /// 1, 2, … (generation 0 is the initial state).
    let number: Int
    /// The first slot of this generation in the population feed's order.
    let firstSlot: Int
    /// People who got a new version, in slot order.
    let changed: [Int32]
    /// Index of the first person added by this generation.
    let firstAdded: Int
    let addedCount: Int
    /// Timestamp of the generation's first slot; slot j is `startTime + j`.
    let startTime: Int64

    var slotCount: Int { changed.count + addedCount }
}

/// Where a person's latest version is: its generation and its offset in that generation's slots.
struct LatestVersion: Sendable {
    let generation: Int32
    let offset: Int32
}

/// The population feed's order: every version ever written has a slot; a slot whose person has a later version
/// is dead and skipped. Slots are in strictly increasing `updated_at`, so `updated_since` is a binary search and
/// a cursor is a slot number.
struct Timeline: Sendable {
    /// 2016-01-01T00:00:00+07:00
    static let start: Int64 = 1_451_581_200
    /// 2025-07-01T00:00:00+07:00: the reform; earlier versions carry pre-2025 codes.
    static let reform: Int64 = 1_751_302_800
    /// 2026-01-01T00:00:00+07:00: the end of the initial state; generation g starts g days later.
    static let initialEnd: Int64 = 1_767_200_400

    let seed: UInt64
    let basePeople: Int
    let preReformCount: Int
    let preStep: Int64
    let postStep: Int64
    private(set) var generations: [Generation] = []
    /// Person → generation of their latest version, for people with a version after generation 0.
    private(set) var latest: [Int32: LatestVersion] = [:]
    private(set) var totalPeople: Int
    private(set) var slotCount: Int

    init(seed: UInt64, basePeople: Int) {
        self.seed = seed
        self.basePeople = basePeople
        preReformCount = basePeople / 10
        let post = max(1, basePeople - basePeople / 10)
        preStep = max(1, (Self.reform - Self.start) / Int64(max(1, basePeople / 10)))
        postStep = max(1, (Self.initialEnd - Self.reform) / Int64(post))
        totalPeople = basePeople
        slotCount = basePeople
    }

    /// Timestamp of a generation-0 slot (= person index).
    func initialTime(_ i: Int) -> Int64 {
        let jitterSeed = Mix.hash(seed ^ Salt.timeline, UInt64(i), 0)
        if i < preReformCount {
            return Self.start + Int64(i) * preStep + Int64(jitterSeed % UInt64(preStep))
        }
        return Self.reform + Int64(i - preReformCount) * postStep + Int64(jitterSeed % UInt64(postStep))
    }

    /// The generation holding `slot` (nil for generation 0).
    func generationIndex(ofSlot slot: Int) -> Int? {
        guard slot >= basePeople, !generations.isEmpty else { return nil }
        var lo = 0
        var hi = generations.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if generations[mid].firstSlot <= slot { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Whether initial slot `slot` (< basePeople) still holds its person's latest version.
    @inline(__always)
    func isInitialSlotLive(_ slot: Int) -> Bool { latest.isEmpty || latest[Int32(slot)] == nil }

    /// Timestamp of any slot.
    func time(ofSlot slot: Int) -> Int64 {
        guard let g = generationIndex(ofSlot: slot) else { return initialTime(slot) }
        let gen = generations[g]
        return gen.startTime + Int64(slot - gen.firstSlot)
    }

    /// The person and version in a slot, and whether it is still their latest version.
    func entry(ofSlot slot: Int) -> (person: Int, version: Int, live: Bool) {
        guard let g = generationIndex(ofSlot: slot) else {
            return (slot, 0, slot < basePeople && latest[Int32(slot)] == nil)
        }
        let gen = generations[g]
        let j = slot - gen.firstSlot
        let person = j < gen.changed.count ? Int(gen.changed[j]) : gen.firstAdded + (j - gen.changed.count)
        return (person, gen.number, Int(latest[Int32(person)]?.generation ?? 0) == gen.number)
    }

    /// The latest version of a person and its timestamp.
    func latestVersion(of person: Int) -> (version: Int, time: Int64) {
        guard let v = latest[Int32(person)] else { return (0, initialTime(person)) }
        let gen = generations[Int(v.generation) - 1]
        return (Int(v.generation), gen.startTime + Int64(v.offset))
    }

    /// Whether a version was written before the reform (and so carries pre-2025 codes).
    func isPreReform(person: Int, version: Int) -> Bool { version == 0 && person < preReformCount }

    /// The first slot updated at or after `time`.
    func firstSlot(atOrAfter time: Int64) -> Int {
        var lo = 0
        var hi = slotCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if self.time(ofSlot: mid) < time { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Moves to the next generation: `changed` existing people get a new version, `added` people appear.
    mutating func advance(changed: Int, added: Int) {
        let number = generations.count + 1
        var rng = SplitMix64(seed: seed, salt: Salt.advance, UInt64(number))
        let n = min(max(0, changed), totalPeople)
        var chosen = Set<Int32>()
        var order: [Int32] = []
        order.reserveCapacity(n)
        if n * 2 > totalPeople {
            // Dense: a partial Fisher–Yates over indices.
            var all = (0..<totalPeople).map { Int32($0) }
            for k in 0..<n {
                let r = k + rng.below(totalPeople - k)
                all.swapAt(k, r)
                order.append(all[k])
            }
        } else {
            while order.count < n {
                let p = Int32(rng.below(totalPeople))
                if chosen.insert(p).inserted { order.append(p) }
            }
        }
        let lastTime = slotCount > 0 ? time(ofSlot: slotCount - 1) : Self.start
        let startTime = max(Self.initialEnd + Int64(number) * 86_400, lastTime + 1)
        let addedCount = max(0, added)
        let gen = Generation(
            number: number, firstSlot: slotCount, changed: order, firstAdded: totalPeople, addedCount: addedCount,
            startTime: startTime)
        generations.append(gen)
        for (j, p) in order.enumerated() { latest[p] = LatestVersion(generation: Int32(number), offset: Int32(j)) }
        for k in 0..<addedCount {
            latest[Int32(totalPeople + k)] = LatestVersion(generation: Int32(number), offset: Int32(order.count + k))
        }
        totalPeople += addedCount
        slotCount += gen.slotCount
    }
}
