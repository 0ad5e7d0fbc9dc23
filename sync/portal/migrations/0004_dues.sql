-- The municipalities' dues (DuesStore, issue 16). Keys are HMACs and records sealed by the
-- portal (dues.go): no column holds a name, PESEL, code, card number or amount in clear.
-- Times are timestamptz; a NULL time is Go's zero time.
--
-- dues_sets: each municipality's current import, its head; dues_records and dues_codes its
--   entries. ReplaceDues locks the head's row first, so two instances replacing at once take
--   turns, and swaps the entries in the same transaction.
CREATE TABLE dues_sets (
	municipality text COLLATE "C" PRIMARY KEY,
	imported     timestamptz,
	as_of        timestamptz,
	expires      timestamptz,
	recipient    text NOT NULL,
	nip          text NOT NULL,
	imported_by  text NOT NULL,
	taxpayers    integer NOT NULL,
	items        integer NOT NULL,
	sum_due      bigint NOT NULL,
	sum_paid     bigint NOT NULL
);

CREATE TABLE dues_records (
	municipality text COLLATE "C" NOT NULL,
	taxpayer     bytea NOT NULL,
	sealed       bytea NOT NULL,
	PRIMARY KEY (municipality, taxpayer)
);

CREATE TABLE dues_codes (
	municipality text COLLATE "C" NOT NULL,
	code         bytea NOT NULL,
	taxpayer     bytea NOT NULL,
	PRIMARY KEY (municipality, code)
);

-- dues_cards: Karta Mieszkańca registrations; they outlive an import (the card stays the
--   resident's), and lead to nothing while the current import lacks their taxpayer.
CREATE TABLE dues_cards (
	municipality  text COLLATE "C" NOT NULL,
	card          bytea NOT NULL,
	taxpayer      bytea NOT NULL,
	pin_hash      text NOT NULL,
	registered    timestamptz,
	registered_by text NOT NULL,
	PRIMARY KEY (municipality, card)
);

-- dues_failures: failed lookups per subject (a card's or code's HMAC, a kiosk's ID), shared
--   by every instance; RecordDuesFailure updates a row under its lock.
CREATE TABLE dues_failures (
	subject      text COLLATE "C" PRIMARY KEY,
	count        integer NOT NULL,
	first        timestamptz,
	locked_until timestamptz,
	expires      timestamptz
);
