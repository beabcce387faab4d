import Foundation
import Hummingbird

/// OGC SensorThings API 1.1 as FROST-Server 2.x serves it, for the `air_quality_stations` and `air_quality` feeds
/// (open, no auth): `GET /sta/v1.1/Datastreams` (with `$expand=Thing($expand=Locations),ObservedProperty`) and
/// `GET /sta/v1.1/Datastreams({id})/Observations`.
///
/// What a client must get right, served as FROST does:
/// - `$top` defaults to 100 and is capped at 1,000; a page is also cut short when its body passes 16 KiB (FROST's
///   `maxDataSize`), with a next link: a short page is not the end, the absence of `@iot.nextLink` is;
/// - the next link is keyset: it carries `$skipFilter=(phenomenonTime gt T or (phenomenonTime eq T and id gt N))`
///   beside a `$skip` the server then ignores, so a client that rebuilds `$skip` URLs by hand skips the
///   observations of every short page;
/// - `$filter=phenomenonTime ge T` takes T unquoted (a quoted literal is FROST's HTTP 500, FROST-Server#1500);
/// - `$orderby` is `phenomenonTime,@iot.id` (the only order served); `$expand=Datastream($select=id)` adds the
///   Datastream's id to each observation.
struct SensorThingsRoutes {
    let simulator: FeedSimulator

    static let maxTop = 1_000
    static let defaultTop = 100
    static let maxDataSize = 16 << 10

    func register(on router: Router<BasicRequestContext>) {
        router.get("/sta/v1.1/Datastreams") { request, _ -> Response in
            let fault = try await simulator.admit(.air)
            if let rejection = Responses.rejection(for: fault) { return rejection }
            let query = ServletQuery.parameters(request)
            guard let top = Self.top(query["$top"].map(String.init)) else { return Self.badRequest("$top must be a positive integer") }
            let expand = query["$expand"].map(String.init) ?? ""
            var after = 0
            if let skipFilter = query["$skipFilter"].map(String.init) {
                guard let id = Self.idAfter(skipFilter) else { return Self.badRequest("unreadable $skipFilter") }
                after = id
            }
            let base = OGCFeatureRoutes.base(request)
            let feed = try simulator.air()
            let streams = feed.stations.datastreams.filter { $0.id > after }
            let page = streams.prefix(top)
            var body = "{\"value\":[" + page.map { Self.datastreamJSON($0, base: base, expand: expand) }.joined(separator: ",") + "]"
            if streams.count > page.count, let last = page.last {
                var parameters = [("$top", String(top)), ("$skip", String(top)), ("$skipFilter", "(id gt \(last.id))")]
                if !expand.isEmpty { parameters.insert(("$expand", expand), at: 0) }
                body += ",\"@iot.nextLink\":" + JSONString.quote(Self.link(base + "/sta/v1.1/Datastreams", parameters))
            }
            body += "}"
            return try await Responses.body(ByteBuffer(string: body), contentType: "application/json; charset=utf-8", fault: fault)
        }
        router.get("/sta/v1.1/:entity/Observations") { request, context -> Response in
            let fault = try await simulator.admit(.air)
            if let rejection = Responses.rejection(for: fault) { return rejection }
            let entity = context.parameters.get("entity") ?? ""
            guard entity.hasPrefix("Datastreams("), entity.hasSuffix(")"), let id = Int(entity.dropFirst(12).dropLast()),
                let stream = try simulator.air().stations.datastream(id: id)
            else {
                return Responses.error(.notFound, "not_found", "no such entity: \(entity)")
            }
            return try await observations(request, stream: stream, fault: fault)
        }
    }

