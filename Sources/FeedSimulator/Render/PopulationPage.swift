import Foundation
import Hummingbird

/// Which population page: everything that decides its bytes.
struct PopulationPageKey: Hashable, Sendable {
    let generation: Int
    let startSlot: Int
    let before: Int64?
    let limit: Int
}

/// A rendered page.
struct RenderedPage: Sendable {
    let body: ByteBuffer
    let records: Int
}

/// Opaque cursor tokens: `c1.` + base64url("slot:before").
enum PopulationCursor {
    static func encode(slot: Int, before: Int64?) -> String {
        let raw = "\(slot):\(before.map(String.init) ?? "")"
        return "c1." + Data(raw.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: Substring) -> (slot: Int, before: Int64?)? {
        guard token.hasPrefix("c1.") else { return nil }
        var b64 = token.dropFirst(3).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let raw = String(data: data, encoding: .utf8) else { return nil }
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let slot = Int(parts[0]), slot >= 0 else { return nil }
        if parts[1].isEmpty { return (slot, nil) }
        guard let before = Int64(parts[1]) else { return nil }
        return (slot, before)
    }
}

extension Simulation {
    /// Renders one page of `GET /v1/citizens` into a pre-sized buffer.
    func renderPopulationPage(_ key: PopulationPageKey, state: SimulationState) -> RenderedPage {
        let arena = self.arena
        let timeline = state.timeline
        var out: [UInt8] = []
        out.reserveCapacity(64 + key.limit * 300)
        out.write("{\"data\":[")
        var s = key.startSlot
        let end = timeline.slotCount
        var count = 0
        var lastServed = -1
        while count < key.limit, s < end {
            if let before = key.before, timeline.time(ofSlot: s) >= before { break }
            if let arena, s < timeline.basePeople {
                // A run of live initial records is one copy from the arena.
                var runEnd = s
                while runEnd < timeline.basePeople, count + (runEnd - s) < key.limit,
                    timeline.isInitialSlotLive(runEnd),
                    key.before.map({ timeline.time(ofSlot: runEnd) < $0 }) ?? true
                {
                    runEnd += 1
                }
                if runEnd > s {
                    arena.write(s..<runEnd, to: &out)
                    count += runEnd - s
                    lastServed = runEnd - 1
                    s = runEnd
                    continue
                }
            }
            let entry = timeline.entry(ofSlot: s)
            if entry.live {
                let person = people.person(
                    entry.person, version: entry.version, updatedAt: timeline.time(ofSlot: s),
                    preReform: timeline.isPreReform(person: entry.person, version: entry.version))
                Self.writePerson(person, to: &out)
                out.append(UInt8(ascii: ","))
                count += 1
                lastServed = s
            }
            s += 1
        }
        if count > 0 { out.removeLast() }  // the last record's comma
        while s < end, !timeline.entry(ofSlot: s).live, key.before.map({ timeline.time(ofSlot: s) < $0 }) ?? true {
            s += 1
        }
        let more = s < end && (key.before.map { timeline.time(ofSlot: s) < $0 } ?? true)
        var next: Int? = more ? s : nil
        if more, count >= 2, Mix.unit(configuration.seed, Salt.duplicate, UInt64(lastServed)) < configuration.duplicateRate {
            // An inclusive cursor: the next page starts again with this page's last record.
            next = lastServed
        }
        out.write("],\"meta\":{\"count\":")
        out.append(contentsOf: String(count).utf8)
        out.write(",\"next_cursor\":")
        out.writeJSONOptional(next.map { PopulationCursor.encode(slot: $0, before: key.before) })
        out.write("}}")
        return RenderedPage(body: ByteBuffer(bytes: out), records: count)
    }

    /// One citizen record, as the LGSP sends it.
    static func writePerson(_ p: Person, to out: inout [UInt8]) {
        out.write("{")
        if let id = p.citizenID {
            out.write("\"soDinhDanh\":")
            out.writeJSONString(id)
            out.write(",")
        }
        out.write("\"hoVaTen\":")
        out.writeJSONString(p.name)
        out.write(",\"ngaySinh\":")
        out.writeJSONString(p.birthDate)
        out.write(",\"gioiTinh\":")
        out.writeJSONString(p.sex)
        out.write(",\"soDienThoai\":")
        out.writeJSONOptional(p.phone)
        out.write(",\"noiThuongTru\":{\"maXa\":")
        out.writeJSONOptional(p.wardCode)
        out.write(",\"diaChi\":")
        out.writeJSONOptional(p.address)
        out.write("},\"ngayCapNhat\":")
        out.writeJSONTimestamp(p.updatedAt)
        out.write("}")
    }
}

/// A bounded LRU of rendered pages, so that a retried request costs nothing.
final class PageCache<Key: Hashable & Sendable>: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var entries: [Key: RenderedPage] = [:]
    private var order: [Key] = []

    init(capacity: Int) { self.capacity = capacity }

    func page(_ key: Key, render: () -> RenderedPage) -> RenderedPage {
        if let hit = lock.withLock({ () -> RenderedPage? in
            guard let page = entries[key] else { return nil }
            if let i = order.firstIndex(of: key) { order.remove(at: i) }
            order.append(key)
            return page
        }) {
            return hit
        }
        let page = render()
        lock.withLock {
            if entries.updateValue(page, forKey: key) == nil { order.append(key) }
            while order.count > capacity { entries[order.removeFirst()] = nil }
        }
        return page
    }
}
