/// The environment department's automatic air-monitoring stations (SensorThings Things) and their sensors
/// (Datastreams): twelve stations across the merged province, six pollutants each except the mountain station
/// (particles and ozone only), and for benchmarks up to 188 generated ones (`--air-stations`). Positions are
/// plausible sites, not surveyed ones.
///
/// Planted traps: station BG-03 reports carbon monoxide in mg/m³ (the others in µg/m³), station BN-05 writes its
/// unit with the Greek letter mu (μg/m³) instead of the micro sign (µg/m³), and station BN-04's NO₂ sensor sticks at
/// zero for twelve hours (see `AirFeed`). The generated stations have no trap.
struct AirStation: Sendable {
    let thingID: Int
    let code: String
    let name: String
    let longitude: Double
    let latitude: Double
    let pollutants: [AirPollutant]
}

/// A pollutant as the stations name it (ObservedProperty), with the EEA air-quality vocabulary's code.
enum AirPollutant: String, Sendable, CaseIterable {
    case pm25 = "PM2.5", pm10 = "PM10", o3 = "O3", co = "CO", no2 = "NO2", so2 = "SO2"

    /// http://dd.eionet.europa.eu/vocabulary/aq/pollutant/{code}
    var eeaCode: Int {
        switch self {
        case .so2: 1
        case .pm10: 5
        case .o3: 7
        case .no2: 8
        case .co: 10
        case .pm25: 6001
        }
    }

    var definition: String { "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/\(eeaCode)" }

    /// A typical hourly level in µg/m³ for a northern-delta winter (base before the daily and hourly swings).
    var typical: Double {
        switch self {
        case .pm25: 45
        case .pm10: 70
        case .o3: 60
        case .co: 1_200
        case .no2: 40
        case .so2: 15
        }
    }
}

/// One sensor of a station: a Datastream with its declared unit.
struct AirDatastream: Sendable {
    let id: Int
    let station: AirStation
    let pollutant: AirPollutant
    /// Symbol as the Datastream's `unitOfMeasurement.symbol` declares it.
    let unitSymbol: String
    /// True when values are in mg/m³ (to be multiplied by 1,000 for µg/m³).
    var milligrams: Bool { unitSymbol == "mg/m³" }
}

/// The stations a simulator serves and their sensors: the twelve listed stations (with the planted traps), then, when
/// `--air-stations` asks for more, generated ones. Station `k` (and its sensors' ids) is the same whatever the count,
/// so the default twelve serve exactly what they served before the option existed.
struct AirStations: Sendable {
    /// The listed stations (and the default count).
    static let listedCount = 12
    /// Largest `--air-stations`.
    static let maxCount = 200
    /// Where generated stations are placed: the province's bounding box (longitude, latitude).
    static let generatedLongitudes = 105.95...106.45
    static let generatedLatitudes = 21.05...21.40

    let all: [AirStation]
    let datastreams: [AirDatastream]

    /// The first `count` stations (1…200): the twelve listed, then generated ones.
    init(count: Int = AirStations.listedCount) {
        precondition((1...Self.maxCount).contains(count), "--air-stations must be in 1…\(Self.maxCount)")
        all = Array((Self.listed + (Self.listedCount..<max(count, Self.listedCount)).map(Self.generated)).prefix(count))
        var streams: [AirDatastream] = []
        for station in all {
            for pollutant in station.pollutants {
                let symbol =
                    station.code == "BG-03" && pollutant == .co ? "mg/m³" : station.code == "BN-05" ? "μg/m³" : "µg/m³"
                streams.append(AirDatastream(id: streams.count + 1, station: station, pollutant: pollutant, unitSymbol: symbol))
            }
        }
        datastreams = streams
    }

    /// The Datastream with id `id` (ids are 1, 2, … in order), nil for none.
    func datastream(id: Int) -> AirDatastream? {
        (1...datastreams.count).contains(id) ? datastreams[id - 1] : nil
    }

    private static let listed: [AirStation] = {
        let full = AirPollutant.allCases
        let sites: [(String, String, Double, Double)] = [
            ("BN-01", "Trạm quan trắc không khí tự động Kinh Bắc", 106.0763, 21.1861),
            ("BN-02", "Trạm quan trắc không khí tự động Từ Sơn", 105.9606, 21.1175),
            ("BN-03", "Trạm quan trắc không khí tự động Quế Võ", 106.1536, 21.1469),
            ("BN-04", "Trạm quan trắc không khí tự động Thuận Thành", 106.0833, 21.0575),
            ("BN-05", "Trạm quan trắc không khí tự động Yên Phong", 105.9590, 21.2040),
            ("BN-06", "Trạm quan trắc không khí tự động Gia Bình", 106.1878, 21.0556),
            ("BG-01", "Trạm quan trắc không khí tự động Bắc Giang", 106.1947, 21.2731),
            ("BG-02", "Trạm quan trắc không khí tự động Việt Yên", 106.0990, 21.2690),
            ("BG-03", "Trạm quan trắc không khí tự động Lục Nam", 106.3900, 21.2930),
            ("BG-04", "Trạm quan trắc không khí tự động Lạng Giang", 106.2480, 21.3630),
            ("BG-05", "Trạm quan trắc không khí tự động Yên Dũng", 106.2450, 21.2100),
            ("BG-06", "Trạm quan trắc không khí tự động Sơn Động", 106.8430, 21.3370),
        ]
        return sites.enumerated().map { index, site in
            AirStation(
                thingID: index + 1, code: site.0, name: site.1, longitude: site.2, latitude: site.3,
                pollutants: site.0 == "BG-06" ? [.pm25, .pm10, .o3] : full)
        }
    }()

    /// Station `index` (from 12 on): six pollutants in µg/m³, placed by a Halton sequence (bases 2 and 3) over the
    /// bounding box, so that any count spreads evenly and station `index` does not move when the count changes;
    /// coded BN-07, BG-07, BN-08, BG-08, … (the two old provinces in turn), to the ten-thousandth of a degree.
    private static func generated(_ index: Int) -> AirStation {
        let n = index - listedCount + 1
        let longitude = generatedLongitudes.lowerBound + halton(n, base: 2) * (generatedLongitudes.upperBound - generatedLongitudes.lowerBound)
        let latitude = generatedLatitudes.lowerBound + halton(n, base: 3) * (generatedLatitudes.upperBound - generatedLatitudes.lowerBound)
        let number = 6 + (n + 1) / 2
        let code = (n % 2 == 1 ? "BN-" : "BG-") + (number < 10 ? "0" : "") + String(number)
        return AirStation(
            thingID: index + 1, code: code, name: "Trạm quan trắc không khí tự động \(code)",
            longitude: (longitude * 10_000).rounded() / 10_000, latitude: (latitude * 10_000).rounded() / 10_000,
            pollutants: AirPollutant.allCases)
    }

    /// The radical inverse of `n` in `base`: 1/2, 1/4, 3/4, … (base 2); 1/3, 2/3, 1/9, … (base 3).
    private static func halton(_ n: Int, base: Int) -> Double {
        var result = 0.0
        var fraction = 1.0 / Double(base)
        var i = n
        while i > 0 {
            result += Double(i % base) * fraction
            i /= base
            fraction /= Double(base)
        }
        return result
    }
}