    private func observations(_ request: Request, stream: AirDatastream, fault: Fault) async throws -> Response {
        let feed = try simulator.air()
        let query = ServletQuery.parameters(request)
        guard let top = Self.top(query["$top"].map(String.init)) else { return Self.badRequest("$top must be a positive integer") }
        if let order = query["$orderby"].map(String.init) {
            let folded = order.replacingOccurrences(of: " ", with: "").lowercased()
            guard ["phenomenontime", "phenomenontimeasc", "phenomenontime,id", "phenomenontimeasc,idasc", "phenomenontime,@iot.id",
                "phenomenontimeasc,@iot.idasc"].contains(folded)
            else {
                return Self.badRequest("this server orders observations by phenomenonTime,@iot.id only")
            }
        }
        var from = 0
        var filterText = ""
        if let filter = query["$filter"].map(String.init) {
            let prefix = "phenomenonTime ge "
            guard filter.hasPrefix(prefix) else { return Self.badRequest("unsupported $filter: \(filter.prefix(80))") }
            let literal = filter.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            if literal.hasPrefix("'") || literal.hasPrefix("\"") {
                // FROST compares a quoted literal as a string with a time: HTTP 500 (FraunhoferIOSB/FROST-Server#1500).
                return Responses.error(
                    .internalServerError, "internal_error", "Can not compare between Duration and String (time literals are unquoted)")
            }
            // The query was decoded as a servlet does, '+' as a space: an offset sent unencoded is unreadable.
            guard !literal.contains(" "), let time = Timestamps.parse(Substring(literal)) else {
                return Self.badRequest("unreadable time in $filter (an offset's '+' must be sent as %2B)")
            }
            from = feed.firstHour(endingAtOrAfter: time)
            filterText = filter
        }
        if let skipFilter = query["$skipFilter"].map(String.init) {
            guard let (time, _) = Self.timeAfter(skipFilter) else { return Self.badRequest("unreadable $skipFilter") }
            // Within one Datastream the id grows with the hour: the row after (T, id) is the hour after T.
            from = max(from, feed.firstHour(endingAtOrAfter: time + 1))
        } else if let skip = query["$skip"].flatMap({ Int(String($0)) }), skip > 0 {
            // Offset paging, as FROST does without a $skipFilter: skip that many visible observations.
            var skipped = 0
            var hour = from
            while skipped < skip {
                let batch = feed.visible(stream, generation: simulator.generation, from: hour, limit: skip - skipped)
                guard let last = batch.last else { hour = Int.max / 2; break }
                skipped += batch.count
                hour = last.hour + 1
            }
            from = hour
        }
        let expand = query["$expand"].map(String.init) ?? ""
        let withDatastream = expand.hasPrefix("Datastream")
        // The page's observations and one more (is there a next?), made a chunk at a time: a page cut at
        // maxDataSize holds a few dozen, and making the $top + 1 a client asked for would be wasted.
        var items: [String] = []
        var last: AirFeed.Observation? = nil
        var more = false
        var size = 0
        var hour = from
        let base = OGCFeatureRoutes.base(request)
        filling: while true {
            let chunk = feed.visible(stream, generation: simulator.generation, from: hour, limit: 64)
            for o in chunk {
                if items.count == top || size > Self.maxDataSize {
                    more = true
                    break filling
                }
                let json = Self.observationJSON(o, base: base, withDatastream: withDatastream)
                items.append(json)
                size += json.utf8.count
                last = o
            }
            guard let end = chunk.last, chunk.count == 64 else { break }
            hour = end.hour + 1
        }
        var body = "{\"value\":[" + items.joined(separator: ",") + "]"
        if more, let last {
            let t = Self.instant(last.phenomenonTime)
            var parameters: [(String, String)] = []
            if !filterText.isEmpty { parameters.append(("$filter", filterText)) }
            if !expand.isEmpty { parameters.append(("$expand", expand)) }
            parameters += [
                ("$orderby", "phenomenonTime asc,@iot.id asc"), ("$top", String(top)), ("$skip", String(items.count)),
                ("$skipFilter", "(phenomenonTime gt \(t) or (phenomenonTime eq \(t) and id gt \(last.id)))"),
            ]
            body += ",\"@iot.nextLink\":" + JSONString.quote(Self.link(base + "/sta/v1.1/Datastreams(\(stream.id))/Observations", parameters))
        }
        body += "}"
        return try await Responses.body(ByteBuffer(string: body), contentType: "application/json; charset=utf-8", fault: fault)
    }

