/// The manifest's declared source paths (`soDinhDanh`, `noiThuongTru.maXa`, `identifier[0].value`) as a byte
/// automaton over the flattened path that the general path would build (`prefix.key`, `prefix[i]`): the direct
/// reader advances it by a key's bytes without building the path, and reaches a state that names the columns
/// whose source path it is. A path outside every declared one falls into the dead state (its fields are
/// undeclared: they go to `_extra`).
package struct JSONPathAutomaton: Sendable {
    /// The state of the empty path.
    package static let root: Int32 = 0
    /// No declared path goes on from here.
    package static let dead: Int32 = -1

    /// `transitions[state * 128 + byte]`: the next state (ASCII only).
    private let transitions: [Int32]
    /// The columns (binding indexes) whose source path ends in each state.
    package let columns: [[Int]]

    /// Nil when a path is not plain ASCII (the general path then compares it as a Unicode string).
    package init?(sourcePaths: [String]) {
        var table = [Int32](repeating: JSONPathAutomaton.dead, count: 128)
        var columns: [[Int]] = [[]]
        for (column, path) in sourcePaths.enumerated() {
            var state = 0
            for byte in path.utf8 {
                guard byte < 0x80 else { return nil }
                let slot = state * 128 + Int(byte)
                if table[slot] == JSONPathAutomaton.dead {
                    table[slot] = Int32(columns.count)
                    columns.append([])
                    table.append(contentsOf: repeatElement(JSONPathAutomaton.dead, count: 128))
                }
                state = Int(table[slot])
            }
            columns[state].append(column)
        }
        self.transitions = table
        self.columns = columns
    }

    /// The state after `bytes` from `state`.
    @inline(__always)
    package func advance(_ state: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        var s = state
        for byte in bytes {
            guard s >= 0, byte < 0x80 else { return JSONPathAutomaton.dead }
            s = transitions[Int(s) &* 128 &+ Int(byte)]
        }
        return s
    }

    /// The state after one byte from `state`.
    @inline(__always)
    package func advance(_ state: Int32, _ byte: UInt8) -> Int32 {
        guard state >= 0, byte < 0x80 else { return JSONPathAutomaton.dead }
        return transitions[Int(state) &* 128 &+ Int(byte)]
    }
}
