package server

import (
	"encoding/json"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestWireResponseMarshalsAsJSON: the response copies gqlgen's data as it is and encodes the
// rest as encoding/json does, in the same order.
func TestWireResponseMarshalsAsJSON(t *testing.T) {
	data := json.RawMessage(`{"accounts":{"edges":[{"node":{"id":"acc_1","name":"Åsa \"A\""}}]}}`)
	empty := json.RawMessage(`null`)
	errs := gqlerror.List{{Message: "no", Extensions: map[string]any{"code": "FORBIDDEN"}}}
	ext := map[string]any{"cost": map[string]any{"complexity": 42}}
	for name, r := range map[string]wireResponse{
		"data":                        {Data: &data},
		"data, errors and extensions": {Data: &data, Errors: errs, Extensions: ext},
		"null data and errors":        {Data: &empty, Errors: errs},
		"errors without data":         {Errors: errs, Extensions: ext},
		"nothing":                     {},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.marshal()
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: %s, %v\nwant %s", name, got, err, want)
		}
	}
}
