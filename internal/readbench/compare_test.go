package readbench

import "testing"

// TestDifference: answers that differ in a value, a key, a list's length or order, or a type are
// told apart; key order and the last bits of a float's sum are not differences.
func TestDifference(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		same       bool
	}{
		{"same", `{"a": [1, {"b": "x", "c": null}]}`, `{"a": [1, {"c": null, "b": "x"}]}`, true},
		{"float rounding", `{"x": 0.1}`, `{"x": 0.10000000000000002}`, true},
		{"float", `{"x": 0.1}`, `{"x": 0.1001}`, false},
		{"string", `{"x": "a"}`, `{"x": "b"}`, false},
		{"null and zero", `{"x": null}`, `{"x": 0}`, false},
		{"empty string and null", `{"x": ""}`, `{"x": null}`, false},
		{"missing key", `{"x": 1, "y": 2}`, `{"x": 1}`, false},
		{"extra key", `{"x": 1}`, `{"x": 1, "y": null}`, false},
		{"list order", `[1, 2]`, `[2, 1]`, false},
		{"list length", `[1, 2]`, `[1, 2, 3]`, false},
		{"empty list and null", `{"x": []}`, `{"x": null}`, false},
		{"object and list", `{"x": {}}`, `{"x": []}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diff, err := Difference([]byte(tc.a), []byte(tc.b))
			if err != nil || (diff == "") != tc.same {
				t.Fatalf("Difference(%s, %s) = %q, %v; same: %v", tc.a, tc.b, diff, err, tc.same)
			}
		})
	}
}
