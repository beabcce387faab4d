/// A person's name in canonical form.
public struct PersonName: Sendable, Equatable {
    /// NFC, modern tone placement ("Hoà", "Thuỷ"), single spaces, proper case: "Nguyễn Thị Hoà".
    public let value: String
    /// Diacritics folded, `đ` → `d`, lower case, single spaces: "nguyen thi hoa".
    public let key: String
    /// What was changed (tone marks moved, look-alike letters read), never the name itself.
    public let notes: [String]
}

/// `vn_person_name`: Vietnamese person names.
///
/// - Unicode NFC (NFD input and Windows-1258-style combining tones are recomposed).
/// - Tone-mark placement: **modern** ("Hoà", "Hoè", "Thuỷ"), the convention of the GSO reference data shipped with
///   CityPipe ("Phường Cảnh Thuỵ"); names written the traditional way ("Hòa", "Thủy") are converted, and the folded
///   `key` is the same for both, so either spelling links. The rule per syllable: the mark goes on the vowel with a
///   modifier (ă â ê ô ơ ư; ơ in ươ), else on the second vowel when a final consonant follows or in open
///   oa/oe/uy, on the middle of three vowels, else on the first vowel (`mùa`, `núi`, `cháy`). "qu" and "gi" +
///   vowel count as initial consonants.
/// - Spaces collapsed (any Unicode space), proper case per word (after a space or hyphen; a letter after an
///   apostrophe keeps its case, so "H'Hen Niê", "Y'Moan").
/// - Fails on empty input, digits, symbols other than `-`, `'` and `.`, and on a syllable with two tone marks.
public enum PersonNameNormalizer {
    /// Normalises one name; `placement` other than `.modern` (the canonical form) is for display or export.
    public static func normalize(_ input: String, placement: TonePlacement = .modern)
        -> Result<PersonName, NormalizationFailure>
    {
        let out = VietnameseText.process(input, case: .proper, punctuation: .keepNamePunctuation, style: placement)
        if out.letters == 0 {
            if out.digits > 0 { return .failure(.init(.invalidCharacters, "no letters, only digits")) }
            return .failure(.init(.empty, "no letters"))
        }
        if out.digits > 0 {
            return .failure(.init(.invalidCharacters, "names hold letters only; found \(out.digits) digit(s)"))
        }
        if out.symbols > 0 {
            return .failure(
                .init(.invalidCharacters, "names hold letters, spaces, - ' and . only; found \(out.symbols) other symbol(s)"))
        }
        if out.multipleTones {
            return .failure(.init(.invalidFormat, "a syllable carries two tone marks"))
        }
        var notes: [String] = []
        if out.movedTones > 0 {
            notes.append("tone mark moved to the \(placement == .modern ? "modern" : "traditional") placement in \(out.movedTones) syllable(s)")
        }
        if out.lookalikeD { notes.append("Ð/Ɖ read as Đ") }
        if out.foreign { notes.append("letters outside the Vietnamese alphabet kept as they are") }
        return .success(PersonName(value: out.text, key: out.key, notes: notes))
    }

    /// The folded match key only (same as `normalize(_:).key`, without validation).
    public static func matchKey(_ input: String) -> String {
        VietnameseText.process(input, case: .lower, punctuation: .keepNamePunctuation).key
    }
}
