-- The gazette's rules: what the municipal stage and the tourism ranking fix
-- about an application, the stored rankings, and the two-year bans.

-- Facts fixed about an application by others than its applicant, as one
-- JSON object: the municipal stage's audited figures (audited_fen,
-- funded_charters, special_award) and the ranked items the year's tourism
-- ranking gave it (ranked_items).  The rules read them; the applicant's
-- `data` stays exactly what the applicant sent.
ALTER TABLE applications ADD COLUMN facts TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(facts));

-- Listing the applications of a kind and year (the ranking of a year).
CREATE INDEX applications_by_kind_round ON applications (kind, round);

-- A year's ranking as computed, whole: what was ranked, by whom, when.
-- Computing it again before the first approval of that year replaces it.
CREATE TABLE rankings (
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    computed_at TEXT NOT NULL,
    computed_by INTEGER NOT NULL REFERENCES accounts (id),
    result TEXT NOT NULL CHECK (json_valid(result)),
    PRIMARY KEY (kind, year)
) STRICT;

-- An organisation barred from applying for a kind until a date (京科发
-- 〔2020〕13号 第十三条: a revoked incubator certification bars a new
-- application for 2 years).
CREATE TABLE bans (
    id INTEGER PRIMARY KEY,
    uscc TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    until_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    CHECK (until_on > starts_on)
) STRICT;
CREATE INDEX bans_by_uscc ON bans (uscc, kind);
