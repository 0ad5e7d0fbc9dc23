package printer

import (
	"errors"
	"testing"
)

// python-escpos src/escpos/constants.py: RT_MASK_ONLINE = 8 (n=1 bit 3 set: offline),
// RT_MASK_PAPER = 18 (0x12: the fixed bits 1 and 4 alone, paper adequate),
// RT_MASK_LOWPAPER = 30 (0x1E: near-end bits 2-3), RT_MASK_NOPAPER = 114 (0x72: bits 5-6).
const (
	rtOK       = 0x12
	rtOffline  = rtOK | 8
	rtLowPaper = 30
	rtNoPaper  = 114
)

func TestDecodeStatus(t *testing.T) {
	for _, c := range []struct {
		name       string
		n1, n2, n4 byte
		want       Status
		problem    error
	}{
		{"all well", rtOK, rtOK, rtOK, Status{Online: true}, nil},
		{"drawer pin high only", rtOK | 1<<2, rtOK, rtOK, Status{Online: true}, nil},
		{"offline (n=1 bit 3)", rtOffline, rtOK, rtOK, Status{}, ErrOffline},
		{"cover open (n=2 bit 2)", rtOffline, rtOK | 1<<2, rtOK, Status{CoverOpen: true}, ErrCoverOpen},
		{"paper-end stop (n=2 bit 5)", rtOffline, rtOK | 1<<5, rtOK, Status{PaperOut: true}, ErrPaperOut},
		{"near end (n=4 bit 2)", rtOK, rtOK, rtOK | 1<<2, Status{Online: true, PaperNearEnd: true}, nil},
		{"near end (n=4 bit 3)", rtOK, rtOK, rtOK | 1<<3, Status{Online: true, PaperNearEnd: true}, nil},
		{"near end (python-escpos RT_MASK_LOWPAPER)", rtOK, rtOK, rtLowPaper, Status{Online: true, PaperNearEnd: true}, nil},
		{"no paper (n=4 bit 5)", rtOK, rtOK, rtOK | 1<<5, Status{Online: true, PaperOut: true}, ErrPaperOut},
		{"no paper (n=4 bit 6)", rtOK, rtOK, rtOK | 1<<6, Status{Online: true, PaperOut: true}, ErrPaperOut},
		{"no paper (python-escpos RT_MASK_NOPAPER)", rtOffline, rtOK | 1<<5, rtNoPaper, Status{PaperOut: true}, ErrPaperOut},
		{"paper out beats cover open", rtOffline, rtOK | 1<<2 | 1<<5, rtOK, Status{CoverOpen: true, PaperOut: true}, ErrPaperOut},
		{"other bits mean nothing", 0x7E &^ bitOffline, 0x7E &^ (bitCoverOpen | bitPaperStop), 0x7E &^ (bitsNearEnd | bitsPaperOut), Status{Online: true}, nil},
	} {
		got := DecodeStatus(c.n1, c.n2, c.n4)
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		if p := got.Problem(); !errors.Is(p, c.problem) || (p == nil) != (c.problem == nil) {
			t.Errorf("%s: problem %v, want %v", c.name, p, c.problem)
		}
	}
}

// TestDecodeStatusGarbled: an answer whose fixed bits are wrong (bit 1 and bit 4 set, bits 0
// and 7 clear) is line noise, a wrong baud rate or another device, not "out of paper"
// (0xFF answers used to read as paper out).
func TestDecodeStatusGarbled(t *testing.T) {
	for _, c := range []struct {
		name       string
		n1, n2, n4 byte
	}{
		{"all ones (noise)", 0xFF, 0xFF, 0xFF},
		{"all zeros", 0x00, 0x00, 0x00},
		{"n=4 paper bits without fixed bits", rtOK, rtOK, 0x60},
		{"n=1 bit 7 set", rtOK | 0x80, rtOK, rtOK},
		{"n=2 bit 0 set", rtOK, rtOK | 0x01, rtOK},
		{"n=4 bit 1 clear", rtOK, rtOK, rtNoPaper &^ 0x02},
		{"n=1 bit 4 clear", rtOK &^ 0x10, rtOK, rtOK},
	} {
		got := DecodeStatus(c.n1, c.n2, c.n4)
		if !got.Garbled {
			t.Errorf("%s: %+v, want Garbled", c.name, got)
		}
		if p := got.Problem(); !errors.Is(p, ErrGarbled) {
			t.Errorf("%s: problem %v, want ErrGarbled", c.name, p)
		}
	}
}
