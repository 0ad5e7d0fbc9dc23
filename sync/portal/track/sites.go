package track

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"infomat/content"
	"infomat/l10n"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// maxYAML bounds what the page reads of a published file (gmina.yaml, a procedure card):
// far above any real one, so a strange bundle cannot make a page view read megabytes.
const maxYAML = 1 << 20

// site is what the page knows of one municipality from its latest published content: the
// host its receipts' QR codes name, its name, and the procedures' titles read so far.
type site struct {
	muni    string
	version uint64
	host    string // lower-case host of gmina.yaml's portal; "" when it has none
	name    string
	m       protocol.Manifest
	shards  map[int]map[string]protocol.File
	titles  map[string]string // lang + "/" + procedure ID → title; "" when the card has none
}

// sites resolves a request's host to municipalities and reads procedure titles, from each
// municipality's latest published content, re-read only when a new version is published.
type sites struct {
	st Store

	mu    sync.Mutex
	cache map[string]*site
}

// forHost returns the sites whose published portal address has host (several when
// municipalities share one portal address: their references differ by prefix).
func (s *sites) forHost(ctx context.Context, host string) ([]*site, error) {
	host = normalHost(host)
	if host == "" {
		return nil, nil
	}
	munis, err := s.st.Municipalities(ctx)
	if err != nil {
		return nil, fmt.Errorf("list municipalities: %w", err)
	}
	var out []*site
	for _, m := range munis {
		st, err := s.site(ctx, m)
		if err != nil {
			return nil, err
		}
		if st != nil && st.host == host {
			out = append(out, st)
		}
	}
	return out, nil
}

// site returns the municipality's site as of its latest manifest (nil when none is published
// or its gmina.yaml cannot be read: then no host leads to it).
func (s *sites) site(ctx context.Context, muni string) (*site, error) {
	p, err := s.st.LatestManifest(ctx, muni)
	if errors.Is(err, portal.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("manifest of %s: %w", muni, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cache[muni]; c != nil && c.version == p.Version {
		return c, nil
	}
	st := &site{muni: muni, version: p.Version, shards: map[int]map[string]protocol.File{}, titles: map[string]string{}}
	raw, err := base64.StdEncoding.DecodeString(p.Signed.Payload)
	if err == nil {
		err = json.Unmarshal(raw, &st.m)
	}
	if err != nil {
		return nil, fmt.Errorf("manifest %d of %s: %w", p.Version, muni, err)
	}
	data, ok, err := s.file(ctx, st, content.MunicipalityFile)
	if err != nil {
		return nil, err
	}
	if ok {
		var g content.Municipality
		if yaml.Unmarshal(data, &g) == nil {
			st.name = strings.TrimSpace(g.Name)
			if u, err := url.Parse(strings.TrimSpace(g.Portal)); err == nil {
				st.host = normalHost(u.Host)
			}
		}
	}
	s.cache[muni] = st
	return st, nil
}

// file reads a file of the site's bundle by its path (ok false when the bundle has none).
// Call with s.mu held.
func (s *sites) file(ctx context.Context, st *site, p string) ([]byte, bool, error) {
	f, ok := st.m.Files[p]
	if !ok && len(st.m.Index) > 0 {
		i := protocol.ShardOf(p, len(st.m.Index))
		shard, seen := st.shards[i]
		if !seen {
			raw, err := s.st.Blob(ctx, st.muni, st.m.Index[i].SHA256)
			if err != nil {
				return nil, false, fmt.Errorf("index shard of %s: %w", st.muni, err)
			}
			if err := json.Unmarshal(raw, &shard); err != nil {
				return nil, false, fmt.Errorf("index shard of %s: %w", st.muni, err)
			}
			st.shards[i] = shard
		}
		f, ok = shard[p]
	}
	if !ok || f.Size > maxYAML {
		return nil, false, nil
	}
	data, err := s.st.Blob(ctx, st.muni, f.SHA256)
	if err != nil {
		return nil, false, fmt.Errorf("%s of %s: %w", p, st.muni, err)
	}
	return data, true, nil
}

// procedureID is what a kiosk puts in a submission's procedure: a card's file name.
var procedureID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,127}$`)

// title is the procedure card's name in lang from the site's content (the Polish one when
// the card has no translation), or the ID made readable when the content has no such card.
func (s *sites) title(ctx context.Context, st *site, id string, lang l10n.Lang) (string, error) {
	if st == nil || !procedureID.MatchString(id) {
		return humanise(id), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := string(lang) + "/" + id
	t, seen := st.titles[key]
	if !seen {
		names := []string{path.Join(content.ProceduresDir, id+".yaml")}
		if lang != l10n.PL {
			names = append([]string{path.Join(content.ProceduresDir, id+"."+string(lang)+".yaml")}, names...)
		}
		for _, n := range names {
			data, ok, err := s.file(ctx, st, n)
			if err != nil {
				return "", err
			}
			var card struct {
				Title string `yaml:"nazwa"`
			}
			if ok && yaml.Unmarshal(data, &card) == nil && strings.TrimSpace(card.Title) != "" {
				t = strings.TrimSpace(card.Title)
				break
			}
		}
		st.titles[key] = t
	}
	if t == "" {
		return humanise(id), nil
	}
	return t, nil
}

// humanise makes a procedure ID readable: "karta-duzej-rodziny" → "Karta duzej rodziny".
func humanise(id string) string {
	s := strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(id))
	if s == "" {
		return "—"
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// normalHost is a Host header or URL host as compared: lower case, without the port and a
// trailing dot.
func normalHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
}
