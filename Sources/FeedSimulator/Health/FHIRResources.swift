import Foundation

/// The register's resources and events as a FHIR server lists them at one generation.
extension FacilityRegister {
    /// One resource version: its type, id, lastUpdated and JSON.
    struct Resource: Sendable {
        let type: String
        let id: String
        let lastUpdated: Int64
        let json: String
        /// The Organization a Location is managed by (for `_include=Location:organization`).
        let managingOrganization: String?
    }

    /// One history event: a version written, or a deletion (no resource).
    struct Event: Sendable {
        let type: String
        let id: String
        let at: Int64
        let version: Int
        /// nil for a deletion.
        let resource: Resource?
    }

    /// The resources of `type` alive at `generation`, each at its latest version, sorted by (lastUpdated, id).
    func resources(_ type: String, at generation: Int) -> [Resource] {
        var result: [Resource] = []
        if type == "Organization" {
            result.append(departmentResource())
        }
        for k in facilities.indices where !deleted(k, at: generation) {
            guard let v = version(of: k, at: generation) else { continue }
            result.append(resource(type, k, version: v.number, lastUpdated: v.lastUpdated))
        }
        return result.sorted { ($0.lastUpdated, $0.id) < ($1.lastUpdated, $1.id) }
    }

    /// The history of `type` up to `generation`: every version written and every deletion, newest first.
    func history(_ type: String, at generation: Int) -> [Event] {
        var events: [Event] = []
        if type == "Organization" {
            let d = departmentResource()
            events.append(Event(type: type, id: d.id, at: d.lastUpdated, version: 1, resource: d))
        }
        for k in facilities.indices {
            let f = facilities[k]
            guard f.from <= generation else { continue }
            var number = 1
            var at = f.from == 0 ? Self.importInstants[k % 3] : Self.editInstant(f.from)
            let id = (type == "Organization" ? "org-" : "loc-") + f.code
            events.append(Event(type: type, id: id, at: at, version: 1, resource: resource(type, k, version: 1, lastUpdated: at)))
            if f.from < generation {
                for g in (f.from + 1)...generation where edited(k, at: g) && !(f.deletedAt.map { $0 < g } ?? false) {
                    number += 1
                    at = Self.editInstant(g)
                    events.append(Event(type: type, id: id, at: at, version: number, resource: resource(type, k, version: number, lastUpdated: at)))
                }
            }
            if let gone = f.deletedAt, gone <= generation {
                events.append(Event(type: type, id: id, at: Self.deleteInstant(gone), version: number + 1, resource: nil))
            }
        }
        return events.sorted { ($0.at, $0.id, $0.version) > ($1.at, $1.id, $1.version) }
    }

    private func departmentResource() -> Resource {
        let d = Self.department
        let json = "{\"resourceType\":\"Organization\",\"id\":\"\(d.id)\",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\"\(Timestamps.format(d.lastUpdated))\"},"
            + "\"active\":true,\"type\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/organization-type\",\"code\":\"govt\"}]}],"
            + "\"name\":\(JSONString.quote(d.name))}"
        return Resource(type: "Organization", id: d.id, lastUpdated: d.lastUpdated, json: json, managingOrganization: nil)
    }

    private func resource(_ type: String, _ k: Int, version: Int, lastUpdated: Int64) -> Resource {
        let f = facilities[k]
        let meta = "\"meta\":{\"versionId\":\"\(version)\",\"lastUpdated\":\"\(Timestamps.format(lastUpdated))\"}"
        let identifier = "\"identifier\":[{\"system\":\"\(Self.identifierSystem)\",\"value\":\"\(f.code)\"}]"
        let phone = "0204 38\(version % 10)\(Digits.padded(k % 1_000, width: 3))"
        if type == "Organization" {
            let typeText = f.kind == "station" ? "Trạm y tế" : f.kind == "health_centre" ? "Trung tâm y tế" : f.kind == "clinic" ? "Phòng khám" : "Bệnh viện"
            let parent = f.parent.map { "Organization/org-\($0)" } ?? "Organization/\(Self.department.id)"
            let json = "{\"resourceType\":\"Organization\",\"id\":\"org-\(f.code)\",\(meta),\(identifier),\"active\":true,"
                + "\"type\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/organization-type\",\"code\":\"prov\"}],"
                + "\"text\":\(JSONString.quote(typeText))}],\"name\":\(JSONString.quote(f.name)),"
                + "\"telecom\":[{\"system\":\"phone\",\"value\":\"\(phone)\"}],"
                + "\"address\":[{\"text\":\(JSONString.quote(f.addressText)),\"state\":\"Tỉnh Bắc Ninh\",\"country\":\"VN\"}],"
                + "\"partOf\":{\"reference\":\"\(parent)\"}}"
            return Resource(type: type, id: "org-\(f.code)", lastUpdated: lastUpdated, json: json, managingOrganization: nil)
        }
        let at = f.served
        let json = "{\"resourceType\":\"Location\",\"id\":\"loc-\(f.code)\",\(meta),\(identifier),\"status\":\"active\","
            + "\"name\":\(JSONString.quote(f.name)),\"mode\":\"instance\","
            + "\"address\":{\"text\":\(JSONString.quote(f.addressText)),\"state\":\"Tỉnh Bắc Ninh\",\"country\":\"VN\"},"
            + "\"position\":{\"longitude\":\(at.longitude),\"latitude\":\(at.latitude)},"
            + "\"managingOrganization\":{\"reference\":\"Organization/org-\(f.code)\"}}"
        return Resource(type: type, id: "loc-\(f.code)", lastUpdated: lastUpdated, json: json, managingOrganization: "org-\(f.code)")
    }
}
