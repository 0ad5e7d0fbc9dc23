package kiosk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	// Speech mode (issue 12): where speech goes and how headphones are told.
	SettingSpeechOutput     = "speech_output"
	SettingSpeechPlayer     = "speech_player"
	SettingSpeechHeadphones = "speech_headphones"
	// SettingSpeechPrompt is how often an untouched home screen says aloud how to start
	// speech mode; 0 keeps it quiet (the text on screen stays).
	SettingSpeechPrompt = "speech_prompt"
	// The keypad's keys: comma lists of key names or characters.
	SettingKeypadUp         = "keypad_up"
	SettingKeypadDown       = "keypad_down"
	SettingKeypadSelect     = "keypad_select"
	SettingKeypadBack       = "keypad_back"
	SettingKeypadHelp       = "keypad_help"
	SettingKeypadVolumeUp   = "keypad_volume_up"
	SettingKeypadVolumeDown = "keypad_volume_down"
	// SettingLabel is where the kiosk stands ("Biblioteka, parter"): its heartbeats carry it
	// to the portal's fleet view (infomat setup --label sets it).
	SettingLabel = "label"
)

// MaxLabel is the longest device label, in characters.
const MaxLabel = 100

// SpeechDirEnv names the environment variable that sends speech to WAV files in a
// directory, whatever speech_output says: end-to-end tests listen there.
const SpeechDirEnv = "INFOMAT_SPEECH_DIR"

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
	{Key: SettingReaderPort, Help: "port czytnika kart (serwisowych i Karty Mieszkańca), np. /dev/infomat-reader; pusty = bez czytnika", Check: checkPort},
	{Key: SettingReaderBaud, Help: "prędkość portu czytnika (domyślnie 9600)", Check: checkBaud},
	{Key: SettingReaderKind, Help: "rodzaj czytnika: rdm6300, magstripe albo line (domyślnie rdm6300)", Check: oneOf("rdm6300", "magstripe", "line")},
	{Key: SettingAttractAfter, Help: "po ilu sekundach bez dotyku ekran startowy ustępuje pętli dla przechodniów (\"Dotknij ekranu, aby zacząć\", godziny pracy, ogłoszenia), np. 60s, 5m; 0 = wyłączona; domyślnie 60s", Check: checkAttract},
	{Key: SettingContentMemory, Help: "ile pamięci (MiB) może zająć wczytana nowa treść, zanim zostanie włączona (domyślnie 512); większa zostaje odrzucona, a kiosk pokazuje dotychczasową", Check: checkMemory},
	{Key: SettingSpeechOutput, Help: "dokąd idzie mowa: audio (głośnik lub słuchawki, domyślnie) albo pełna ścieżka katalogu, w którym każda wypowiedź zapisuje się jako plik WAV (do testów i diagnozy)", Check: checkSpeechOutput},
	{Key: SettingSpeechPlayer, Help: "program odtwarzający dźwięk WAV podany na wejście (domyślnie \"aplay -q\"; np. \"aplay -q -D plughw:1\" dla drugiej karty dźwiękowej)", Check: checkPlayer},
	{Key: SettingSpeechHeadphones, Help: "skąd wiadomo, że podłączono słuchawki: auto (gniazdo karty dźwiękowej, przez amixer; domyślnie), always (zawsze słuchawki) albo never (nigdy)", Check: oneOf("auto", "always", "never")},
	{Key: SettingSpeechPrompt, Help: "co ile ekran startowy, gdy nikt go nie dotyka, mówi na głos, jak włączyć czytanie na głos (po polsku, angielsku i ukraińsku na zmianę), np. 60s, 5m; 0 = nigdy; domyślnie 60s", Check: checkAttract},
	{Key: SettingKeypadUp, Help: "klawisze klawiatury numerycznej \"w górę\": nazwy klawiszy lub znaki po przecinku; pusty = Up", Check: checkKeys},
	{Key: SettingKeypadDown, Help: "klawisze \"w dół\"; pusty = Down", Check: checkKeys},
	{Key: SettingKeypadSelect, Help: "klawisze \"wybierz\"; pusty = Return,KP_Enter", Check: checkKeys},
	{Key: SettingKeypadBack, Help: "klawisze \"wstecz\"; pusty = BackSpace,Escape", Check: checkKeys},
	{Key: SettingKeypadHelp, Help: "klawisze \"pomoc\"; pusty = F1,?", Check: checkKeys},
	{Key: SettingKeypadVolumeUp, Help: "klawisze \"głośniej\"; pusty = +", Check: checkKeys},
	{Key: SettingKeypadVolumeDown, Help: "klawisze \"ciszej\"; pusty = -", Check: checkKeys},
	{Key: SettingLabel, Help: "gdzie stoi kiosk, np. \"Biblioteka, parter\" — widać to w portalu (flota urządzeń)", Check: CheckLabel},
}

