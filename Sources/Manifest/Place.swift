/// `place`: how the transform stage places a feed's records in a post-2025 ward.
///
/// ```yaml
/// place:
///   province: "24"                  # the province the feed is about (post-2025 GSO code)
///   fields: [ward_code, address]    # the admin-unit fields that say where a record is, most trusted first
/// ```
///
/// Every field with the `vn_admin_unit` semantic is read; together they give the record's ward (`_ward` in
/// `core.clean_FEED`): a code narrowed by the address text when the old unit was split, a unit name that several
/// units of the country share settled by the province. Without `fields`, the feed's `vn_admin_unit` fields in
/// declaration order.
public struct PlaceSpec: Codable, Hashable, Sendable {
    /// Post-2025 GSO province code the records are about: names shared by several units of the country are read
    /// as the one in this province when exactly one is there.
    public var province: String?
    /// The `vn_admin_unit` fields that place a record, most trusted first (a conflict keeps the first one's ward
    /// and is flagged).
    public var fields: [String]?

    /// A place specification; both keys optional.
    public init(province: String? = nil, fields: [String]? = nil) {
        self.province = province
        self.fields = fields
    }
}
