-- The first schema: review units, accounts and applications.
--
-- Tables are STRICT so a value of the wrong type is an error rather than
-- silently stored.  schema_migrations is created by the store itself before
-- any migration runs, so it is not here.  Never edit this file once landed:
-- changes go into a new numbered file.

-- The units that do the district preliminary review: the districts, the
-- ETDZ, and (first_store only) municipal SOE groups and headquarters
-- enterprises.
CREATE TABLE review_units (
    id TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('district', 'development_area', 'soe', 'hq'))
) STRICT;

-- Who may call the API.  A bearer token is stored only as its hash.
-- Accounts are disabled, never deleted, because applications and their
-- history name them.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('applicant', 'district_reviewer', 'municipal_reviewer',
                                       'auditor', 'admin')),
    name TEXT NOT NULL,
    uscc TEXT,
    unit TEXT REFERENCES review_units (id),
    authority TEXT CHECK (authority IN ('science_tech', 'commerce', 'culture_tourism')),
    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    -- A role is bound to exactly what it acts for and to nothing else, so an
    -- authorisation check can never be confused by a stray binding.
    CHECK ((uscc IS NOT NULL) = (role = 'applicant')),
    CHECK ((unit IS NOT NULL) = (role = 'district_reviewer')),
    CHECK ((authority IS NOT NULL) = (role = 'municipal_reviewer'))
) STRICT;

-- One application of any kind; `data` is the kind's own JSON object, which
-- the domain code validates.  AUTOINCREMENT so an id once handed out is
-- never handed out again, even after the newest row is gone.
CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    round INTEGER NOT NULL,
    review_unit TEXT NOT NULL REFERENCES review_units (id),
    applicant_name TEXT NOT NULL,
    applicant_uscc TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'district_review', 'municipal_review',
                                           'public_notice', 'approved', 'returned', 'rejected',
                                           'withdrawn', 'revoked')),
    version INTEGER NOT NULL CHECK (version >= 1),
    created_by INTEGER NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    data TEXT NOT NULL CHECK (json_valid(data)),
    -- Every status past the draft is reached through a submission; reviewers'
    -- listings rely on submitted_at to hide drafts.
    CHECK (status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL)
) STRICT;

-- The listings: one index per scope or filter that can drive a listing.  An
-- index on one column keeps the rowid (= id) as its last key, so
-- "col = ? AND id < ? ORDER BY id DESC" walks it backwards with no sort.
-- applications_by_unit also serves the foreign key from review_units.
CREATE INDEX applications_by_uscc ON applications (applicant_uscc);
CREATE INDEX applications_by_unit ON applications (review_unit);
CREATE INDEX applications_by_kind ON applications (kind);
CREATE INDEX applications_by_status ON applications (status);
