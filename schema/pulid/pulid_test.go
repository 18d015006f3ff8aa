package pulid

import (
	"sort"
	"testing"
)

func TestNewIsPrefixedSortableAndUnique(t *testing.T) {
	seen := map[string]bool{}
	var ids []string
	for range 10000 {
		id := New("acc")
		if Prefix(id) != "acc" {
			t.Fatalf("Prefix(%q) = %q", id, Prefix(id))
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("ids made one after the other do not sort in creation order")
	}
}

func TestPrefixRefusesWhatIsNotAnID(t *testing.T) {
	for _, s := range []string{"", "acc", "acc_", "acc_123", "01JD0000000000000000000000", "acc_01JD000000000000000000000U", "acc_ZZZZZZZZZZZZZZZZZZZZZZZZZZ"} {
		if p := Prefix(s); p != "" {
			t.Errorf("Prefix(%q) = %q, want none", s, p)
		}
	}
}
