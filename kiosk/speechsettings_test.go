package kiosk

import "testing"

func TestSpeechSettings(t *testing.T) {
	st := openStore(t)
	noEnv := func(string) string { return "" }
	got := SpeechSettings(st, noEnv)
	if want := (SpeechConfig{Player: "aplay -q", Headphones: "auto", Prompt: DefaultSpeechPrompt}); got != want {
		t.Fatalf("unset: %+v, want %+v", got, want)
	}
	for k, v := range map[string]string{
		SettingSpeechOutput:     "/var/lib/infomat/mowa",
		SettingSpeechPlayer:     "aplay -q -D plughw:1",
		SettingSpeechHeadphones: "always",
		SettingKeypadUp:         "Up,KP_8",
		SettingKeypadVolumeDown: "-,KP_Subtract",
		SettingSpeechPrompt:     "0",
	} {
		if err := st.SetSetting(k, v); err != nil {
			t.Fatal(err)
		}
	}
	got = SpeechSettings(st, noEnv)
	want := SpeechConfig{Dir: "/var/lib/infomat/mowa", Player: "aplay -q -D plughw:1", Headphones: "always",
		Keypad: KeypadKeys{Up: "Up,KP_8", VolumeDown: "-,KP_Subtract"}, Prompt: 0}
	if got != want {
		t.Errorf("set: %+v, want %+v", got, want)
	}
	// The tests' directory wins over the setting.
	env := func(k string) string {
		if k == SpeechDirEnv {
			return "/tmp/speech"
		}
		return ""
	}
	if got := SpeechSettings(st, env).Dir; got != "/tmp/speech" {
		t.Errorf("%s: Dir %q", SpeechDirEnv, got)
	}
	// Values edited into the store by hand that fail their check are ignored.
	st.SetSetting(SettingSpeechOutput, "mowa")
	st.SetSetting(SettingSpeechHeadphones, "sometimes")
	if got := SpeechSettings(st, noEnv); got.Dir != "" || got.Headphones != "auto" {
		t.Errorf("bad values obeyed: %+v", got)
	}
}

func TestSpeechSettingChecks(t *testing.T) {
	for key, vals := range map[string]struct{ good, bad []string }{
		SettingSpeechOutput:     {[]string{"audio", "/tmp/mowa"}, []string{"", "mowa", "Audio"}},
		SettingSpeechPlayer:     {[]string{"aplay -q", "paplay"}, []string{"", "  "}},
		SettingSpeechHeadphones: {[]string{"auto", "always", "never"}, []string{"", "yes"}},
		SettingKeypadHelp:       {[]string{"", "F1", "F1,?", "F1, ?"}, []string{"F 1", "a\tb"}},
	} {
		s, ok := LookupSetting(key)
		if !ok {
			t.Fatalf("%s is not a known setting", key)
		}
		for _, v := range vals.good {
			if err := s.Check(v); err != nil {
				t.Errorf("%s: %q refused: %v", key, v, err)
			}
		}
		for _, v := range vals.bad {
			if s.Check(v) == nil {
				t.Errorf("%s: %q accepted", key, v)
			}
		}
	}
}
