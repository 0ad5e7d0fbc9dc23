package store

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"testing"
)

func activeVersion(t *testing.T, s *Store) string {
	t.Helper()
	_, info, err := s.ActiveContent()
	if err != nil {
		t.Fatalf("active content: %v", err)
	}
	return info.Version
}

// A confirmed bundle survives the next activation as the previous one, blobs included, and
// only the last two are kept.
func TestActivationKeepsPreviousBundle(t *testing.T) {
	s := openT(t, t.TempDir())
	one := map[string]string{"a.md": "one a", "shared.md": "shared"}
	if err := s.PutContent("1", "one", bundle(one)); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmContent(); err != nil {
		t.Fatal(err)
	}
	// The second arrives from the portal, blob by blob.
	two := map[string]string{"a.md": "two a", "shared.md": "shared"}
	if err := s.StageBlobs(map[string][]byte{sha("two a"): []byte("two a")}); err != nil {
		t.Fatal(err)
	}
	if err := s.ActivateBlobs("2", "two", 1, hashes(two)); err != nil {
		t.Fatal(err)
	}
	want := []string{sha("one a"), sha("two a"), sha("shared")}
	sort.Strings(want)
	if got := blobKeys(t, s); !slices.Equal(got, want) {
		t.Fatalf("blobs after the second activation = %v, want both bundles' %v", got, want)
	}
	fsys, info, err := s.PreviousContent()
	if err != nil || info.Version != "1" {
		t.Fatalf("previous content = %+v, %v; want version 1", info, err)
	}
	if got, _ := fs.ReadFile(fsys, "a.md"); string(got) != "one a" {
		t.Errorf("previous a.md = %q", got)
	}
	if _, info, _ := s.ActiveContent(); !info.Unconfirmed {
		t.Error("a freshly activated bundle is not marked unconfirmed")
	}

	// Confirmed, then a third: the first bundle's own blob goes, the second's stay.
	if err := s.ConfirmContent(); err != nil {
		t.Fatal(err)
	}
	if err := s.PutContent("3", "three", bundle(map[string]string{"a.md": "three a"})); err != nil {
		t.Fatal(err)
	}
	want = []string{sha("two a"), sha("three a"), sha("shared")}
	sort.Strings(want)
	if got := blobKeys(t, s); !slices.Equal(got, want) {
		t.Errorf("blobs after the third activation = %v, want %v", got, want)
	}
	if _, info, err := s.PreviousContent(); err != nil || info.Version != "2" {
		t.Errorf("previous = %+v, %v; want version 2", info, err)
	}

	// A bundle that never showed does not push the good one out: the fourth replaces the
	// third, the previous stays the second.
	if err := s.PutContent("4", "four", bundle(map[string]string{"a.md": "four a"})); err != nil {
		t.Fatal(err)
	}
	if _, info, err := s.PreviousContent(); err != nil || info.Version != "2" {
		t.Errorf("previous after replacing an unconfirmed bundle = %+v, %v; want version 2", info, err)
	}
}

