package portal

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"infomat/assets"
	"infomat/sync/protocol"
)

// One submission that does not decrypt (another key, garbage, a payload that is not JSON)
// blocked the whole municipality's export. Now each is quarantined with its reason, the
// rest are exported, fleet flags the device that sent it, and release returns it.
func TestPoisonedSubmissionQuarantined(t *testing.T) {
	f := newFixture(t)
	good, poisoner := f.enroll("przykladowa"), f.enroll("przykladowa")
	id, _ := age.GenerateX25519Identity()
	otherKey, _ := age.GenerateX25519Identity()
	put := func(c creds, ct []byte, clockSuspect ...bool) string {
		t.Helper()
		s := protocol.Submission{ID: newID(), Procedure: "zameldowanie", Ciphertext: ct, ClockSuspect: len(clockSuspect) > 0}
		if resp, data := putSub(f, c, s); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
		return s.ID
	}
	secret := "Jan Kowalski PESEL 90010112345"
	ok1 := put(good, encrypt(t, id.Recipient(), []byte(`{"answers":[]}`)))
	wrongKey := put(poisoner, encrypt(t, otherKey.Recipient(), []byte(`{"name":"`+secret+`"}`)))
	garbage := put(poisoner, []byte("this is not age at all"))
	notJSON := put(poisoner, encrypt(t, id.Recipient(), []byte(secret)))
	ok2 := put(good, encrypt(t, id.Recipient(), []byte(`{"answers":[1]}`)), true)
	damaged := encrypt(t, id.Recipient(), []byte(`{"answers":[2]}`))
	damaged[len(damaged)-3] ^= 1
	broken := put(poisoner, damaged)
	// A kiosk bug that uploads the answers unencrypted: age's error would quote them.
	unencrypted := put(poisoner, []byte(`{"name":"`+secret+`"}`))

	var out bytes.Buffer
	res, err := ExportReport(f.ctx, f.st, "przykladowa", []age.Identity{id}, false, &out, f.clock.Now())
	if err != nil {
		t.Fatalf("export blocked: %v", err)
	}
	var got []Exported
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || res.Count != 2 || len(got) != 2 || got[0].ID != ok1 || got[1].ID != ok2 ||
		got[0].ClockSuspect || !got[1].ClockSuspect || !strings.Contains(out.String(), `"clock_suspect": false`) {
		t.Fatalf("exported %d %+v %v", res.Count, got, err)
	}
	reasons := map[string]string{}
	for _, q := range res.Quarantined {
		reasons[q.ID] = q.Reason
		if q.Device != poisoner.DeviceID || q.PortalRef == "" || q.Size == 0 {
			t.Errorf("entry %+v", q)
		}
	}
	if reasons[wrongKey] != reasonNoKey || reasons[garbage] != reasonNotAge || reasons[notJSON] != reasonNotJSON ||
		reasons[broken] != reasonBroken || reasons[unencrypted] != reasonNotAge || len(reasons) != 5 {
		t.Fatalf("quarantined %q", reasons)
	}
	list, err := QuarantineList(f.ctx, f.st, "przykladowa")
	if err != nil || len(list) != 5 {
		t.Fatalf("list %+v %v", list, err)
	}
	raw, _ := json.Marshal(list)
	if strings.Contains(string(raw), secret) || strings.Contains(string(raw), "PESEL") {
		t.Fatal("the quarantine listing shows plaintext")
	}
	// The next export has nothing to do: the quarantined ones do not block it either.
	out.Reset()
	if res, err := ExportReport(f.ctx, f.st, "przykladowa", []age.Identity{id}, false, &out, f.clock.Now()); err != nil || res.Count != 0 || len(res.Quarantined) != 0 {
		t.Fatalf("second export: %+v %v", res, err)
	}
	// --all re-exports what was exported and leaves the quarantine alone.
	out.Reset()
	if res, err := ExportReport(f.ctx, f.st, "przykladowa", []age.Identity{id}, true, &out, f.clock.Now()); err != nil || res.Count != 2 {
		t.Fatalf("--all: %+v %v", res, err)
	}

	rows, err := Fleet(f.ctx, f.st, "przykladowa", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		flagged := strings.Contains(strings.Join(r.Problems, ";"), "5 wniosków w kwarantannie")
		if flagged != (r.Device == poisoner.DeviceID) || (r.Device == poisoner.DeviceID && r.Quarantined != 5) {
			t.Errorf("%s: problems %q, quarantined %d", r.Device, r.Problems, r.Quarantined)
		}
	}

	// The clerk finds the right key for the one sent to another recipient: release, export.
	if _, err := ReleaseQuarantined(f.ctx, f.st, wrongKey); err != nil {
		t.Fatal(err)
	}
	if _, err := ReleaseQuarantined(f.ctx, f.st, wrongKey); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second release: %v", err)
	}
	out.Reset()
	res, err = ExportReport(f.ctx, f.st, "przykladowa", []age.Identity{id, otherKey}, false, &out, f.clock.Now())
	if err != nil || res.Count != 1 || !strings.Contains(out.String(), wrongKey) {
		t.Fatalf("export after release: %+v %v", res, err)
	}
	if list, _ := QuarantineList(f.ctx, f.st, ""); len(list) != 4 {
		t.Fatalf("%d left in quarantine", len(list))
	}
	// The four left in quarantine wait for the operator: they don't hold the device's quota.
	if n, _ := f.st.PendingBytes(f.ctx, poisoner.DeviceID); n != 0 {
		t.Fatalf("pending bytes %d: quarantined submissions still count against the device's quota", n)
	}
}

