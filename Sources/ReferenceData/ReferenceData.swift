/// Reference data shipped with CityPipe: Vietnam's administrative units before and after the 2025 reform, the
/// crosswalk between them, and the ward boundaries of the new Bắc Ninh province.
///
/// Facts from public sources (see `ReferenceFile.sources`). Both the database loader (`Warehouse`) and the pure
/// normalisers (`Normalize`) read them from here, so there is one copy of each file in the project.
public enum ReferenceData {}