// The start-attempt logic: the first start of a new bundle is counted; a second start that
// finds it still unconfirmed (the first never drew a frame) goes back to the previous bundle.
func TestStartFallsBackAfterFailedFirstFrame(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	if err := s.PutContent("good", "good", bundle(map[string]string{"a.md": "good"})); err != nil {
		t.Fatal(err)
	}
	if c, err := s.BeginContentStart(); err != nil || c.RolledBack || c.Dropped {
		t.Fatalf("first start of the first bundle: %+v, %v", c, err)
	}
	if err := s.ConfirmContent(); err != nil { // first frame
		t.Fatal(err)
	}
	if c, err := s.BeginContentStart(); err != nil || c.RolledBack {
		t.Fatalf("restart with a confirmed bundle: %+v, %v", c, err)
	}

	if err := s.PutContent("bad", "bad", bundle(map[string]string{"a.md": "huge"})); err != nil {
		t.Fatal(err)
	}
	// Start 1 with the new bundle: counted; the process dies before its first frame.
	if c, err := s.BeginContentStart(); err != nil || c.RolledBack {
		t.Fatalf("first start of the new bundle: %+v, %v", c, err)
	}
	if v := activeVersion(t, s); v != "bad" {
		t.Fatalf("active after one attempt = %s, want bad (it gets its chance)", v)
	}
	// The restart finds it unconfirmed: back to the good one.
	s.Close()
	s = openT(t, dir)
	c, err := s.BeginContentStart()
	if err != nil || !c.RolledBack || c.Failed.Version != "bad" {
		t.Fatalf("second start: %+v, %v; want a fallback from bad", c, err)
	}
	if v := activeVersion(t, s); v != "good" {
		t.Fatalf("active after the fallback = %s, want good", v)
	}
	if _, info, _ := s.ActiveContent(); info.Unconfirmed {
		t.Error("the bundle fallen back to is unconfirmed; a later failure would drop it")
	}
	if c, err := s.BeginContentStart(); err != nil || c.RolledBack || c.Dropped {
		t.Errorf("start after the fallback: %+v, %v", c, err)
	}
}

// A start that ended for want of a display takes its attempt back; a bundle with no
// previous one to fall back to is dropped after a failed start.
func TestStartUndoAndDrop(t *testing.T) {
	s := openT(t, t.TempDir())
	if err := s.PutContent("only", "only", bundle(map[string]string{"a.md": "only"})); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginContentStart(); err != nil {
		t.Fatal(err)
	}
	if err := s.UndoContentStart(); err != nil { // no display: says nothing about the content
		t.Fatal(err)
	}
	if c, err := s.BeginContentStart(); err != nil || c.Dropped || c.RolledBack {
		t.Fatalf("start after an undone attempt: %+v, %v", c, err)
	}
	c, err := s.BeginContentStart()
	if err != nil || !c.Dropped || c.Failed.Version != "only" {
		t.Fatalf("second failed start without a previous bundle: %+v, %v; want dropped", c, err)
	}
	if _, _, err := s.ActiveContent(); !errors.Is(err, ErrNoContent) {
		t.Errorf("active content after drop: %v, want ErrNoContent", err)
	}
}

// Activating the same files again (a --content folder at every start) keeps their state.
func TestReactivatingSameFilesKeepsState(t *testing.T) {
	s := openT(t, t.TempDir())
	files := bundle(map[string]string{"a.md": "x"})
	if err := s.PutContent("1", "one", files); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmContent(); err != nil {
		t.Fatal(err)
	}
	if err := s.PutContent("1", "one", files); err != nil {
		t.Fatal(err)
	}
	if _, info, _ := s.ActiveContent(); info.Unconfirmed {
		t.Error("re-putting the confirmed files made them unconfirmed")
	}
	if _, _, err := s.PreviousContent(); !errors.Is(err, ErrNoContent) {
		t.Errorf("previous after re-putting the same files: %v, want none", err)
	}
}

func TestOfficeRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	if raw, err := s.Office(); err != nil || raw != nil {
		t.Fatalf("office on a new store = %q, %v", raw, err)
	}
	if err := s.SetOffice([]byte(`{"name":"Gmina"}`)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openT(t, dir)
	if raw, err := s.Office(); err != nil || string(raw) != `{"name":"Gmina"}` {
		t.Errorf("office after reopen = %q, %v", raw, err)
	}
}

// portalBundle stages and activates files as portal version v.
func portalBundle(t *testing.T, s *Store, v uint64, files map[string]string) {
	t.Helper()
	blobs := map[string][]byte{}
	for _, data := range files {
		blobs[sha(data)] = []byte(data)
	}
	if err := s.StageBlobs(blobs); err != nil {
		t.Fatal(err)
	}
	if err := s.ActivateBlobs(fmt.Sprintf("portal-%d", v), "", v, hashes(files)); err != nil {
		t.Fatal(err)
	}
}