// CheckLabel accepts a device label: printable characters, at most MaxLabel of them.
func CheckLabel(v string) error {
	if utf8.RuneCountInString(v) > MaxLabel {
		return fmt.Errorf("etykieta za długa: najwyżej %d znaków", MaxLabel)
	}
	for _, r := range v {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return fmt.Errorf("etykieta: tylko zwykłe znaki, bez znaków sterujących (np. \"Biblioteka, parter\")")
		}
	}
	return nil
}

func checkSpeechOutput(v string) error {
	if v != "audio" && !strings.HasPrefix(v, "/") {
		return fmt.Errorf("%q: podaj audio albo pełną ścieżkę katalogu, np. /var/lib/infomat/mowa", v)
	}
	return nil
}

func checkPlayer(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("podaj program, np. \"aplay -q\"")
	}
	return nil
}

// checkKeys accepts a comma list of key names ("Up", "KP_Enter") or single characters
// ("+", "?"); empty means the default keys.
func checkKeys(v string) error {
	for _, k := range strings.Split(v, ",") {
		k = strings.TrimSpace(k)
		if strings.ContainsFunc(k, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			return fmt.Errorf("%q: klawisze oddziel przecinkami, np. Up,KP_8", v)
		}
	}
	return nil
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
	return durationSetting(st, SettingAttractAfter, DefaultAttractAfter)
}

// durationSetting reads a duration setting checked by checkAttract; def when unset or bad.
func durationSetting(st SettingsStore, key string, def time.Duration) time.Duration {
	v := setting(st, key, def.String())
	d, err := time.ParseDuration(v)
	if err != nil || checkAttract(v) != nil {
		return def
	}
	return d
}

// DefaultSpeechPrompt is how often the spoken prompt comes when none is set.
const DefaultSpeechPrompt = 60 * time.Second

// SpeechConfig is how a kiosk speaks and which keys its keypad has.
type SpeechConfig struct {
	// Dir, when set, receives speech as WAV files instead of the sound card.
	Dir string
	// Player is the command playing WAV from its stdin.
	Player string
	// Headphones is auto, always or never.
	Headphones string
	// Keypad holds the keys' comma lists as set; empty: the default keys.
	Keypad KeypadKeys
	// Prompt is how often an untouched home screen says how to start speech mode; 0: never.
	Prompt time.Duration
}

// KeypadKeys are the comma lists of the keypad's keys.
type KeypadKeys struct {
	Up, Down, Select, Back, Help, VolumeUp, VolumeDown string
}

// SpeechSettings reads the speech and keypad settings, with defaults for what was never
// set. getenv's SpeechDirEnv, when set, overrides speech_output.
func SpeechSettings(st SettingsStore, getenv func(string) string) SpeechConfig {
	c := SpeechConfig{
		Player:     setting(st, SettingSpeechPlayer, "aplay -q"),
		Headphones: setting(st, SettingSpeechHeadphones, "auto"),
		Prompt:     durationSetting(st, SettingSpeechPrompt, DefaultSpeechPrompt),
		Keypad: KeypadKeys{
			Up:         setting(st, SettingKeypadUp, ""),
			Down:       setting(st, SettingKeypadDown, ""),
			Select:     setting(st, SettingKeypadSelect, ""),
			Back:       setting(st, SettingKeypadBack, ""),
			Help:       setting(st, SettingKeypadHelp, ""),
			VolumeUp:   setting(st, SettingKeypadVolumeUp, ""),
			VolumeDown: setting(st, SettingKeypadVolumeDown, ""),
		},
	}
	if out := setting(st, SettingSpeechOutput, "audio"); out != "audio" {
		c.Dir = out
	}
	if dir := getenv(SpeechDirEnv); dir != "" {
		c.Dir = dir
	}
	return c
}
