/// The environment department's automatic air-monitoring stations (SensorThings Things) and their sensors
/// (Datastreams): twelve stations across the merged province, six pollutants each except the mountain station
/// (particles and ozone only). Positions are plausible sites, not surveyed ones.
///
/// Planted traps: station BG-03 reports carbon monoxide in mg/m³ (the others in µg/m³), station BN-05 writes its
/// unit with the Greek letter mu (μg/m³) instead of the micro sign (µg/m³), and station BN-04's NO₂ sensor sticks at
/// zero for twelve hours (see `AirFeed`).
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

enum AirStations {
    static let all: [AirStation] = {
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

    static let datastreams: [AirDatastream] = {
        var result: [AirDatastream] = []
        for station in all {
            for pollutant in station.pollutants {
                let symbol =
                    station.code == "BG-03" && pollutant == .co ? "mg/m³" : station.code == "BN-05" ? "μg/m³" : "µg/m³"
                result.append(AirDatastream(id: result.count + 1, station: station, pollutant: pollutant, unitSymbol: symbol))
            }
        }
        return result
    }()
}
