package kiosk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"infomat/kiosk/idle"
)

// Device settings a technician sets once per kiosk (`infomat settings set KEY VALUE`); they
// live in the store so they survive restarts and updates.
const (
	SettingIdleTimeout  = "idle_timeout"
	SettingPrinterPort  = "printer_port"
	SettingPrinterBaud  = "printer_baud"
	SettingPrinterPaper = "printer_paper"
	SettingPrinterQR    = "printer_qr"
	SettingReaderPort   = "reader_port"
	SettingReaderBaud   = "reader_baud"
	SettingReaderKind   = "reader_kind"
	// SettingContentMemory is the memory budget (MiB) a new content bundle must load within
	// before it becomes active.
	SettingContentMemory = "content_memory_mb"
	// SettingAttractAfter is how long the home screen stays untouched after an idle reset
	// before the attract loop for passers-by; 0 turns the loop off.
	SettingAttractAfter = "attract_after"
)

// DefaultAttractAfter is the quiet time before the attract loop when none is set.
const DefaultAttractAfter = 60 * time.Second

// Setting describes one device setting.
type Setting struct {
	Key   string
	Help  string // Polish: technicians read it
	Check func(string) error
}

// Settings lists the device settings the kiosk understands.
var Settings = []Setting{
	{Key: SettingIdleTimeout, Help: "czas bez dotyku, po którym sesja wraca do ekranu startowego (np. 90s, 2m); ostrzeżenie pojawia się 20 s wcześniej", Check: checkIdle},
	{Key: SettingPrinterPort, Help: "port drukarki paragonów, np. /dev/infomat-printer; pusty = bez drukarki", Check: checkPort},
	{Key: SettingPrinterBaud, Help: "prędkość portu drukarki (domyślnie 9600)", Check: checkBaud},
	{Key: SettingPrinterPaper, Help: "szerokość papieru: 58 albo 80 (mm, domyślnie 80)", Check: oneOf("58", "80")},
	{Key: SettingPrinterQR, Help: "kody QR: native (polecenie drukarki) albo raster (obraz, dla drukarek bez QR); domyślnie native", Check: oneOf("native", "raster")},
	{Key: SettingReaderPort, Help: "port czytnika kart serwisowych, np. /dev/infomat-reader; pusty = bez czytnika", Check: checkPort},
	{Key: SettingReaderBaud, Help: "prędkość portu czytnika (domyślnie 9600)", Check: checkBaud},
	{Key: SettingReaderKind, Help: "rodzaj czytnika: rdm6300, magstripe albo line (domyślnie rdm6300)", Check: oneOf("rdm6300", "magstripe", "line")},
	{Key: SettingAttractAfter, Help: "po ilu sekundach bez dotyku ekran startowy ustępuje pętli dla przechodniów (\"Dotknij ekranu, aby zacząć\", godziny pracy, ogłoszenia), np. 60s, 5m; 0 = wyłączona; domyślnie 60s", Check: checkAttract},
	{Key: SettingContentMemory, Help: "ile pamięci (MiB) może zająć wczytana nowa treść, zanim zostanie włączona (domyślnie 512); większa zostaje odrzucona, a kiosk pokazuje dotychczasową", Check: checkMemory},
}

func checkMemory(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 64 || n > 65536 {
		return fmt.Errorf("%q: podaj liczbę MiB od 64 do 65536", v)
	}
	return nil
}

// LookupSetting finds a setting by key.
func LookupSetting(key string) (Setting, bool) {
	for _, s := range Settings {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

func checkIdle(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q to nie jest czas (np. 90s, 2m)", v)
	}
	if d < 30*time.Second || d > time.Hour {
		return fmt.Errorf("%s: dozwolone od 30s do 1h", d)
	}
	return nil
}

func checkAttract(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%q to nie jest czas (np. 60s, 5m; 0 wyłącza)", v)
	}
	if d != 0 && (d < 10*time.Second || d > time.Hour) {
		return fmt.Errorf("%s: dozwolone 0 (wyłączona) albo od 10s do 1h", d)
	}
	return nil
}

func checkPort(v string) error {
	if v != "" && !strings.HasPrefix(v, "/") {
		return fmt.Errorf("%q: podaj pełną ścieżkę urządzenia, np. /dev/ttyUSB0", v)
	}
	return nil
}

func checkBaud(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || !slices.Contains([]int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}, n) {
		return fmt.Errorf("%q: dozwolone 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200", v)
	}
	return nil
}

func oneOf(vals ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(vals, v) {
			return fmt.Errorf("%q: dozwolone %s", v, strings.Join(vals, ", "))
		}
		return nil
	}
}

// setting returns a stored value that passes its check, or def.
func setting(st SettingsStore, key, def string) string {
	v, ok, err := st.Setting(key)
	if err != nil || !ok {
		return def
	}
	if s, known := LookupSetting(key); known && s.Check(v) != nil {
		return def
	}
	return v
}

// DeviceConfig is the serial hardware a kiosk is configured with.
type DeviceConfig struct {
	PrinterPort  string
	PrinterBaud  int
	PrinterPaper int // 58 or 80
	PrinterQR    string
	ReaderPort   string
	ReaderBaud   int
	ReaderKind   string
}

// DeviceSettings reads the device settings, with defaults for what was never set.
func DeviceSettings(st SettingsStore) DeviceConfig {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	return DeviceConfig{
		PrinterPort:  setting(st, SettingPrinterPort, ""),
		PrinterBaud:  atoi(setting(st, SettingPrinterBaud, "9600")),
		PrinterPaper: atoi(setting(st, SettingPrinterPaper, "80")),
		PrinterQR:    setting(st, SettingPrinterQR, "native"),
		ReaderPort:   setting(st, SettingReaderPort, ""),
		ReaderBaud:   atoi(setting(st, SettingReaderBaud, "9600")),
		ReaderKind:   setting(st, SettingReaderKind, "rdm6300"),
	}
}

// SettingsStore is where device settings are kept.
type SettingsStore interface {
	Setting(key string) (string, bool, error)
}

// IdleTimeout is the device's idle timeout: the stored setting, else the default.
func IdleTimeout(st SettingsStore) time.Duration {
	d, err := time.ParseDuration(setting(st, SettingIdleTimeout, idle.DefaultTimeout.String()))
	if err != nil {
		return idle.DefaultTimeout
	}
	return d
}

// AttractAfter is the device's quiet time before the attract loop (0: off): the stored
// setting, else DefaultAttractAfter.
func AttractAfter(st SettingsStore) time.Duration {
	d, err := time.ParseDuration(setting(st, SettingAttractAfter, DefaultAttractAfter.String()))
	if err != nil {
		return DefaultAttractAfter
	}
	return d
}
