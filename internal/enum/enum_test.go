package enum

import (
	"bytes"
	"testing"
)

func TestUnmarshalRefusesUnknownValues(t *testing.T) {
	var c Channel
	if err := c.UnmarshalGQL("EMAIL"); err != nil || c != ChannelEmail {
		t.Fatalf("EMAIL: %v %q", err, c)
	}
	for _, v := range []any{"email", "FAX", 3, nil} {
		if err := c.UnmarshalGQL(v); err == nil {
			t.Errorf("UnmarshalGQL(%v) accepted", v)
		}
	}
	var buf bytes.Buffer
	PersonaEndUser.MarshalGQL(&buf)
	if buf.String() != `"END_USER"` {
		t.Fatalf("MarshalGQL wrote %s", buf.String())
	}
}

func TestValuesListEveryConstant(t *testing.T) {
	if len(Role("").Values()) != 5 || len(Channel("").Values()) != 9 || len(BuyingRole("").Values()) != 10 ||
		len(Persona("").Values()) != 2 {
		t.Fatal("an enumeration's Values do not list all of its constants")
	}
}
