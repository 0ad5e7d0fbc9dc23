-- Submissions, their statuses and what they count against their device's quota
-- (SubmissionStore, StatusStore, InboxStore):
--
--   submissions          submission ID -> the record, ciphertext and all, in arrival order
--                        (arrival); exported, quarantined: NULL while not; status: the latest
--                        code of submission_statuses, for the inbox's filter ('received' until
--                        one is set); canonical_ref: CanonicalRef(ref), what a resident's
--                        reference is looked up by; size: the ciphertext's length, computed
--   submission_statuses  every status set on a submission, oldest first (seq)
--   portal_ref_counters  municipality, year -> the last portal reference number handed out
--   submission_usage     device -> ciphertext bytes of its submissions neither exported nor
--                        in quarantine: the quota, one row read instead of a sum
--
-- A submission is pending while exported and quarantined are both NULL. Several portals
-- write at once, so the rules live here: the ID is the primary key (a submission PUT twice
-- is stored once), a municipality's portal references are unique, the counter row is taken
-- with its update (two portals never draw the same number), and usage changes in the
-- statement that changes what it counts. Zero times are NULL.

CREATE TABLE submissions (
	id                text PRIMARY KEY,
	arrival           bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
	municipality      text NOT NULL,
	ref               text NOT NULL,
	canonical_ref     text NOT NULL,
	procedure         text NOT NULL,
	office            text NOT NULL,
	content_version   text NOT NULL,
	device            text NOT NULL,
	created           timestamptz,
	received          timestamptz,
	portal_ref        text NOT NULL,
	ciphertext        bytea NOT NULL,
	cipher_sha256     bytea NOT NULL,
	size              integer NOT NULL GENERATED ALWAYS AS (octet_length(ciphertext)) STORED,
	clock_suspect     boolean NOT NULL,
	exported          timestamptz,
	quarantined       timestamptz,
	quarantine_reason text NOT NULL DEFAULT '',
	status            text NOT NULL DEFAULT 'received',
	-- The counter is what keeps references apart; this makes a mistake in it fail loudly.
	UNIQUE (municipality, portal_ref)
);

-- A municipality's submissions in arrival order: Submissions(all), the inbox (read
-- backwards), CountSubmissions.
CREATE INDEX submissions_by_arrival ON submissions (municipality, arrival);
-- The pending ones, what an export reads: a few among many exported.
CREATE INDEX submissions_pending ON submissions (municipality, arrival)
	WHERE exported IS NULL AND quarantined IS NULL;
-- Quarantine is rare; its listing should not read the rest.
CREATE INDEX submissions_quarantined ON submissions (municipality, arrival)
	WHERE quarantined IS NOT NULL;
-- Lookup by the reference a resident holds (the tracking page, the operator's status
-- command).
CREATE INDEX submissions_by_ref ON submissions (canonical_ref, municipality, arrival);

CREATE TABLE submission_statuses (
	seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	submission  text NOT NULL REFERENCES submissions (id),
	code        text NOT NULL,
	destination text NOT NULL, -- Status.To
	note        text NOT NULL,
	set_by      text NOT NULL,
	set_at      timestamptz NOT NULL
);

CREATE INDEX submission_statuses_history ON submission_statuses (submission, seq);

CREATE TABLE portal_ref_counters (
	municipality text NOT NULL,
	year         integer NOT NULL,
	last         integer NOT NULL,
	PRIMARY KEY (municipality, year)
);

CREATE TABLE submission_usage (
	device        text PRIMARY KEY,
	pending_bytes bigint NOT NULL
);
