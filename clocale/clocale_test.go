package clocale

import "testing"

func TestCLocale(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"LANG": "C.UTF-8"}, true},
		{map[string]string{"LANG": "C.utf8"}, true},
		{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "pl_PL.UTF-8"}, true},
		{map[string]string{"LC_MESSAGES": "POSIX.UTF-8"}, true},
		{map[string]string{"LANG": "C"}, false},
		{map[string]string{"LANG": "POSIX"}, false},
		{map[string]string{}, false},
		{map[string]string{"LANG": "pl_PL.UTF-8"}, false},
		{map[string]string{"LC_ALL": "pl_PL.UTF-8", "LANG": "C.UTF-8"}, false},
	} {
		if got := cLocale(messagesLocale(func(k string) string { return tc.env[k] })); got != tc.want {
			t.Errorf("%v: C locale %v, want %v", tc.env, got, tc.want)
		}
	}
}
