/// A point of the plane: longitude/latitude degrees or grid metres, x first.
struct XY: Sendable, Equatable {
    var x: Double
    var y: Double
}

/// An axis-aligned box.
struct Box: Sendable {
    var minX: Double, minY: Double, maxX: Double, maxY: Double

    init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    init(_ points: [XY]) {
        var box = Box(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
        for p in points { box.add(p) }
        self = box
    }

    mutating func add(_ p: XY) {
        minX = min(minX, p.x)
        minY = min(minY, p.y)
        maxX = max(maxX, p.x)
        maxY = max(maxY, p.y)
    }

    func contains(_ p: XY) -> Bool { p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY }
    func intersects(_ o: Box) -> Bool { minX <= o.maxX && o.minX <= maxX && minY <= o.maxY && o.minY <= maxY }
}

/// Plane geometry on simple rings (open: the first point is not repeated at the end).
enum Plane {
    /// Signed area (shoelace): positive counter-clockwise.
    static func signedArea(_ ring: [XY]) -> Double {
        guard ring.count >= 3 else { return 0 }
        var sum = 0.0
        var previous = ring[ring.count - 1]
        for p in ring {
            sum += previous.x * p.y - p.x * previous.y
            previous = p
        }
        return sum / 2
    }

    /// Whether `p` is inside `ring` (even-odd ray casting).
    static func contains(_ ring: [XY], _ p: XY) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in 0..<ring.count {
            let a = ring[i]
            let b = ring[j]
            if (a.y > p.y) != (b.y > p.y) {
                let x = (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                if p.x < x { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    /// Whether segments ab and cd cross at a point inside both (touching at an end does not count).
    static func properlyIntersect(_ a: XY, _ b: XY, _ c: XY, _ d: XY) -> Bool {
        func orient(_ p: XY, _ q: XY, _ r: XY) -> Double { (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x) }
        let d1 = orient(c, d, a)
        let d2 = orient(c, d, b)
        let d3 = orient(a, b, c)
        let d4 = orient(a, b, d)
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
    }

    /// Splits a simple ring into `pieces` simple rings of about equal area by chords between its vertices that
    /// stay inside it (each chord crosses no edge and its midpoint is inside). Deterministic for a given `rng`.
    /// Returns nil when no such chord is found (the caller keeps the ring whole).
    static func split(_ ring: [XY], into pieces: Int, rng: inout SplitMix64) -> [[XY]]? {
        guard pieces > 1 else { return [ring] }
        var rest = ring
        var out: [[XY]] = []
        for k in stride(from: pieces, to: 1, by: -1) {
            guard let (piece, remainder) = cut(rest, fraction: 1 / Double(k), rng: &rng) else { return nil }
            out.append(piece)
            rest = remainder
        }
        out.append(rest)
        return out
    }

    /// One chord cutting off about `fraction` of the ring's area: (the piece, the remainder).
    private static func cut(_ ring: [XY], fraction: Double, rng: inout SplitMix64) -> ([XY], [XY])? {
        let n = ring.count
        guard n >= 6 else { return nil }
        let total = abs(signedArea(ring))
        let tolerances = [1.0, 0.75, 1.3, 0.55, 1.6]
        for attempt in 0..<60 {
            let goal = total * fraction * tolerances[attempt % tolerances.count]
            let i = rng.below(n)
            // Walk j forward from i, tracking the area of the polygon i…j closed by the chord.
            var sum = 0.0
            var j = i
            var steps = 0
            while steps < n - 2 {
                let a = ring[j % n]
                let b = ring[(j + 1) % n]
                sum += a.x * b.y - b.x * a.y
                j += 1
                steps += 1
                guard steps >= 2 else { continue }
                let pj = ring[j % n]
                let pi = ring[i]
                let area = abs((sum + pj.x * pi.y - pi.x * pj.y) / 2)
                if area >= goal {
                    if chordInside(ring, i, j % n) {
                        var piece: [XY] = []
                        var m = i
                        while true {
                            piece.append(ring[m % n])
                            if m % n == j % n { break }
                            m += 1
                        }
                        var remainder: [XY] = []
                        m = j % n
                        while true {
                            remainder.append(ring[m % n])
                            if m % n == i { break }
                            m += 1
                        }
                        if piece.count >= 3 && remainder.count >= 3 { return (piece, remainder) }
                    }
                    break
                }
            }
        }
        return nil
    }

    private static func chordInside(_ ring: [XY], _ i: Int, _ j: Int) -> Bool {
        let n = ring.count
        let a = ring[i]
        let b = ring[j]
        let box = Box([a, b])
        for k in 0..<n {
            let next = (k + 1) % n
            if k == i || k == j || next == i || next == j { continue }
            let c = ring[k]
            let d = ring[next]
            if !box.intersects(Box([c, d])) { continue }
            if properlyIntersect(a, b, c, d) { return false }
        }
        return contains(ring, XY(x: (a.x + b.x) / 2, y: (a.y + b.y) / 2))
    }
}
