// Package requestid carries the id of the request that a piece of work belongs to, so that
// logs and the change journal can be tied back to it.
package requestid

import "context"

type key struct{}

// NewContext returns a context that carries id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// FromContext returns the request id in ctx, or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
