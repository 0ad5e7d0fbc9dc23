-- Devices, content and fleet: what enrols and authenticates kiosks, what they download, and
-- what they report. The tables (bolt.go's buckets of the same concerns):
--
--	tokens          enrolment token by SHA-256 -> municipality, created, expires, used and the
--	                device it enrolled (NULL until used). Enroll consumes one with a
--	                conditional UPDATE … WHERE used IS NULL, so a token enrols one device
--	                however many portals try it at once.
--	devices         device ID -> municipality, hostname, app version, SHA-256 of its secret,
--	                enrolled, revoked (NULL: not revoked). The primary key refuses a second
--	                device under an ID.
--	signing_keys    municipality -> ed25519 private key (64 bytes). Made on first use with
--	                INSERT … ON CONFLICT DO NOTHING: concurrent first uses read the one that won.
--	blobs           SHA-256 hex -> size: one content-addressed file of a published bundle.
--	blob_chunks     (SHA-256 hex, chunk number) -> up to 1 MiB of the blob's bytes, so a blob
--	                is read a chunk at a time and never held whole to serve it. The default
--	                TOAST storage: text compresses, and pglz gives up early on what does not
--	                (measured: no slower than uncompressed storage for random bytes).
--	municipalities  a municipality that has published. Its row is the lock AddManifest and
--	                RenewManifest take (SELECT … FOR UPDATE): publishing and renewing one
--	                municipality are serialised across portals, others go on in parallel.
--	manifests       (municipality, version) -> the signed manifest (payload and signature as
--	                they came); the highest version is the latest.
--	blob_refs       (municipality, SHA-256 hex) -> the first manifest version referencing it:
--	                a blob is served to a municipality's kiosks only through this table.
--	heartbeats      (device, arrival number) -> when it arrived and the heartbeat's JSON as
--	                the kiosk's protocol.Heartbeat encodes (bytea: exact round trip); the
--	                newest HeartbeatHistory per device are kept.
--
-- Identifiers are compared and sorted bytewise (COLLATE "C"), as bbolt orders its keys,
-- whatever the database's locale: Devices and Municipalities come out in the same order on
-- either backend. Devices and heartbeats have no foreign key to each other: bolt keeps a
-- heartbeat without asking whether its device exists, and so does this.
--
-- Times are timestamptz (microseconds; NULL for Go's zero time). Versions are bigint:
-- manifest versions count up from 1, far below 2^63.

CREATE TABLE tokens (
	hash         bytea PRIMARY KEY,
	municipality text COLLATE "C" NOT NULL,
	created      timestamptz NOT NULL,
	expires      timestamptz NOT NULL,
	used         timestamptz,
	device       text COLLATE "C"
);

CREATE TABLE devices (
	id           text COLLATE "C" PRIMARY KEY,
	municipality text COLLATE "C" NOT NULL,
	hostname     text NOT NULL,
	app_version  text NOT NULL,
	secret_hash  bytea, -- NULL for none: bolt keeps such a device too
	enrolled     timestamptz NOT NULL,
	revoked      timestamptz
);

CREATE TABLE signing_keys (
	municipality text COLLATE "C" PRIMARY KEY,
	private_key  bytea NOT NULL CHECK (octet_length(private_key) = 64)
);

CREATE TABLE blobs (
	sha  text COLLATE "C" PRIMARY KEY CHECK (sha ~ '^[0-9a-f]{64}$'),
	size bigint NOT NULL CHECK (size >= 0)
);

CREATE TABLE blob_chunks (
	sha  text COLLATE "C" NOT NULL REFERENCES blobs,
	n    integer NOT NULL CHECK (n >= 0),
	data bytea NOT NULL,
	PRIMARY KEY (sha, n)
);

CREATE TABLE municipalities (
	name text COLLATE "C" PRIMARY KEY
);

CREATE TABLE manifests (
	municipality text COLLATE "C" NOT NULL REFERENCES municipalities,
	version      bigint NOT NULL CHECK (version >= 0),
	payload      text NOT NULL,
	signature    text NOT NULL,
	PRIMARY KEY (municipality, version)
);

CREATE TABLE blob_refs (
	municipality  text COLLATE "C" NOT NULL REFERENCES municipalities,
	sha           text COLLATE "C" NOT NULL REFERENCES blobs,
	first_version bigint NOT NULL,
	PRIMARY KEY (municipality, sha)
);

CREATE TABLE heartbeats (
	device    text COLLATE "C" NOT NULL,
	seq       bigint GENERATED ALWAYS AS IDENTITY,
	received  timestamptz NOT NULL,
	heartbeat bytea NOT NULL,
	PRIMARY KEY (device, seq)
);