// The wrong key file opens nothing: that is an error, and nothing is quarantined.
func TestExportWrongKeyQuarantinesNothing(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	id, _ := age.GenerateX25519Identity()
	wrong, _ := age.GenerateX25519Identity()
	for range 3 {
		putSub(f, c, protocol.Submission{ID: newID(), Ciphertext: encrypt(t, id.Recipient(), []byte(`{}`))})
	}
	var out bytes.Buffer
	if _, err := Export(f.ctx, f.st, "przykladowa", []age.Identity{wrong}, false, &out, f.clock.Now()); err == nil || out.Len() != 0 {
		t.Fatalf("wrong key: %v %q", err, out.String())
	}
	if list, _ := QuarantineList(f.ctx, f.st, ""); len(list) != 0 {
		t.Fatalf("%d quarantined for a wrong key file", len(list))
	}
}

// The admin socket serves quarantine list, show and release while the portal holds the store.
func TestAdminQuarantine(t *testing.T) {
	f := newFixture(t)
	_, ac := adminFixture(t, f)
	c := f.enroll("przykladowa")
	id, _ := age.GenerateX25519Identity()
	putSub(f, c, protocol.Submission{ID: newID(), Ciphertext: encrypt(t, id.Recipient(), []byte(`{}`))})
	bad := newID()
	putSub(f, c, protocol.Submission{ID: bad, Ciphertext: []byte("garbage")})
	var out bytes.Buffer
	res, err := ac.Export(f.ctx, "przykladowa", []byte(id.String()), false, &out)
	if err != nil || res.Count != 1 || len(res.Quarantined) != 1 || res.Quarantined[0].ID != bad {
		t.Fatalf("export %+v %v", res, err)
	}
	list, err := ac.Quarantine(f.ctx, "przykladowa")
	if err != nil || len(list) != 1 || list[0].ID != bad {
		t.Fatalf("list %+v %v", list, err)
	}
	e, err := ac.QuarantineShow(f.ctx, list[0].PortalRef)
	if err != nil || e.ID != bad || e.Reason != reasonNotAge {
		t.Fatalf("show %+v %v", e, err)
	}
	if _, err := ac.Release(f.ctx, bad); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.QuarantineShow(f.ctx, bad); err == nil {
		t.Fatal("released submission still shown")
	}
	if recs, _ := f.st.Submissions(f.ctx, "przykladowa", false); len(recs) != 1 || recs[0].ID != bad {
		t.Fatalf("pending after release: %+v", recs)
	}
	if err := ac.Check(f.ctx); err != nil {
		t.Fatalf("check of a sound store: %v", err)
	}
}

// leafPage is a leaf page in use in the middle of the store (where submissions are).
func leafPage(t *testing.T, st *Bolt) (id, size int) {
	t.Helper()
	var leaves []int
	err := st.db.View(func(tx *bolt.Tx) error {
		for i := 2; ; i++ {
			p, err := tx.Page(i)
			if err != nil || p == nil {
				return err
			}
			if p.Type == "leaf" {
				leaves = append(leaves, i)
			}
		}
	})
	if err != nil || len(leaves) < 3 {
		t.Fatalf("leaf pages %v: %v", leaves, err)
	}
	return leaves[len(leaves)/2], st.db.Info().PageSize
}

