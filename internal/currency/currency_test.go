package currency

import "testing"

func TestKnown(t *testing.T) {
	for code, want := range map[string]bool{"EUR": true, "USD": true, "JPY": true, "eur": false, "XXX": false, "": false, "EURO": false} {
		if Known(code) != want {
			t.Errorf("Known(%q) = %v", code, !want)
		}
	}
	if n, ok := MinorUnits("jpy"); !ok || n != 0 {
		t.Errorf("MinorUnits(jpy) = %d, %v", n, ok)
	}
	if n, _ := MinorUnits("KWD"); n != 3 {
		t.Errorf("MinorUnits(KWD) = %d", n)
	}
}
