import Foundation

/// Where the tone mark goes in the open syllables `oa`, `oe`, `uy` (the only place the two conventions differ).
///
/// - `modern`: on the main vowel — "hoà", "hoè", "thuỷ" (the 2018 Ministry of Education draft; what the GSO
///   reference data shipped with CityPipe uses, e.g. "Phường Cảnh Thuỵ", "Xã Đông Hoà").
/// - `traditional`: on the first vowel — "hòa", "hòe", "thủy".
///
/// Both place the mark on a vowel carrying a modifier (ă â ê ô ơ ư; on ơ in ươ), on the second vowel when a final
/// consonant follows ("hoàn", "quyết"), on the middle of three vowels ("hoài", "khuỷu"), and on the first of the
/// falling diphthongs ("mùa", "núi", "mía", "cháy").
public enum TonePlacement: Sendable {
    /// "hoà", "hoè", "thuỷ" (CityPipe's canonical form).
    case modern
    /// "hòa", "hòe", "thủy".
    case traditional
}

/// The outcome of one pass of `VietnameseText.process`.
struct VietTextOutput: Sendable {
    /// NFC text, one tone placement, spaces collapsed, case as asked.
    var text: String
    /// Folded key: ASCII lower case, `đ` → `d`, words separated by one space.
    var key: String
    /// Letters seen (Vietnamese or not).
    var letters = 0
    /// ASCII digits seen.
    var digits = 0
    /// Characters that are neither letters, digits, spaces nor allowed punctuation.
    var symbols = 0
    /// Any tone or vowel modifier (or đ) in the input.
    var hasDiacritics = false
    /// Letters outside the Vietnamese alphabet (ç, ü, ß, CJK…) were kept as they are.
    var foreign = false
    /// A syllable carried two tone marks (the first was kept).
    var multipleTones = false
    /// A tone mark had to be moved to follow the chosen placement.
    var movedTones = 0
    /// A look-alike of Đ (Ð U+00D0, Ɖ U+0189) was read as Đ.
    var lookalikeD = false
}

/// The single pass behind person names and administrative-unit keys: decomposes every Vietnamese letter (NFC or NFD
/// input, Windows-1258 style combining tones included), re-places each syllable's tone, re-composes to NFC, sets the
/// case and builds the folded key, without Foundation on the common path.
enum VietnameseText {
    /// How to set the case.
    enum CaseMode: Sendable {
        /// Upper-case the first letter of every word (after a space or hyphen), lower-case the rest; a letter right
        /// after an apostrophe keeps its case ("H'Hen", "M'ri").
        case proper
        /// Everything lower case.
        case lower
    }

    /// What to do with characters that are neither letters, digits nor spaces.
    enum PunctuationMode: Sendable {
        /// Keep `-`, `'` (and `’`, written as `'`), `.`; count anything else as a symbol and drop it.
        case keepNamePunctuation
        /// Treat every such character as a space.
        case asSpace
    }

    static func process(
        _ input: String, case caseMode: CaseMode, punctuation: PunctuationMode, style: TonePlacement = .modern
    ) -> VietTextOutput {
        var (out, text, key) = processBytes(input, case: caseMode, punctuation: punctuation, style: style)
        if out.foreign {
            out.text = String(decoding: text, as: UTF8.self).precomposedStringWithCanonicalMapping
            out.key = String(decoding: key, as: UTF8.self).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        } else {
            out.text = String(decoding: text, as: UTF8.self)
            out.key = String(decoding: key, as: UTF8.self)
        }
        return out
    }

