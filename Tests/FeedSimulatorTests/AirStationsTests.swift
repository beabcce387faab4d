import FeedSimulator
import Foundation
import XCTest

/// `--air-stations`: the twelve listed stations serve what they always did, the generated ones add six sensors each
/// inside the province's bounding box, and a station does not change with the count.
final class AirStationsTests: XCTestCase {
    struct Sensor: Equatable {
        let id: Int
        let station: String
        let name: String
        let pollutant: String
        let unit: String
        let longitude: Double
        let latitude: Double
    }

    /// Every Datastream the simulator lists, following the next links.
    func datastreams(_ sim: RunningSimulator) async throws -> [Sensor] {
        var path: String? = "/sta/v1.1/Datastreams?$top=100&$expand=Thing($expand=Locations),ObservedProperty"
        var result: [Sensor] = []
        while let next = path {
            let answer = try await sim.client.send("GET", next)
            XCTAssertEqual(answer.status, 200)
            let page = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
            for value in try XCTUnwrap(page["value"] as? [[String: Any]]) {
                let thing = try XCTUnwrap(value["Thing"] as? [String: Any])
                let location = try XCTUnwrap((thing["Locations"] as? [[String: Any]])?.first?["location"] as? [String: Any])
                let coordinates = try XCTUnwrap(location["coordinates"] as? [Double])
                result.append(Sensor(
                    id: try XCTUnwrap(value["@iot.id"] as? Int),
                    station: try XCTUnwrap((thing["properties"] as? [String: Any])?["station_code"] as? String),
                    name: try XCTUnwrap(thing["name"] as? String),
                    pollutant: try XCTUnwrap((value["ObservedProperty"] as? [String: Any])?["name"] as? String),
                    unit: try XCTUnwrap((value["unitOfMeasurement"] as? [String: Any])?["symbol"] as? String),
                    longitude: coordinates[0], latitude: coordinates[1]))
            }
            path = (page["@iot.nextLink"] as? String).map { String($0.dropFirst(sim.baseURL.count)) }
        }
        return result
    }

    func testGeneratedStationsExtendTheListedOnesWithoutChangingThem() async throws {
        let listed = try await RunningSimulator.start(.init(seed: 5))
        let twelve = try await datastreams(listed)
        await listed.stop()
        XCTAssertEqual(twelve.count, 69, "12 stations, the mountain station with 3 sensors")
        XCTAssertEqual(Set(twelve.map(\.station)).count, 12)

        let more = try await RunningSimulator.start(.init(seed: 5, airStations: 20))
        let twenty = try await datastreams(more)
        let observations = try await more.client.send("GET", "/sta/v1.1/Datastreams(\(twenty.count))/Observations?$top=5")
        let beyond = try await more.client.send("GET", "/sta/v1.1/Datastreams(\(twenty.count + 1))/Observations")
        await more.stop()
        XCTAssertEqual(twenty.count, 69 + 8 * 6)
        XCTAssertEqual(Array(twenty.prefix(69)), twelve, "the twelve listed stations serve the same sensors")
        XCTAssertEqual(twenty.map(\.id), Array(1...twenty.count))
        let generated = twenty.dropFirst(69)
        XCTAssertEqual(
            Set(generated.map(\.station)), ["BN-07", "BG-07", "BN-08", "BG-08", "BN-09", "BG-09", "BN-10", "BG-10"])
        XCTAssertEqual(Set(twenty.map(\.name)).count, 20, "every station has its own name")
        for sensor in generated {
            XCTAssertTrue((105.95...106.45).contains(sensor.longitude) && (21.05...21.40).contains(sensor.latitude), "\(sensor)")
            XCTAssertEqual(sensor.unit, "µg/m³")
        }
        for station in Set(generated.map(\.station)) {
            XCTAssertEqual(
                Set(generated.filter { $0.station == station }.map(\.pollutant)), ["PM2.5", "PM10", "O3", "CO", "NO2", "SO2"])
        }
        XCTAssertEqual(observations.status, 200)
        XCTAssertTrue(String(decoding: observations.body, as: UTF8.self).contains("\"phenomenonTime\""))
        XCTAssertEqual(beyond.status, 404)

        XCTAssertThrowsError(try FeedSimulator(configuration: .init(airStations: 0)))
        XCTAssertThrowsError(try FeedSimulator(configuration: .init(airStations: 201)))
    }
}
