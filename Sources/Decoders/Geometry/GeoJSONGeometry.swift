/// Turns a GeoJSON geometry object (RFC 7946 §3.1) into the extended WKT that PostGIS reads in COPY,
/// `SRID=9209;POLYGON((559642.2924 2343664.5786,…))`, tagged with the response's frame and with x first.
///
/// Coordinates keep their decimal text as the source wrote it (no rounding through `Double`); a third ordinate
/// (height) is dropped, so a staged geometry is always 2-D. It checks what PostGIS would refuse at COPY time, so
/// that one bad geometry rejects its record with a reason instead of failing the batch: a position with fewer
/// than two numbers, a line with fewer than two positions, a ring with fewer than four positions or not closed,
/// an unknown `type`, a `GeometryCollection` without `geometries`. Validity in the OGC sense (self-intersections,
/// slivers) is not its business: the transform checks it with `ST_IsValid` and repairs or rejects with a flag.
package enum GeoJSONGeometry {
    /// Why a geometry was refused (never quotes the coordinates).
    package struct Invalid: Error, Equatable, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    /// The EWKT of `json` in `frame`.
    package static func ewkt(_ json: String, frame: GeometryFrame) throws(Invalid) -> String {
        var text = json
        let result = text.withUTF8 { bytes -> Result<String, Invalid> in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return .failure(Invalid(reason: "empty geometry")) }
            do {
                var parser = Parser(cursor: JSONByteCursor(base: base, count: bytes.count))
                let node = try parser.geometry(depth: 0)
                guard parser.cursor.peek() == nil else { throw Invalid(reason: "bytes after the geometry object") }
                var out = "SRID=\(frame.srid);"
                out.reserveCapacity(bytes.count + 16)
                try Writer(base: base, swap: frame.latitudeFirst).write(node, into: &out)
                return .success(out)
            } catch let invalid as Invalid {
                return .failure(invalid)
            } catch {
                return .failure(Invalid(reason: String(describing: error)))
            }
        }
        return try result.get()
    }

    /// A parsed geometry: its type and its coordinates (or members).
    package indirect enum Node {
        case geometry(type: Kind, coordinates: Coordinates?)
        case collection([Node])
    }

    /// Nested coordinate arrays; numbers are spans of the source text.
    package indirect enum Coordinates {
        case number(start: Int, count: Int)
        case array([Coordinates])
    }

    package enum Kind: String {
        case point = "Point", lineString = "LineString", polygon = "Polygon"
        case multiPoint = "MultiPoint", multiLineString = "MultiLineString", multiPolygon = "MultiPolygon"

        var wkt: String {
            switch self {
            case .point: "POINT"
            case .lineString: "LINESTRING"
            case .polygon: "POLYGON"
            case .multiPoint: "MULTIPOINT"
            case .multiLineString: "MULTILINESTRING"
            case .multiPolygon: "MULTIPOLYGON"
            }
        }
    }

    package struct Parser {
        var cursor: JSONByteCursor
        static let maxDepth = 16

        mutating func geometry(depth: Int) throws(Invalid) -> Node {
            guard depth < Self.maxDepth else { throw Invalid(reason: "geometry collections nested too deeply") }
            guard cursor.peek() == UInt8(ascii: "{") else { throw Invalid(reason: "a geometry that is not an object") }
            cursor.i += 1
            var type: String?
            var coordinates: Coordinates?
            var members: [Node]?
            if !cursor.consume(UInt8(ascii: "}")) {
                repeat {
                    guard cursor.peek() == JSONByteCursor.quote else { throw Invalid(reason: "malformed geometry object") }
                    let key = try wrap { (c: inout JSONByteCursor) throws(DirectJSONFallback) in try c.readString() }
                    try wrap { (c: inout JSONByteCursor) throws(DirectJSONFallback) in try c.expect(UInt8(ascii: ":")) }
                    switch key {
                    case "type":
                        guard cursor.peek() == JSONByteCursor.quote else { throw Invalid(reason: "'type' that is not a string") }
                        type = try wrap { (c: inout JSONByteCursor) throws(DirectJSONFallback) in try c.readString() }
                    case "coordinates":
                        coordinates = try self.coordinates(depth: 0)
                    case "geometries":
                        guard cursor.peek() == UInt8(ascii: "[") else { throw Invalid(reason: "'geometries' that is not an array") }
                        cursor.i += 1
                        var list: [Node] = []
                        if !cursor.consume(UInt8(ascii: "]")) {
                            repeat { list.append(try geometry(depth: depth + 1)) } while try next(closing: "]")
                        }
                        members = list
                    default:
                        try wrap { (c: inout JSONByteCursor) throws(DirectJSONFallback) in try c.skipValue(depth: depth + 1) }
                    }
                } while try next(closing: "}")
            }
            guard let type else { throw Invalid(reason: "geometry without 'type'") }
            if type == "GeometryCollection" {
                guard let members else { throw Invalid(reason: "GeometryCollection without 'geometries'") }
                return .collection(members)
            }
            guard let kind = Kind(rawValue: type) else { throw Invalid(reason: "unknown geometry type '\(type.prefix(40))'") }
            return .geometry(type: kind, coordinates: coordinates)
        }

        mutating func coordinates(depth: Int) throws(Invalid) -> Coordinates {
            guard depth < 8 else { throw Invalid(reason: "coordinates nested too deeply") }
            guard let b = cursor.peek() else { throw Invalid(reason: "geometry ends inside its coordinates") }
            if b == UInt8(ascii: "[") {
                cursor.i += 1
                var items: [Coordinates] = []
                if cursor.consume(UInt8(ascii: "]")) { return .array(items) }
                repeat { items.append(try coordinates(depth: depth + 1)) } while try next(closing: "]")
                return .array(items)
            }
            let start = cursor.i
            guard scanNumber() else { throw Invalid(reason: "a coordinate that is not a number") }
            return .number(start: start, count: cursor.i - start)
        }

        /// A JSON number (RFC 8259 §6), whose text PostGIS's WKT reader also takes.
        mutating func scanNumber() -> Bool {
            let base = cursor.base
            let count = cursor.count
            var i = cursor.i
            func digit(_ k: Int) -> Bool { k < count && base[k] &- UInt8(ascii: "0") < 10 }
            if i < count, base[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { return false }
            if base[i] == UInt8(ascii: "0") { i += 1 } else { while digit(i) { i += 1 } }
            if i < count, base[i] == UInt8(ascii: ".") {
                i += 1
                guard digit(i) else { return false }
                while digit(i) { i += 1 }
            }
            if i < count, base[i] | 0x20 == UInt8(ascii: "e") {
                i += 1
                if i < count, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") { i += 1 }
                guard digit(i) else { return false }
                while digit(i) { i += 1 }
            }
            cursor.i = i
            return true
        }

        mutating func next(closing: Unicode.Scalar) throws(Invalid) -> Bool {
            try wrap { (c: inout JSONByteCursor) throws(DirectJSONFallback) in try c.next(closing: UInt8(ascii: closing)) }
        }

        /// Runs a cursor step, turning its complaint into a geometry's.
        mutating func wrap<T>(_ body: (inout JSONByteCursor) throws(DirectJSONFallback) -> T) throws(Invalid) -> T {
            do {
                return try body(&cursor)
            } catch {
                throw Invalid(reason: "malformed geometry JSON: \(error.reason)")
            }
        }
    }

    package struct Writer {
        let base: UnsafePointer<UInt8>
        let swap: Bool

        func write(_ node: Node, into out: inout String) throws(Invalid) {
            switch node {
            case .collection(let members):
                guard !members.isEmpty else {
                    out += "GEOMETRYCOLLECTION EMPTY"
                    return
                }
                out += "GEOMETRYCOLLECTION("
                for (k, member) in members.enumerated() {
                    if k > 0 { out += "," }
                    try write(member, into: &out)
                }
                out += ")"
            case .geometry(let kind, let coordinates):
                guard let coordinates else { throw Invalid(reason: "\(kind.rawValue) without 'coordinates'") }
                guard case .array(let items) = coordinates else { throw Invalid(reason: "'coordinates' that is not an array") }
                out += kind.wkt
                if items.isEmpty {
                    out += " EMPTY"
                    return
                }
                switch kind {
                case .point:
                    try position(coordinates, into: &out, parenthesised: true)
                case .lineString:
                    try line(items, minimum: 2, ring: false, into: &out)
                case .polygon:
                    try polygon(items, into: &out)
                case .multiPoint:
                    out += "("
                    for (k, item) in items.enumerated() {
                        if k > 0 { out += "," }
                        try position(item, into: &out, parenthesised: true)
                    }
                    out += ")"
                case .multiLineString:
                    out += "("
                    for (k, item) in items.enumerated() {
                        if k > 0 { out += "," }
                        guard case .array(let positions) = item else { throw Invalid(reason: "a line that is not an array") }
                        try line(positions, minimum: 2, ring: false, into: &out)
                    }
                    out += ")"
                case .multiPolygon:
                    out += "("
                    for (k, item) in items.enumerated() {
                        if k > 0 { out += "," }
                        guard case .array(let rings) = item, !rings.isEmpty else {
                            throw Invalid(reason: "a polygon of a MultiPolygon that is not an array of rings")
                        }
                        try polygon(rings, into: &out)
                    }
                    out += ")"
                }
            }
        }

        private func polygon(_ rings: [Coordinates], into out: inout String) throws(Invalid) {
            out += "("
            for (k, ring) in rings.enumerated() {
                if k > 0 { out += "," }
                guard case .array(let positions) = ring else { throw Invalid(reason: "a ring that is not an array") }
                try line(positions, minimum: 4, ring: true, into: &out)
            }
            out += ")"
        }

        private func line(_ positions: [Coordinates], minimum: Int, ring: Bool, into out: inout String) throws(Invalid) {
            guard positions.count >= minimum else {
                throw Invalid(reason: ring ? "a ring with fewer than 4 positions" : "a line with fewer than 2 positions")
            }
            if ring, let first = positions.first, let last = positions.last {
                guard try xy(first) == xy(last) else { throw Invalid(reason: "a ring that is not closed") }
            }
            out += "("
            for (k, item) in positions.enumerated() {
                if k > 0 { out += "," }
                try position(item, into: &out, parenthesised: false)
            }
            out += ")"
        }

        /// x and y as numbers (for the closing check).
        private func xy(_ position: Coordinates) throws(Invalid) -> [Double] {
            guard case .array(let numbers) = position, numbers.count >= 2 else {
                throw Invalid(reason: "a position with fewer than 2 numbers")
            }
            return numbers.prefix(2).compactMap { number -> Double? in
                guard case .number(let start, let count) = number else { return nil }
                return Double(String(decoding: UnsafeBufferPointer(start: base + start, count: count), as: UTF8.self))
            }
        }

        private func position(_ position: Coordinates, into out: inout String, parenthesised: Bool) throws(Invalid) {
            guard case .array(let numbers) = position, numbers.count >= 2,
                case .number(let xs, let xc) = numbers[0], case .number(let ys, let yc) = numbers[1]
            else { throw Invalid(reason: "a position that is not an array of 2 or 3 numbers") }
            let (first, second) = swap ? ((ys, yc), (xs, xc)) : ((xs, xc), (ys, yc))
            if parenthesised { out += "(" }
            out += String(decoding: UnsafeBufferPointer(start: base + first.0, count: first.1), as: UTF8.self)
            out += " "
            out += String(decoding: UnsafeBufferPointer(start: base + second.0, count: second.1), as: UTF8.self)
            if parenthesised { out += ")" }
        }
    }
}
