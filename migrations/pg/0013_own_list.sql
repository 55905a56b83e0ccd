-- An organisation's own list: the twin of migrations/0013_own_list.sql.
CREATE INDEX applications_org_own ON applications (applicant_uscc, (coalesce(submitted_at, created_at)), id);
