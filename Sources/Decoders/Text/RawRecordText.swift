/// The raw text of a record for `citypipe.rejects.raw` when the source's own bytes are not at hand (JSON and
/// XML records): its fields as `path=value` lines, in source order. Personal data: never logged.
package enum RawRecordText {
    /// `path=value` lines (a nil value as empty).
    package static func lines(_ fields: [(String, String?)]) -> String {
        fields.map { "\($0.0)=\($0.1 ?? "")" }.joined(separator: "\n")
    }
}