func versions(t *testing.T, s *Store) (active, failed uint64) {
	t.Helper()
	active, err := s.PortalVersion()
	if err != nil {
		t.Fatal(err)
	}
	if failed, err = s.FailedPortalVersion(); err != nil {
		t.Fatal(err)
	}
	return active, failed
}

// failStart runs the two starts that give up the active unconfirmed bundle.
func failStart(t *testing.T, s *Store) StartCheck {
	t.Helper()
	if _, err := s.BeginContentStart(); err != nil {
		t.Fatal(err)
	}
	c, err := s.BeginContentStart()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A rollback restores the portal version of the bundle shown again (the heartbeat reports
// it, so fleet sees the kiosk behind) and remembers the failed one, which keeps the floor.
func TestRollbackRestoresPortalVersion(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	portalBundle(t, s, 4, map[string]string{"a.md": "four"})
	if err := s.ConfirmContent(); err != nil {
		t.Fatal(err)
	}
	portalBundle(t, s, 5, map[string]string{"a.md": "five"})
	c := failStart(t, s)
	if !c.RolledBack || c.FailedPortalVersion != 5 {
		t.Fatalf("start check = %+v, want a rollback from portal version 5", c)
	}
	s.Close()
	s = openT(t, dir)
	if a, f := versions(t, s); a != 4 || f != 5 {
		t.Fatalf("after the rollback: portal version %d, failed %d; want 4, 5", a, f)
	}
	// Versions between the restored and the failed one stay refused (replays).
	if err := s.ActivateBlobs("portal-3", "", 3, hashes(map[string]string{"a.md": "four"})); !errors.Is(err, ErrPortalRollback) {
		t.Errorf("activating version 3 after the rollback: %v, want ErrPortalRollback", err)
	}
	// A newer version is accepted and the failed record is done with.
	portalBundle(t, s, 6, map[string]string{"a.md": "six"})
	if a, f := versions(t, s); a != 6 || f != 0 {
		t.Fatalf("after version 6: portal version %d, failed %d; want 6, 0", a, f)
	}
}

// A dropped portal bundle leaves no portal version (nothing from the portal is shown), and
// the failed version as the floor.
func TestDropClearsPortalVersion(t *testing.T) {
	s := openT(t, t.TempDir())
	portalBundle(t, s, 5, map[string]string{"a.md": "five"})
	c := failStart(t, s)
	if !c.Dropped || c.FailedPortalVersion != 5 {
		t.Fatalf("start check = %+v, want a drop of portal version 5", c)
	}
	if a, f := versions(t, s); a != 0 || f != 5 {
		t.Fatalf("after the drop: portal version %d, failed %d; want 0, 5", a, f)
	}
	if err := s.ActivateBlobs("portal-4", "", 4, hashes(map[string]string{"a.md": "five"})); !errors.Is(err, ErrPortalRollback) {
		t.Errorf("activating version 4 after the drop: %v, want ErrPortalRollback", err)
	}
}

// A technician's folder that fails leaves the portal version alone.
func TestFailedFolderKeepsPortalVersion(t *testing.T) {
	s := openT(t, t.TempDir())
	portalBundle(t, s, 4, map[string]string{"a.md": "four"})
	if err := s.ConfirmContent(); err != nil {
		t.Fatal(err)
	}
	if err := s.PutContent("folder", "", bundle(map[string]string{"a.md": "folder"})); err != nil {
		t.Fatal(err)
	}
	if c := failStart(t, s); !c.RolledBack || c.FailedPortalVersion != 0 {
		t.Fatalf("start check = %+v, want a rollback from a folder", c)
	}
	if a, f := versions(t, s); a != 4 || f != 0 {
		t.Fatalf("after the folder's rollback: portal version %d, failed %d; want 4, 0", a, f)
	}
}
