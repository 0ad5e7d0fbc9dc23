-- The panel's accounts (AccountStore) and the content editor's drafts (DraftStore).
--
-- Keys that are slugs (municipality, login, path) are COLLATE "C": listings come in byte
-- order, as bbolt's keys do, whatever the database's locale. Times are timestamptz; a NULL
-- time is Go's zero time. The tables stand alone: no foreign key reaches the devices' or
-- submissions' tables, so each group's migrations may change on their own.
--
-- panel_users: one row per account, keyed by (municipality, login); operators have the
--   municipality '' (OperatorMunicipality). Every field of portal.User has a column, so the
--   panel's rules (disabled, locked_until, roles) can be read and checked in SQL; roles NULL
--   is a nil slice, '{}' an empty one.
CREATE TABLE panel_users (
	municipality         text COLLATE "C" NOT NULL,
	login                text COLLATE "C" NOT NULL,
	name                 text NOT NULL,
	roles                text[],
	password             text NOT NULL,
	must_change_password boolean NOT NULL,
	disabled             boolean NOT NULL,
	failed_logins        bigint NOT NULL,
	locked_until         timestamptz,
	totp_secret          bytea,
	totp_enrolled        boolean NOT NULL,
	totp_last_step       bigint NOT NULL,
	created              timestamptz,
	last_login           timestamptz,
	PRIMARY KEY (municipality, login)
);

-- panel_sessions: the panel's logins, keyed by the SHA-256 of the session ID (the ID itself is
--   never stored). Every instance reads them here on each request, so a login on one
--   instance is valid on all and a logout or a disable ends it everywhere. No foreign key to
--   panel_users: the panel checks the user on each request, and a session of a deleted
--   user is simply refused.
CREATE TABLE panel_sessions (
	id_hash      bytea PRIMARY KEY,
	municipality text COLLATE "C" NOT NULL,
	login        text COLLATE "C" NOT NULL,
	created      timestamptz,
	last_seen    timestamptz,
	stage        text NOT NULL,
	csrf         bytea
);
-- DeleteUserSessions, after a disable or a password reset.
CREATE INDEX panel_sessions_user ON panel_sessions (municipality, login);

-- audit_counters: the last Seq given per municipality. AppendAudit bumps it with an upsert
--   that locks the row until its transaction ends, so instances appending at once take
--   turns and never give one number twice; a rolled-back append gives its number back.
CREATE TABLE audit_counters (
	municipality text COLLATE "C" PRIMARY KEY,
	last_seq     bigint NOT NULL
);

-- audit_log: each municipality's audit log, keyed by (municipality, seq); read newest first.
CREATE TABLE audit_log (
	municipality text COLLATE "C" NOT NULL,
	seq          bigint NOT NULL,
	at           timestamptz,
	actor        text NOT NULL,
	action       text NOT NULL,
	target       text NOT NULL,
	detail       text NOT NULL,
	remote       text NOT NULL,
	PRIMARY KEY (municipality, seq)
);

-- drafts: a municipality's draft head: its revision (the optimistic lock UpdateDraft checks
--   with UPDATE … WHERE revision = base), when and by whom it last changed. A row exists
--   from the first update on; its revision is then at least 1.
CREATE TABLE drafts (
	municipality text COLLATE "C" PRIMARY KEY,
	revision     bigint NOT NULL CHECK (revision > 0),
	updated      timestamptz,
	updated_by   text NOT NULL
);

-- draft_files: the draft's files, path in the bundle → bytes, apart from the head so that
--   DraftHead never reads them (a draft may hold large attachments). They change in the
--   transaction that moves the head's revision.
CREATE TABLE draft_files (
	municipality text COLLATE "C" NOT NULL REFERENCES drafts ON DELETE CASCADE,
	path         text COLLATE "C" NOT NULL,
	data         bytea NOT NULL,
	PRIMARY KEY (municipality, path)
);

-- import_states: the content importer's state per municipality, in the importer's own
--   format; PutImportState replaces it whole.
CREATE TABLE import_states (
	municipality text COLLATE "C" PRIMARY KEY,
	state        bytea NOT NULL
);
