-- An organisation's own list (GET /v1/applications as an applicant) in
-- the order it is read, last submitted (or, a draft, made) first: a range
-- on this index, never a sort of all the organisation's rows.
CREATE INDEX applications_org_own ON applications (applicant_uscc, coalesce(submitted_at, created_at), id);
