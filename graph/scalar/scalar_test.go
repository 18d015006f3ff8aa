package scalar_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stakegraph/stakegraph/graph/scalar"
)

func TestUnmarshalIntegers(t *testing.T) {
	for _, c := range []struct {
		in     any
		int32  bool // a valid Int
		safe64 bool // a valid Int of a 64-bit field
	}{
		{int64(0), true, true},
		{json.Number("2147483647"), true, true},
		{json.Number("-2147483648"), true, true},
		{"12", true, true},
		{json.Number("2147483648"), false, true},
		{int64(-2147483649), false, true},
		{json.Number("9007199254740991"), false, true},
		{int64(-9007199254740991), false, true},
		{json.Number("9007199254740992"), false, false},
		{json.Number("99999999999999999999999"), false, false},
		{json.Number("1.5"), false, false},
		{"twelve", false, false},
		{1.0, false, false},
		{true, false, false},
	} {
		if _, err := scalar.UnmarshalInt(c.in); (err == nil) != c.int32 {
			t.Errorf("UnmarshalInt(%#v): %v", c.in, err)
		}
		if _, err := scalar.UnmarshalInt64(c.in); (err == nil) != c.safe64 {
			t.Errorf("UnmarshalInt64(%#v): %v", c.in, err)
		}
	}
}

func TestUnmarshalFloat(t *testing.T) {
	for _, c := range []struct {
		in any
		ok bool
	}{
		{0.25, true}, {int64(-1), true}, {json.Number("1e300"), true}, {"0.5", true},
		{"NaN", false}, {"nan", false}, {"Inf", false}, {"-Infinity", false}, {math.NaN(), false},
		{math.Inf(1), false}, {json.Number("1e400"), false}, {"one", false}, {true, false},
	} {
		if _, err := scalar.UnmarshalFloat(context.Background(), c.in); (err == nil) != c.ok {
			t.Errorf("UnmarshalFloat(%#v): %v", c.in, err)
		}
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"", true}, {"Café 😀", true}, {"tab\tand\nnewline", true},
		{"nul\x00", false}, {"\xff", false}, {"\xed\xa0\x80", false}, {"\xc3", false},
	} {
		if _, err := scalar.UnmarshalString(c.in); (err == nil) != c.ok {
			t.Errorf("UnmarshalString(%q): %v", c.in, err)
		}
		if _, err := scalar.UnmarshalID(c.in); (err == nil) != c.ok {
			t.Errorf("UnmarshalID(%q): %v", c.in, err)
		}
	}
}
