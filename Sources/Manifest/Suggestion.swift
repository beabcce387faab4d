/// "Did you mean …?" for a misspelt key or value.
enum Suggestion {
    /// The candidate closest to `word` (optimal string alignment distance, so a swap of two
    /// letters counts 1), if it is close enough to be a likely typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = Self.distance(lowered, candidate.lowercased())
            if best.map({ distance < $0.distance }) ?? true {
                best = (candidate, distance)
            }
        }
        guard let best else { return nil }
        let limit = max(1, min(3, word.count / 3))
        if best.distance <= limit { return best.candidate }
        // `vn_phonenumber` for `vn_phone`, `page` for `page_size`: one is the other cut short.
        let affixed = candidates.filter { candidate in
            let other = candidate.lowercased()
            return min(other.count, lowered.count) >= 4 && (lowered.hasPrefix(other) || other.hasPrefix(lowered))
        }
        return affixed.count == 1 ? affixed.first : nil
    }

    /// ` (did you mean 'x'?)` or empty.
    static func hint(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Optimal string alignment distance between two strings.
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs)
        let b = Array(rhs)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, table[i - 2][j - 2] + 1)
                }
                table[i][j] = value
            }
        }
        return table[a.count][b.count]
    }
}
