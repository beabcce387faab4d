import Foundation

/// The encodings `LegacyTextNormalizer` reads.
public enum LegacyEncoding: String, Sendable, Hashable, CaseIterable {
    /// Already Unicode (or plain ASCII): only NFC is applied.
    case unicode
    /// TCVN 5712:1993 "TCVN3"/ABC (.VnTime fonts): one byte per letter, lower case (capitals need the .VnTimeH font,
    /// which reuses the lower-case codes, so they come out lower case).
    case tcvn3
    /// VNI-Windows (VNI-Times fonts): a base letter followed by a mark byte (`aø` = à, `Tröôøng` = Trường).
    case vni
    /// Windows-1258: base letters with combining tone bytes (`Tr` ư ơ + grave `ng`).
    case windows1258 = "windows-1258"
}

/// Text converted from a legacy encoding.
public struct LegacyText: Sendable, Hashable {
    /// NFC Unicode text.
    public let text: String
    /// The encoding the input was read as.
    public let encoding: LegacyEncoding
}

/// `legacy_text`: TCVN3, VNI-Windows and Windows-1258 text to Unicode, with detection.
///
/// Legacy text usually reaches the pipeline already "decoded" as Windows-1252/Latin-1 (that is how a .VnTime or
/// VNI-Times document looks when read as an ordinary file: "Tr­êng TiÓu häc", "Tröôøng Tieåu hoïc"); the string
/// functions map each character back to its byte first. Raw bytes can be given too.
///
/// Detection decodes the text every way and scores the results: +2 per word that is a plausible Vietnamese
/// syllable carrying diacritics, −3 per leftover Latin-1 letter or symbol that Vietnamese does not use (µ ¾ ö ø
/// ï…), −4 per word with two tone marks. The best score wins; ties keep the text as it is. Text holding characters
/// that no single-byte encoding produces (ắ, ư as real Unicode, CJK…) is Unicode already.
public enum LegacyTextNormalizer {
    /// Converts `input`, detecting its encoding when `encoding` is nil.
    public static func normalize(_ input: String, encoding: LegacyEncoding? = nil)
        -> Result<LegacyText, NormalizationFailure>
    {
        if input.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            return .failure(.init(.empty, "no text"))
        }
        let chosen = encoding ?? detect(input)
        return .success(LegacyText(text: decode(input, from: chosen), encoding: chosen))
    }

    /// Decodes text that holds legacy bytes read as Windows-1252/Latin-1.
    public static func decode(_ input: String, from encoding: LegacyEncoding) -> String {
        if encoding == .unicode { return input.precomposedStringWithCanonicalMapping }
        return decode(units: wrappedUnits(input), from: encoding)
    }

    /// Decodes raw bytes.
    public static func decode(bytes: [UInt8], from encoding: LegacyEncoding) -> String {
        if encoding == .unicode { return String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping }
        return decode(units: bytes.map(UInt32.init), from: encoding)
    }

    /// The most plausible encoding of `input` (see the type's documentation).
    public static func detect(_ input: String) -> LegacyEncoding {
        var wrapped = true
        var high = false
        for s in input.unicodeScalars {
            if s.value >= 0x80 {
                high = true
                if s.value > 0xFF && LegacyTables.cp1252Specials[s.value] == nil { wrapped = false; break }
            }
        }
        guard wrapped && high else { return .unicode }
        let units = wrappedUnits(input)
        var best = LegacyEncoding.unicode
        var bestScore = score(input.precomposedStringWithCanonicalMapping)
        for e in [LegacyEncoding.tcvn3, .vni, .windows1258] {
            let s = score(decode(units: units, from: e))
            if s > bestScore { best = e; bestScore = s }
        }
        return best
    }

    /// Scalars ≤ 0xFF as bytes (Windows-1252 characters of 0x80–0x9F mapped back); others above 0xFF.
    static func wrappedUnits(_ input: String) -> [UInt32] {
        input.unicodeScalars.map { s in
            if s.value <= 0xFF { return s.value }
            if let b = LegacyTables.cp1252Specials[s.value] { return UInt32(b) }
            return s.value
        }
    }

    static func decode(units: [UInt32], from encoding: LegacyEncoding) -> String {
        var out = String.UnicodeScalarView()
        func put(_ v: UInt32) { if let s = Unicode.Scalar(v) { out.append(s) } }
        switch encoding {
        case .unicode:
            for u in units { put(u) }
        case .tcvn3:
            for u in units { put(u >= 0x80 && u <= 0xFF ? LegacyTables.tcvn3High[Int(u - 0x80)] : u) }
        case .windows1258:
            for u in units { put(u >= 0x80 && u <= 0xFF ? LegacyTables.cp1258High[Int(u - 0x80)] : u) }
        case .vni:
            decodeVNI(units, into: &out)
        }
        return String(out).precomposedStringWithCanonicalMapping
    }

    // VNI-Windows: single-unit letters, and marks that follow a base vowel.
    static let vniSingles: [UInt32: UInt32] = [
        0xF1: 0x0111, 0xD1: 0x0110,  // ñ Ñ → đ Đ
        0xF4: 0x01A1, 0xD4: 0x01A0,  // ô Ô → ơ Ơ
        0xF6: 0x01B0, 0xD6: 0x01AF,  // ö Ö → ư Ư
        0xED: 0x00ED, 0xCD: 0x00CD, 0xEC: 0x00EC, 0xCC: 0x00CC,  // í ì
        0xE6: 0x1EC9, 0xC6: 0x1EC8, 0xF3: 0x0129, 0xD3: 0x0128, 0xF2: 0x1ECB, 0xD2: 0x1ECA,  // ỉ ĩ ị
        0xEE: 0x1EF5, 0xCE: 0x1EF4,  // ỵ
    ]
    /// Tone marks (lower and upper-case forms): acute ù Ù, grave ø Ø, hook û Û, tilde õ Õ, dot ï Ï.
    static let vniTones: [UInt32: UInt32] = [
        0xF9: 0x0301, 0xD9: 0x0301, 0xF8: 0x0300, 0xD8: 0x0300, 0xFB: 0x0309, 0xDB: 0x0309,
        0xF5: 0x0303, 0xD5: 0x0303, 0xEF: 0x0323, 0xCF: 0x0323,
    ]
    /// Circumflex with an optional tone: â á à å ã ä (and capitals).
    static let vniCircumflex: [UInt32: UInt32] = [
        0xE2: 0, 0xC2: 0, 0xE1: 0x0301, 0xC1: 0x0301, 0xE0: 0x0300, 0xC0: 0x0300, 0xE5: 0x0309, 0xC5: 0x0309,
        0xE3: 0x0303, 0xC3: 0x0303, 0xE4: 0x0323, 0xC4: 0x0323,
    ]
    /// Breve with an optional tone: ê é è ú ü ë (and capitals).
    static let vniBreve: [UInt32: UInt32] = [
        0xEA: 0, 0xCA: 0, 0xE9: 0x0301, 0xC9: 0x0301, 0xE8: 0x0300, 0xC8: 0x0300, 0xFA: 0x0309, 0xDA: 0x0309,
        0xFC: 0x0303, 0xDC: 0x0303, 0xEB: 0x0323, 0xCB: 0x0323,
    ]

    static func decodeVNI(_ units: [UInt32], into out: inout String.UnicodeScalarView) {
        func put(_ v: UInt32) { if let s = Unicode.Scalar(v) { out.append(s) } }
        var i = 0
        while i < units.count {
            let u = units[i]
            i += 1
            let lower = u | 0x20
            let isBase = u < 0x80 && (lower == 0x61 || lower == 0x65 || lower == 0x6F || lower == 0x75 || lower == 0x79)
            let isHornBase = u == 0xF4 || u == 0xD4 || u == 0xF6 || u == 0xD6
            if isBase || isHornBase {
                put(isHornBase ? (vniSingles[u] ?? u) : u)
                guard i < units.count else { break }
                let next = units[i]
                if isBase && (lower == 0x61 || lower == 0x65 || lower == 0x6F), let tone = vniCircumflex[next] {
                    put(0x0302)
                    if tone != 0 { put(tone) }
                    i += 1
                } else if isBase && lower == 0x61, let tone = vniBreve[next] {
                    put(0x0306)
                    if tone != 0 { put(tone) }
                    i += 1
                } else if let tone = vniTones[next] {
                    put(tone)
                    i += 1
                }
                continue
            }
            put(vniSingles[u] ?? u)
        }
    }

    /// Plausibility of decoded text as Vietnamese (see the type's documentation).
    static func score(_ text: String) -> Int {
        let tables = VietLetterTables.shared
        var total = 0
        var word: [VietLetter] = []
        var tones = 0
        var marked = 0
        func endWord() {
            defer { word.removeAll(keepingCapacity: true); tones = 0; marked = 0 }
            guard marked > 0 else { return }
            if tones <= 1 && plausibleSyllable(word) { total += 2 } else { total -= 3 }
        }
        for s in text.unicodeScalars {
            let v = s.value
            if Int(v) < VietLetterTables.decodeLimit, tables.decode[Int(v)] != 0, v != 0xD0 {
                let d = tables.decode[Int(v)]
                let mark = UInt8((d >> 8) & 7)
                if (d >> 11) & 7 != 0 { tones += 1 }
                if mark != 0 || (d >> 11) & 7 != 0 { marked += 1 }
                word.append(VietLetter(base: UInt8(d & 0xFF), mark: mark, upper: false, raw: 0))
                continue
            }
            if v >= 0x41 && v <= 0x5A || v >= 0x61 && v <= 0x7A {
                word.append(VietLetter(base: UInt8(v | 0x20), mark: 0, upper: false, raw: 0))
                continue
            }
            endWord()
            if (v >= 0x80 && v <= 0xFF && !s.properties.isWhitespace) || (v >= 0x0300 && v <= 0x036F) { total -= 3 }
        }
        endWord()
        return total
    }

    static let initials: Set<String> = [
        "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p", "ph",
        "qu", "r", "s", "t", "th", "tr", "v", "x",
    ]
    static let finals: Set<String> = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]
    static let nuclei: Set<String> = [
        "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
        "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo",
        "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê",
        "iêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu",
    ]

    /// Whether letters (tone removed) form initial + nucleus + final of a Vietnamese syllable.
    static func plausibleSyllable(_ w: [VietLetter]) -> Bool {
        let tables = VietLetterTables.shared
        var s = String.UnicodeScalarView()
        for l in w { if let u = Unicode.Scalar(tables.scalar(l, tone: 0, upper: false)) { s.append(u) } }
        let letters = Array(String(s))
        var i = 0
        while i < letters.count && !"aăâeêioôơuưy".contains(letters[i]) { i += 1 }
        var initial = String(letters[0..<i])
        if initial == "q" && i < letters.count && letters[i] == "u" { initial = "qu"; i += 1 }
        if initial == "g" && i + 1 < letters.count && letters[i] == "i" && "aăâeêoôơuưy".contains(letters[i + 1]) {
            initial = "gi"
            i += 1
        }
        var j = i
        while j < letters.count && "aăâeêioôơuưy".contains(letters[j]) { j += 1 }
        let nucleus = String(letters[i..<j])
        let final = String(letters[j...])
        return initials.contains(initial) && finals.contains(final) && (nuclei.contains(nucleus) || (nucleus.isEmpty && initial == "gi"))
    }
}
