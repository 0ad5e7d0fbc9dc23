package kiosk

import (
	"fmt"
	"time"
)

// Device settings a technician sets once per kiosk (`infomat settings set KEY VALUE`); they
// live in the store so they survive restarts and updates.
const (
	SettingIdleTimeout = "idle_timeout"
)

// Setting describes one device setting.
type Setting struct {
	Key   string
	Help  string // Polish: technicians read it
	Check func(string) error
}

// Settings lists the device settings the kiosk understands.
var Settings = []Setting{
	{Key: SettingIdleTimeout, Help: "czas bez dotyku, po którym sesja wraca do ekranu startowego (np. 90s, 2m); ostrzeżenie pojawia się 20 s wcześniej", Check: checkIdle},
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

// SettingsStore is where device settings are kept.
type SettingsStore interface {
	Setting(key string) (string, bool, error)
}

// IdleTimeout is the device's idle timeout: the stored setting, else the default.
func IdleTimeout(st SettingsStore) time.Duration {
	v, ok, err := st.Setting(SettingIdleTimeout)
	if err != nil || !ok || checkIdle(v) != nil {
		return DefaultIdleTimeout
	}
	d, _ := time.ParseDuration(v)
	return d
}
