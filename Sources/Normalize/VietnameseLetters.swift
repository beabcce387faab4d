import Foundation

/// One letter of Vietnamese text split into its parts: an ASCII base, a vowel/consonant modifier, and the case.
/// The tone mark belongs to the syllable, not the letter (see `VietnameseSyllable`).
struct VietLetter: Sendable, Equatable {
    /// ASCII lower-case base (`a`…`z`) or an ASCII digit; 0 for a letter outside the Vietnamese alphabet.
    var base: UInt8
    /// 0 none, 1 circumflex (â ê ô), 2 breve (ă), 3 horn (ơ ư), 4 stroke (đ).
    var mark: UInt8
    /// Upper case in the input.
    var upper: Bool
    /// The scalar itself for letters outside the Vietnamese alphabet (`base == 0`).
    var raw: UInt32

    static let circumflex: UInt8 = 1
    static let breve: UInt8 = 2
    static let horn: UInt8 = 3
    static let stroke: UInt8 = 4

    /// `a e i o u y`.
    var isVowel: Bool {
        switch base {
        case 0x61, 0x65, 0x69, 0x6F, 0x75, 0x79: return true
        default: return false
        }
    }
}

/// Tables between Unicode scalars and (base, modifier, tone, case), built once from Unicode's own canonical
/// compositions (so every precomposed Vietnamese letter of U+00C0–U+1EF9 is covered, in both directions).
///
/// Tones: 0 none (ngang), 1 grave (huyền), 2 hook above (hỏi), 3 tilde (ngã), 4 acute (sắc), 5 dot below (nặng).
struct VietLetterTables: Sendable {
    /// For scalars below `decodeLimit`: `1 << 31 | upper << 14 | tone << 11 | mark << 8 | base`, or 0.
    let decode: [UInt32]
    /// Scalar for `(base - 0x61, mark, tone, upper)`, or 0 where no such letter exists.
    let compose: [UInt32]
    static let decodeLimit = 0x1F00

    static let shared = VietLetterTables()

    static func composeIndex(base: UInt8, mark: UInt8, tone: UInt8, upper: Bool) -> Int {
        ((Int(base &- 0x61) * 5 + Int(mark)) * 6 + Int(tone)) * 2 + (upper ? 1 : 0)
    }

    private init() {
        var decode = [UInt32](repeating: 0, count: VietLetterTables.decodeLimit)
        var compose = [UInt32](repeating: 0, count: 26 * 5 * 6 * 2)
        let markScalars: [UInt8: UInt32] = [1: 0x0302, 2: 0x0306, 3: 0x031B, 4: 0]
        let toneScalars: [UInt32] = [0, 0x0300, 0x0309, 0x0303, 0x0301, 0x0323]
        let allowed: [UInt8: [UInt8]] = [
            0x61: [0, 1, 2], 0x65: [0, 1], 0x6F: [0, 1, 3], 0x75: [0, 3], 0x69: [0], 0x79: [0],
        ]
        for base in UInt8(0x61)...UInt8(0x7A) {
            let marks = allowed[base] ?? (base == 0x64 ? [0, 4] : [0])
            let tones: [UInt8] = allowed[base] != nil ? [0, 1, 2, 3, 4, 5] : [0]
            for mark in marks {
                for tone in tones {
                    for upper in [false, true] {
                        let scalar: UInt32
                        if mark == 4 {
                            scalar = upper ? 0x0110 : 0x0111
                        } else {
                            var s = String.UnicodeScalarView()
                            s.append(Unicode.Scalar(upper ? base - 0x20 : base))
                            if let m = markScalars[mark], m != 0, let u = Unicode.Scalar(m) { s.append(u) }
                            if tone != 0, let u = Unicode.Scalar(toneScalars[Int(tone)]) { s.append(u) }
                            let composed = String(s).precomposedStringWithCanonicalMapping.unicodeScalars
                            guard composed.count == 1, let only = composed.first else { continue }
                            scalar = only.value
                        }
                        compose[VietLetterTables.composeIndex(base: base, mark: mark, tone: tone, upper: upper)] = scalar
                        if Int(scalar) < VietLetterTables.decodeLimit {
                            decode[Int(scalar)] =
                                1 << 31 | (upper ? 1 << 14 : 0) | UInt32(tone) << 11 | UInt32(mark) << 8 | UInt32(base)
                        }
                    }
                }
            }
        }
        // Look-alikes of Đ found in converted legacy text: Latin capital eth and African D.
        decode[0x00D0] = 1 << 31 | 1 << 14 | 4 << 8 | 0x64
        decode[0x0189] = 1 << 31 | 1 << 14 | 4 << 8 | 0x64
        self.decode = decode
        self.compose = compose
    }

    /// The scalar for a letter with a tone, falling back to the letter without tone (never 0 for a valid base).
    @inline(__always)
    func scalar(_ letter: VietLetter, tone: UInt8, upper: Bool) -> UInt32 {
        if letter.base == 0 { return letter.raw }
        if letter.base < 0x61 { return UInt32(letter.base) }
        let c = compose[VietLetterTables.composeIndex(base: letter.base, mark: letter.mark, tone: tone, upper: upper)]
        if c != 0 { return c }
        let plain = compose[VietLetterTables.composeIndex(base: letter.base, mark: letter.mark, tone: 0, upper: upper)]
        return plain != 0 ? plain : UInt32(upper ? letter.base - 0x20 : letter.base)
    }
}

/// Combining marks that Vietnamese text uses in decomposed form (NFD, or Windows-1258 style).
@inline(__always)
func vietCombining(_ v: UInt32) -> (tone: UInt8, mark: UInt8)? {
    switch v {
    case 0x0300, 0x0340: return (1, 0)
    case 0x0309: return (2, 0)
    case 0x0303: return (3, 0)
    case 0x0301, 0x0341: return (4, 0)
    case 0x0323: return (5, 0)
    case 0x0302: return (0, 1)
    case 0x0306: return (0, 2)
    case 0x031B: return (0, 3)
    default: return nil
    }
}