    static func observationJSON(_ o: AirFeed.Observation, base: String, withDatastream: Bool) -> String {
        var json = "{\"@iot.selfLink\":\"\(base)/sta/v1.1/Observations(\(o.id))\",\"@iot.id\":\(o.id),"
            + "\"phenomenonTime\":\"\(instant(o.phenomenonTime))\",\"resultTime\":null,\"result\":\(number(o.result))"
        if withDatastream { json += ",\"Datastream\":{\"@iot.id\":\(o.datastream.id)}" }
        return json + "}"
    }

    static func datastreamJSON(_ d: AirDatastream, base: String, expand: String) -> String {
        let unitName = d.milligrams ? "milligram per cubic metre" : "microgram per cubic metre"
        let ucum = d.milligrams ? "mg/m3" : "ug/m3"
        var json = "{\"@iot.selfLink\":\"\(base)/sta/v1.1/Datastreams(\(d.id))\",\"@iot.id\":\(d.id),"
            + "\"name\":\(JSONString.quote("\(d.station.code) \(d.pollutant.rawValue)")),"
            + "\"description\":\(JSONString.quote("\(d.pollutant.rawValue), trung bình 1 giờ, \(d.station.name)")),"
            + "\"observationType\":\"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement\","
            + "\"unitOfMeasurement\":{\"name\":\(JSONString.quote(unitName)),\"symbol\":\(JSONString.quote(d.unitSymbol)),"
            + "\"definition\":\"http://unitsofmeasure.org/ucum.html#\(ucum)\"}"
        if expand.contains("Thing") {
            let s = d.station
            var thing = "{\"@iot.id\":\(s.thingID),\"name\":\(JSONString.quote(s.name)),\"description\":\"Trạm quan trắc tự động, liên tục\","
                + "\"properties\":{\"station_code\":\(JSONString.quote(s.code))}"
            if expand.contains("Locations") {
                thing += ",\"Locations\":[{\"@iot.id\":\(s.thingID),\"name\":\(JSONString.quote(s.code)),"
                    + "\"encodingType\":\"application/geo+json\","
                    + "\"location\":{\"type\":\"Point\",\"coordinates\":[\(s.longitude),\(s.latitude)]}}]"
            }
            json += ",\"Thing\":" + thing + "}"
        }
        if expand.contains("ObservedProperty") {
            json += ",\"ObservedProperty\":{\"@iot.id\":\(d.pollutant.eeaCode),\"name\":\(JSONString.quote(d.pollutant.rawValue)),"
                + "\"definition\":\(JSONString.quote(d.pollutant.definition))}"
        }
        return json + "}"
    }

    /// `2026-01-01T00:00:00.000Z`, as FROST writes instants.
    static func instant(_ epoch: Int64) -> String {
        let local = Timestamps.format(epoch - 7 * 3_600)
        return String(local.prefix(19)) + ".000Z"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) + ".0" : String(value)
    }

    static func top(_ text: String?) -> Int? {
        guard let text else { return defaultTop }
        guard let n = Int(text), n > 0 else { return nil }
        return min(n, maxTop)
    }

    /// `(id gt N)`.
    static func idAfter(_ filter: String) -> Int? {
        let trimmed = filter.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        guard trimmed.hasPrefix("id gt ") else { return nil }
        return Int(trimmed.dropFirst(6))
    }

    /// `(phenomenonTime gt T or (phenomenonTime eq T and id gt N))`.
    static func timeAfter(_ filter: String) -> (Int64, Int64)? {
        let parts = filter.components(separatedBy: " ")
        guard parts.count >= 10, parts[0] == "(phenomenonTime", parts[1] == "gt", let time = Timestamps.parse(Substring(parts[2])),
            let id = Int64(parts.last?.trimmingCharacters(in: CharacterSet(charactersIn: ")")) ?? "")
        else { return nil }
        return (time, id)
    }

    static func link(_ path: String, _ parameters: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return path + "?" + parameters.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)"
        }.joined(separator: "&")
    }

    static func badRequest(_ message: String) -> Response {
        Responses.error(.badRequest, "bad_request", message)
    }
}
