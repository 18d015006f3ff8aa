package cli_test

import "encoding/json"

func jsonUnmarshal(s string, into any) error { return json.Unmarshal([]byte(s), into) }
