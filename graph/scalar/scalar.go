// Package scalar holds the API's Int, Float, String and ID scalars: gqlgen's own, with the
// input rules that every argument and input field obeys, whatever mutation, filter or sync
// carries it. gqlgen.yml binds the scalars to these functions.
package scalar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// maxSafeInteger is the largest integer a JSON client holds exactly (2^53-1): the bound of
// the API's 64-bit fields, such as a contract's value in minor units.
const maxSafeInteger = 1<<53 - 1

// MarshalInt writes an Int.
func MarshalInt(i int) graphql.Marshaler { return graphql.MarshalInt(i) }

// UnmarshalInt reads an Int as GraphQL defines it: a 32-bit signed integer. Larger values are
// refused rather than stored, where they would overflow the sums made of them.
func UnmarshalInt(v any) (int, error) {
	n, err := integer(v, math.MinInt32, math.MaxInt32, "is not a 32-bit integer (-2147483648 to 2147483647)")
	return int(n), err
}

// MarshalInt64 writes an Int held in 64 bits.
func MarshalInt64(i int64) graphql.Marshaler { return graphql.MarshalInt64(i) }

// UnmarshalInt64 reads an Int of a 64-bit field: within ±maxSafeInteger, so that every
// client reads back what it wrote.
func UnmarshalInt64(v any) (int64, error) {
	return integer(v, -maxSafeInteger, maxSafeInteger, "is out of range (at most ±9007199254740991)")
}

func integer(v any, lowest, highest int64, outOfRange string) (int64, error) {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case json.Number, string:
		var err error
		n, err = strconv.ParseInt(fmt.Sprint(v), 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return 0, errors.New(outOfRange)
		}
		if err != nil {
			return 0, errors.New("is not an integer")
		}
	case nil:
		return 0, nil
	default:
		return 0, errors.New("is not an integer")
	}
	if n < lowest || n > highest {
		return 0, errors.New(outOfRange)
	}
	return n, nil
}

// MarshalFloat writes a Float; NaN and infinities, which JSON cannot carry, are an error.
func MarshalFloat(f float64) graphql.ContextMarshaler { return graphql.MarshalFloatContext(f) }

// UnmarshalFloat reads a Float: a finite number. gqlgen's own reads "NaN" and "Inf" from a
// string, and every comparison with NaN is false, so a range check would let it through.
func UnmarshalFloat(_ context.Context, v any) (float64, error) {
	f, err := graphql.UnmarshalFloat(v)
	if errors.Is(err, strconv.ErrRange) || err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return 0, errors.New("is not a finite number")
	}
	if err != nil {
		return 0, errors.New("is not a number")
	}
	return f, nil
}

// MarshalString writes a String.
func MarshalString(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalString reads a String that is text: valid UTF-8 without NUL characters, which
// databases truncate at or refuse.
func UnmarshalString(v any) (string, error) { return text(graphql.UnmarshalString, v) }

// MarshalID writes an ID.
func MarshalID(s string) graphql.Marshaler { return graphql.MarshalID(s) }

// UnmarshalID reads an ID, which is text like a String.
func UnmarshalID(v any) (string, error) { return text(graphql.UnmarshalID, v) }

// text reads v as gqlgen's read does, and refuses what is not text.
func text(read func(any) (string, error), v any) (string, error) {
	s, err := read(v)
	if err != nil {
		return "", err
	}
	return s, checkText(s)
}

// checkText refuses a string that is not valid UTF-8 or holds a NUL character.
func checkText(s string) error {
	switch {
	case !utf8.ValidString(s):
		return errors.New("is not valid UTF-8 text")
	case strings.IndexByte(s, 0) >= 0:
		return errors.New("contains a NUL character")
	}
	return nil
}
