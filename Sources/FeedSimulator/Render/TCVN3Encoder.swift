import Normalize

/// Unicode → TCVN3 (TCVN 5712:1993) bytes, the inverse of Normalize's TCVN3 decoder (built from it), for the
/// simulated exports of offices still on legacy-font spreadsheets. A letter with no byte of its own is written
/// as its base letter and a combining tone byte, which TCVN3 also has.
struct TCVN3Encoder: Sendable {
    private let bytes: [Unicode.Scalar: UInt8]

    init() {
        var bytes: [Unicode.Scalar: UInt8] = [:]
        for b in 0x80...0xFF {
            let decoded = LegacyTextNormalizer.decode(bytes: [UInt8(b)], from: .tcvn3).unicodeScalars
            if decoded.count == 1, let scalar = decoded.first, bytes[scalar] == nil { bytes[scalar] = UInt8(b) }
        }
        self.bytes = bytes
    }

    static let tones: Set<UInt32> = [0x0300, 0x0301, 0x0303, 0x0309, 0x0323]

    /// The TCVN3 bytes of `text` (NFC first); nil when a character has no TCVN3 form.
    func encode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        for character in text.precomposedStringWithCanonicalMapping {
            for scalar in String(character).unicodeScalars {
                if scalar.value < 0x80 {
                    out.append(UInt8(scalar.value))
                } else if let b = bytes[scalar] {
                    out.append(b)
                } else {
                    // Base letter (with its circumflex, breve or horn) then the tone mark.
                    let parts = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
                    let tone = parts.filter { Self.tones.contains($0.value) }
                    var base = String.UnicodeScalarView()
                    base.append(contentsOf: parts.filter { !Self.tones.contains($0.value) })
                    let composed = String(base).precomposedStringWithCanonicalMapping.unicodeScalars
                    guard tone.count == 1, composed.count == 1, let b = composed.first, let t = tone.first else { return nil }
                    guard let baseByte = b.value < 0x80 ? UInt8(b.value) : bytes[b], let toneByte = bytes[t] else { return nil }
                    out += [baseByte, toneByte]
                }
            }
        }
        return out
    }
}