// damagePage overwrites one page of a closed portal.db.
func damagePage(t *testing.T, path string, p, page int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := p * page; i < (p+1)*page; i++ {
		data[i] = 0xA5
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// The docs promised the portal refuses to serve from a damaged database; bbolt opens such a
// file fine and fails (or crashes) only when a transaction reaches the page.
func TestOpenRefusesDamagedPages(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenBolt(t.Context(), dir, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		rec := Record{ID: NewSecret(16), Ciphertext: bytes.Repeat([]byte{byte(i)}, 900), Device: "k-0000000000000001", Municipality: "przykladowa", Received: time.Now()}
		if _, _, err := st.PutSubmission(t.Context(), rec, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Check(t.Context()); err != nil {
		t.Fatalf("sound store: %v", err)
	}
	p, size := leafPage(t, st)
	st.Close()
	damagePage(t, filepath.Join(dir, FileName), p, size)

	_, err = OpenBolt(t.Context(), dir, BoltOptions{})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open of a damaged store: %v", err)
	}
	st, err = OpenBolt(t.Context(), dir, BoltOptions{ForCheck: true})
	if err != nil {
		t.Fatalf("open without the check: %v", err)
	}
	defer st.Close()
	if err := st.Check(t.Context()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "damaged page") {
		t.Fatalf("check: %v", err)
	}
}

// Manifests expired 30 days after publishing and nothing renewed them. RenewManifests signs
// the same content and version again once half the validity is gone; a kiosk that has not
// installed it verifies the renewed one, and the ETag changes so it is fetched.
func TestRenewManifests(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	res, err := Publish(f.ctx, f.st, "przykladowa", assets.DefaultContent(), PublishOptions{Now: f.clock.Now(), Expires: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := f.st.LatestManifest(f.ctx, "przykladowa")
	resp, _ := f.do("GET", protocol.PathManifest, c.auth(), nil, nil)
	etag := resp.Header.Get("ETag")

	if r, err := RenewManifests(f.ctx, f.st, f.clock.Now().Add(14*24*time.Hour)); err != nil || len(r) != 0 {
		t.Fatalf("renewed with more than half left: %+v %v", r, err)
	}
	at := f.clock.Now().Add(16 * 24 * time.Hour)
	r, err := RenewManifests(f.ctx, f.st, at)
	if err != nil || len(r) != 1 || r[0].Version != res.Version || !r[0].Expires.Equal(at.Add(30*24*time.Hour).UTC()) {
		t.Fatalf("renew: %+v %v", r, err)
	}
	after, _ := f.st.LatestManifest(f.ctx, "przykladowa")
	if after.Version != before.Version || after.Signed == before.Signed {
		t.Fatalf("renewed manifest %d (was %d)", after.Version, before.Version)
	}
	key, _ := f.st.SigningKey(f.ctx, "przykladowa")
	pub := key.Public().(ed25519.PublicKey)
	old, renewed := openManifest(t, before.Signed), openManifest(t, after.Signed)
	if renewed.Label != old.Label || len(renewed.Index) != len(old.Index) || renewed.Index[0] != old.Index[0] {
		t.Fatal("the renewed manifest lists other content")
	}
	// 40 days after publishing: the original has expired, the renewed one verifies for a
	// kiosk that never installed it, and for one that did (same version: no rollback).
	late := f.clock.Now().Add(40 * 24 * time.Hour)
	if _, err := before.Signed.Verify(pub, "przykladowa", 0, late); !errors.Is(err, protocol.ErrExpired) {
		t.Fatalf("original at day 40: %v", err)
	}
	for _, active := range []uint64{0, res.Version} {
		if _, err := after.Signed.Verify(pub, "przykladowa", active, late); err != nil {
			t.Fatalf("renewed, active %d: %v", active, err)
		}
	}
	resp, _ = f.do("GET", protocol.PathManifest, c.auth(), nil, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Fatalf("renewed manifest answered %d with the old ETag", resp.StatusCode)
	}
}

// fleet shows the kiosk's own faults and its content against the published one.
func TestFleetContentAndKioskFaults(t *testing.T) {
	f := newFixture(t)
	current, behind, faulty := f.enroll("przykladowa"), f.enroll("przykladowa"), f.enroll("przykladowa")
	if _, err := Publish(f.ctx, f.st, "przykladowa", assets.DefaultContent(), PublishOptions{Now: f.clock.Now(), Expires: 5 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(2 * time.Hour)
	postBeat(f, current, protocol.Heartbeat{ContentVersion: 1})
	postBeat(f, behind, protocol.Heartbeat{ContentVersion: 0})
	postBeat(f, faulty, protocol.Heartbeat{ContentVersion: 1, OutOfService: true, ClockSuspect: true, Salvaged: 3, Unrecoverable: 5})
	rows, err := Fleet(f.ctx, f.st, "przykladowa", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		current.DeviceID: "treść wygasa za 4 dni",
		behind.DeviceID:  "treść starsza niż opublikowana (v0 < v1)",
		faulty.DeviceID:  "poza służbą: brak ważnej treści; zegar niewiarygodny; odzyskano 3 wnioski z uszkodzonej bazy; 5 wniosków nie do odzyskania; treść wygasa za 4 dni",
	}
	for _, r := range rows {
		if got := strings.Join(r.Problems, "; "); got != want[r.Device] {
			t.Errorf("%s: %q, want %q", r.Device, got, want[r.Device])
		}
	}
	// Fresh content three weeks from expiry is no problem.
	if _, err := Publish(f.ctx, f.st, "przykladowa", assets.DefaultContent(), PublishOptions{Now: f.clock.Now(), Expires: 21 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	postBeat(f, current, protocol.Heartbeat{ContentVersion: 2})
	rows, _ = Fleet(f.ctx, f.st, "przykladowa", f.clock.Now())
	for _, r := range rows {
		if r.Device == current.DeviceID && len(r.Problems) != 0 {
			t.Errorf("current kiosk: %q", r.Problems)
		}
	}
	if wnioski(1) != "1 wniosek" || wnioski(22) != "22 wnioski" || wnioski(12) != "12 wniosków" || wnioski(5) != "5 wniosków" {
		t.Error("Polish plural")
	}
}