    /// `process` without building strings: the statistics (with empty `text` and `key`), and the UTF-8 of the text
    /// and of the key. When `foreign` is set the bytes are not yet NFC/folded for the foreign letters.
    static func processBytes(
        _ input: String, case caseMode: CaseMode, punctuation: PunctuationMode, style: TonePlacement = .modern
    ) -> (VietTextOutput, [UInt8], [UInt8]) {
        let tables = VietLetterTables.shared
        var out = VietTextOutput(text: "", key: "")
        var text: [UInt8] = []
        var key: [UInt8] = []
        text.reserveCapacity(input.utf8.count + 8)
        key.reserveCapacity(input.utf8.count)
        var word: [VietLetter] = []
        word.reserveCapacity(16)
        var tone: UInt8 = 0
        var toneAt = -1
        var pendingSpace = false
        var keyPendingSpace = false
        // 0 lower, 1 upper, 2 keep (after an apostrophe)
        var firstCase: UInt8 = 1

        func flush() {
            guard !word.isEmpty else { return }
            if pendingSpace && !text.isEmpty { text.append(0x20) }
            pendingSpace = false
            if keyPendingSpace && !key.isEmpty { key.append(0x20) }
            keyPendingSpace = false
            var at = -1
            if tone != 0 {
                at = VietnameseText.tonePosition(word, style: style) ?? toneAt
                if at != toneAt { out.movedTones += 1 }
            }
            for i in 0..<word.count {
                let letter = word[i]
                let upper: Bool
                switch caseMode {
                case .lower: upper = false
                case .proper:
                    if i == 0 { upper = firstCase == 2 ? letter.upper : firstCase == 1 } else { upper = false }
                }
                if letter.base == 0 {
                    out.foreign = true
                    if let s = Unicode.Scalar(letter.raw) {
                        let mapped = upper ? s.properties.uppercaseMapping : s.properties.lowercaseMapping
                        text.append(contentsOf: Array(mapped.utf8))
                        key.append(contentsOf: Array(s.properties.lowercaseMapping.utf8))
                    }
                    continue
                }
                putUTF8(tables.scalar(letter, tone: i == at ? tone : 0, upper: upper), &text)
                key.append(letter.base)
            }
            word.removeAll(keepingCapacity: true)
            tone = 0
            toneAt = -1
            firstCase = 0
        }

        for scalar in input.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                switch v {
                case 0x41...0x5A:
                    word.append(VietLetter(base: UInt8(v) + 0x20, mark: 0, upper: true, raw: 0))
                    out.letters += 1
                    continue
                case 0x61...0x7A:
                    word.append(VietLetter(base: UInt8(v), mark: 0, upper: false, raw: 0))
                    out.letters += 1
                    continue
                case 0x30...0x39:
                    word.append(VietLetter(base: UInt8(v), mark: 0, upper: false, raw: 0))
                    out.digits += 1
                    continue
                case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C:
                    let hadWord = !word.isEmpty
                    flush()
                    if hadWord || !text.isEmpty { pendingSpace = true }
                    keyPendingSpace = true
                    firstCase = 1
                    continue
                default:
                    break
                }
            } else if Int(v) < VietLetterTables.decodeLimit {
                let d = tables.decode[Int(v)]
                if d != 0 {
                    let mark = UInt8((d >> 8) & 7)
                    let t = UInt8((d >> 11) & 7)
                    word.append(VietLetter(base: UInt8(d & 0xFF), mark: mark, upper: d & (1 << 14) != 0, raw: 0))
                    out.letters += 1
                    if v == 0xD0 || v == 0x189 { out.lookalikeD = true }
                    if mark != 0 || t != 0 { out.hasDiacritics = true }
                    if t != 0 {
                        if tone != 0 { out.multipleTones = true } else { tone = t; toneAt = word.count - 1 }
                    }
                    continue
                }
                if let c = vietCombining(v) {
                    guard !word.isEmpty else { out.symbols += 1; continue }
                    let last = word.count - 1
                    if word[last].base != 0 {
                        out.hasDiacritics = true
                        if c.tone != 0 {
                            if word[last].isVowel {
                                if tone != 0 { out.multipleTones = true } else { tone = c.tone; toneAt = last }
                                continue
                            }
                        } else if word[last].mark == 0 && VietnameseText.accepts(base: word[last].base, mark: c.mark) {
                            word[last].mark = c.mark
                            continue
                        }
                    }
                    word.append(VietLetter(base: 0, mark: 0, upper: false, raw: v))
                    continue
                }
            }
            // Everything else: whitespace, punctuation, other letters and marks.
            let props = scalar.properties
            if props.isWhitespace || v == 0x200B || v == 0xFEFF {
                let hadWord = !word.isEmpty
                flush()
                if hadWord || !text.isEmpty { pendingSpace = true }
                keyPendingSpace = true
                firstCase = 1
                continue
            }
            if props.isAlphabetic || props.generalCategory == .nonspacingMark
                || props.generalCategory == .spacingMark
            {
                word.append(VietLetter(base: 0, mark: 0, upper: false, raw: v))
                if props.isAlphabetic { out.letters += 1 }
                continue
            }
            flush()
            keyPendingSpace = true
            switch punctuation {
            case .asSpace:
                if !text.isEmpty { pendingSpace = true }
                firstCase = 1
            case .keepNamePunctuation:
                let kept: UInt8?
                switch v {
                case 0x2D, 0x2010, 0x2011: kept = 0x2D; firstCase = 1
                case 0x27, 0x2019, 0x02BC: kept = 0x27; firstCase = 2
                case 0x2E: kept = 0x2E; firstCase = 1
                default: kept = nil; out.symbols += 1
                }
                if let kept {
                    if pendingSpace && !text.isEmpty { text.append(0x20) }
                    pendingSpace = false
                    text.append(kept)
                }
            }
        }
        flush()
        if key.last == 0x20 { key.removeLast() }
        return (out, text, key)
    }

    /// Which letter of a syllable carries the tone mark; nil when the syllable is not a Vietnamese one.
    static func tonePosition(_ w: [VietLetter], style: TonePlacement) -> Int? {
        let n = w.count
        var start = 0
        while start < n && !w[start].isVowel {
            if w[start].base == 0 { return nil }
            start += 1
        }
        guard start < n else { return nil }
        // "qu": the u belongs to the initial; "gi" + vowel: the i belongs to the initial.
        if start > 0 && w[start - 1].base == 0x71 && w[start].base == 0x75 && w[start].mark == 0
            && start + 1 < n && w[start + 1].isVowel
        {
            start += 1
        } else if start == 1 && w[0].base == 0x67 && w[1].base == 0x69 && start + 1 < n && w[start + 1].isVowel {
            start += 1
        }
        var end = start
        var marked = -1
        while end < n && w[end].isVowel {
            if w[end].mark != 0 { marked = end }
            end += 1
        }
        if end < n && w[end].base == 0 { return nil }
        if marked >= 0 { return marked }
        let hasFinal = end < n
        switch end - start {
        case 1: return start
        case 2:
            if hasFinal { return start + 1 }
            if style == .modern {
                let a = w[start].base
                let b = w[start + 1].base
                if (a == 0x6F && (b == 0x61 || b == 0x65)) || (a == 0x75 && b == 0x79) { return start + 1 }
            }
            return start
        case 3: return start + 1
        default: return nil
        }
    }

    /// Whether a vowel modifier fits a base letter (â ă ê ô ơ ư).
    static func accepts(base: UInt8, mark: UInt8) -> Bool {
        switch (base, mark) {
        case (0x61, 1), (0x61, 2), (0x65, 1), (0x6F, 1), (0x6F, 3), (0x75, 3): return true
        default: return false
        }
    }
}

/// Appends the UTF-8 encoding of a scalar value.
@inline(__always)
func putUTF8(_ v: UInt32, _ bytes: inout [UInt8]) {
    if v < 0x80 {
        bytes.append(UInt8(v))
    } else if v < 0x800 {
        bytes.append(UInt8(0xC0 | (v >> 6)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    } else if v < 0x10000 {
        bytes.append(UInt8(0xE0 | (v >> 12)))
        bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    } else {
        bytes.append(UInt8(0xF0 | (v >> 18)))
        bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (v & 0x3F)))
    }
}
