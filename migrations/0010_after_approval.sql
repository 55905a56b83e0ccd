-- What comes after approval (RULES.md §8): the duties of holders, the
-- reports that discharge them; accounts of units directly under the
-- ministry; the day a revocation takes effect.

-- An applicant directly under the Ministry of Culture and Tourism or the
-- municipal bureau (京文旅发〔2020〕407号 第十三条) may carry a national
-- division code in its USCC: such an account is marked, and the reviewer
-- checks the claim.  Only an applicant can be one.
ALTER TABLE accounts ADD COLUMN direct INTEGER NOT NULL DEFAULT 0
    CHECK (direct IN (0, 1) AND (direct = 0 OR role = 'applicant'));

-- A revocation takes effect on the day it is made, or, for a major change
-- the authority's review found no longer meets the conditions, from the
-- day of the change (京科发〔2020〕13号 第十一条).
ALTER TABLE certificates ADD COLUMN revocation_effective_on TEXT;

-- What a holder filed: an annual report, a report of a major change, the
-- closure of a funded store.  Kept as filed.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    type TEXT NOT NULL CHECK (type IN ('annual', 'change', 'closure')),
    period TEXT NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body)),
    filed_at TEXT NOT NULL,
    filed_by INTEGER NOT NULL REFERENCES accounts (id)
) STRICT;
CREATE INDEX reports_by_application ON reports (application_id);

-- A duty of the holder of what was issued, or of the authority towards it
-- (a re-check): one per application, type and period.  nominal_on is the
-- day the rule gives; due_on that day moved off days off (NULL while the
-- working-day calendar does not cover its year), or the date a reminder
-- set.  A missed report stays counted as missed (missed_at) when it is
-- filed later.  A duty may carry the revocation prompt it raised for the
-- authority (open until acted on or dismissed).
CREATE TABLE duties (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    type TEXT NOT NULL CHECK (type IN ('annual_report', 'change_report', 'recheck',
                                       'operating_year', 'refund')),
    period TEXT NOT NULL,
    nominal_on TEXT NOT NULL,
    due_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('due', 'overdue', 'reminded', 'missed', 'filed',
                                           'passed', 'rectifying', 'failed', 'met', 'paid',
                                           'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reminded_at TEXT,
    missed_at TEXT,
    filed_at TEXT,
    report_id INTEGER REFERENCES reports (id),
    amount_fen INTEGER CHECK (amount_fen IS NULL OR amount_fen >= 0),
    result TEXT CHECK (result IS NULL OR json_valid(result)),
    prompt_ground TEXT,
    prompt_state TEXT CHECK (prompt_state IN ('open', 'dismissed', 'acted')),
    prompt_at TEXT,
    prompt_refund_fen INTEGER CHECK (prompt_refund_fen IS NULL OR prompt_refund_fen >= 0),
    CHECK ((prompt_ground IS NULL) = (prompt_state IS NULL)),
    UNIQUE (application_id, type, period)
) STRICT;
-- The clock's work: duties still open, by the day they fall due.
CREATE INDEX duties_by_status ON duties (status, due_on);
-- The reviewers' worklist: open revocation prompts.
CREATE INDEX duties_prompts ON duties (prompt_state) WHERE prompt_state IS NOT NULL;
