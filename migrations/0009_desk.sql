-- The reviewer's desk: rounds with windows, what an application was
-- granted and refunded, since when it waits, district reviewers of one
-- authority, opinion templates, and the indexes of the worklists.

-- A round's window (RULES.md §5): submitting a kind's application of that
-- round is taken from opens_on to closes_on, both inclusive (Asia/Shanghai
-- dates).  A kind and round with no row is open the whole year.
CREATE TABLE rounds (
    kind TEXT NOT NULL,
    round INTEGER NOT NULL,
    opens_on TEXT NOT NULL CHECK (opens_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    closes_on TEXT NOT NULL CHECK (closes_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    set_by INTEGER NOT NULL REFERENCES accounts (id),
    set_at TEXT NOT NULL,
    PRIMARY KEY (kind, round),
    CHECK (closes_on >= opens_on)
) STRICT;

-- Since when an application is in its status (the worklist's "waiting"),
-- when it was decided (approved or rejected), what was granted (set only
-- at approval: what the decision says) and what a revocation asked back.
ALTER TABLE applications ADD COLUMN status_at TEXT;
ALTER TABLE applications ADD COLUMN decided_at TEXT;
ALTER TABLE applications ADD COLUMN granted_fen INTEGER
    CHECK (granted_fen IS NULL OR granted_fen >= 0);
ALTER TABLE applications ADD COLUMN refund_fen INTEGER
    CHECK (refund_fen IS NULL OR refund_fen >= 0);

-- The applications stored so far: the last event that brought each into its
-- status (an event within a status, such as an objection, does not), else
-- its last change; what their decisions said.
UPDATE applications SET status_at = coalesce(
    (SELECT max(e.at) FROM events e
      WHERE e.application_id = applications.id AND e.to_status = applications.status
        AND (e.from_status IS NULL OR e.from_status <> e.to_status)),
    updated_at);
UPDATE applications SET decided_at = (
    SELECT max(e.at) FROM events e
     WHERE e.application_id = applications.id AND e.to_status IN ('approved', 'rejected'))
    WHERE status IN ('approved', 'rejected', 'revoked');
UPDATE applications SET
    granted_fen = (SELECT coalesce(json_extract(c.document, '$.amount_fen'), 0)
                     FROM certificates c WHERE c.application_id = applications.id),
    refund_fen = (SELECT c.refund_fen FROM certificates c
                   WHERE c.application_id = applications.id)
    WHERE status IN ('approved', 'revoked');

-- The worklists (store/applications.c): a unit's applications in one
-- status, longest waiting first; one status of every unit; a unit's, a
-- status's and everyone's by submission; everyone's by waiting.
CREATE INDEX applications_unit_status_waiting ON applications (review_unit, status, status_at);
CREATE INDEX applications_status_waiting ON applications (status, status_at);
CREATE INDEX applications_unit_submitted ON applications (review_unit, submitted_at);
CREATE INDEX applications_status_submitted ON applications (status, submitted_at);
CREATE INDEX applications_submitted ON applications (submitted_at);
CREATE INDEX applications_waiting ON applications (status_at);
-- One application per organisation, kind and round (RULES.md §5).
CREATE INDEX applications_org_round ON applications (applicant_uscc, kind, round);

-- A district reviewer may now name its authority besides its unit (the
-- district bureau of that authority, RULES.md §5), which the first
-- schema's CHECK forbade.  SQLite cannot change a CHECK in place: the table
-- is rebuilt as its documentation says (lang_altertable.html, "Making Other
-- Kinds Of Table Schema Changes"), with foreign keys off around this
-- migration's transaction and checked before it commits (store.c).
CREATE TABLE accounts_rebuilt (
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
    email TEXT,
    password_hash TEXT,
    -- A role is bound to exactly what it acts for: an applicant to its
    -- organisation, a district reviewer to its unit (and, when it is the
    -- bureau of one authority, to that authority), a municipal reviewer to
    -- its authority.
    CHECK ((uscc IS NOT NULL) = (role = 'applicant')),
    CHECK ((unit IS NOT NULL) = (role = 'district_reviewer')),
    CHECK (role <> 'municipal_reviewer' OR authority IS NOT NULL),
    CHECK (authority IS NULL OR role IN ('municipal_reviewer', 'district_reviewer'))
) STRICT;
INSERT INTO accounts_rebuilt (id, role, name, uscc, unit, authority, token_hash, created_at,
                              disabled, email, password_hash)
    SELECT id, role, name, uscc, unit, authority, token_hash, created_at, disabled, email,
           password_hash FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;
CREATE UNIQUE INDEX accounts_by_email ON accounts (email) WHERE email IS NOT NULL;
CREATE INDEX accounts_by_uscc ON accounts (uscc) WHERE uscc IS NOT NULL;

-- A reviewer's own opinion templates (常用意见), kept per account.
CREATE TABLE opinion_templates (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX opinion_templates_by_account ON opinion_templates (account_id);

-- A reviewer's last decisions, to fill in the next one's stage records.
CREATE INDEX events_by_actor ON events (actor_account, action);
