// Package errs is the platform's one error type: a kind that the API maps to an error code,
// the input field at fault, and a message fit for a client.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the client.
type Kind int

// The kinds, one per API error code.
const (
	Internal        Kind = iota // INTERNAL: our fault; the message is never shown
	Unauthenticated             // UNAUTHENTICATED: no valid credentials
	Forbidden                   // FORBIDDEN: the viewer's role may not do this
	NotFound                    // NOT_FOUND: no such thing, or not visible to the viewer
	Invalid                     // BAD_USER_INPUT: the input is wrong; Field says where
	Conflict                    // CONFLICT: the input clashes with the current state
	RateLimited                 // RATE_LIMITED: too many requests
	Unavailable                 // UNAVAILABLE: the service cannot answer now; the same request may succeed later
)

// Code returns the API error code of the kind.
func (k Kind) Code() string {
	switch k {
	case Unauthenticated:
		return "UNAUTHENTICATED"
	case Forbidden:
		return "FORBIDDEN"
	case NotFound:
		return "NOT_FOUND"
	case Invalid:
		return "BAD_USER_INPUT"
	case Conflict:
		return "CONFLICT"
	case RateLimited:
		return "RATE_LIMITED"
	case Unavailable:
		return "UNAVAILABLE"
	default:
		return "INTERNAL"
	}
}

// Error is an error with a kind, the input field at fault and a message for the client.
type Error struct {
	Kind    Kind
	Field   string // the GraphQL input field at fault, in the API's spelling
	Message string
	Err     error // the cause, for logs; never shown to a client
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// E returns an error of the kind with a client-facing message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns a BAD_USER_INPUT error that names the field at fault.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf returns a NOT_FOUND error that names the field whose reference found nothing.
func NotFoundf(field, format string, args ...any) *Error {
	return &Error{Kind: NotFound, Field: field, Message: fmt.Sprintf(format, args...)}
}

// InvalidCursor returns the BAD_USER_INPUT error of a cursor argument (after, before) that is
// not a position in its connection. It says no more: a cursor is opaque to clients.
func InvalidCursor(field string) *Error {
	return &Error{Kind: Invalid, Field: field, Message: "invalid cursor"}
}

// Wrap returns an INTERNAL error that keeps err for the logs.
func Wrap(err error, format string, args ...any) *Error {
	return &Error{Kind: Internal, Message: fmt.Sprintf(format, args...), Err: err}
}

// As returns the *Error in err's chain, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// validatorWords rephrases the messages of ent's built-in validators for people.
var validatorWords = map[string]string{
	"value is less than the required length":    "must not be empty or is too short",
	"value is greater than the required length": "is too long",
	"value out of range":                        "is out of range",
}

// Validation returns the BAD_USER_INPUT error of a field whose validator refused its value:
// "name must not be empty or is too short". err is the validator's error, or an error that
// wraps it.
func Validation(field string, err error) *Error {
	for next := errors.Unwrap(err); next != nil; next = errors.Unwrap(err) {
		err = next
	}
	msg := err.Error()
	if words, ok := validatorWords[msg]; ok {
		msg = words
	}
	return &Error{Kind: Invalid, Field: field, Message: field + " " + msg}
}
