package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/idempotencykey"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/errs"
)

// IdempotencyHeader is the request header that makes a mutation safe to retry.
const IdempotencyHeader = "Idempotency-Key"

// idempotencyTTL is how long a key is remembered.
const idempotencyTTL = 24 * time.Hour

// idempotent is a mutation request that carries an Idempotency-Key.
type idempotent struct {
	key    string
	hash   string
	tenant string
}

// idempotencyOf reads the request's key, or returns nil when it has none.
func idempotencyOf(ctx context.Context, oc *graphql.OperationContext) (*idempotent, error) {
	key := oc.Headers.Get(IdempotencyHeader)
	if key == "" {
		return nil, nil
	}
	if len(key) > 255 {
		return nil, errs.Invalidf(IdempotencyHeader, "is longer than 255 characters")
	}
	v, ok := auth.FromContext(ctx)
	if !ok {
		return nil, errs.E(errs.Unauthenticated, "no viewer")
	}
	vars, err := json.Marshal(oc.Variables) // maps marshal with sorted keys: the same request hashes the same
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	sum.Write([]byte(oc.RawQuery))
	sum.Write([]byte{0})
	sum.Write([]byte(oc.OperationName))
	sum.Write([]byte{0})
	sum.Write(vars)
	return &idempotent{key: key, hash: hex.EncodeToString(sum.Sum(nil)), tenant: v.TenantID}, nil
}

// allow lets the server read and write the keys, which the data layer keeps to it.
func allow(ctx context.Context) context.Context { return privacy.DecisionContext(ctx, privacy.Allow) }

// stored returns the live stored key, if any; an expired one is deleted.
func (k *idempotent) stored(ctx context.Context, c *ent.Client) (*ent.IdempotencyKey, error) {
	row, err := c.IdempotencyKey.Query().
		Where(idempotencykey.TenantID(k.tenant), idempotencykey.Key(k.key)).
		Only(allow(ctx))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if time.Since(row.CreatedAt) > idempotencyTTL {
		return nil, c.IdempotencyKey.DeleteOne(row).Exec(allow(ctx))
	}
	return row, nil
}

// claim records the key in the mutation's transaction, before the mutation runs. Another
// request holding the same key waits here until the first one commits or rolls back.
func (k *idempotent) claim(ctx context.Context, c *ent.Client) error {
	if rand.IntN(100) == 0 { // now and then, forget the keys that have expired
		_, err := c.IdempotencyKey.Delete().
			Where(idempotencykey.TenantID(k.tenant), idempotencykey.CreatedAtLT(time.Now().Add(-idempotencyTTL))).
			Exec(allow(ctx))
		if err != nil {
			return err
		}
	}
	return c.IdempotencyKey.Create().
		SetTenantID(k.tenant).
		SetKey(k.key).
		SetRequestHash(k.hash).
		Exec(allow(ctx))
}

// remember stores the response sent for the key.
func (k *idempotent) remember(ctx context.Context, c *ent.Client, resp *graphql.Response) error {
	raw, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	_, err = c.IdempotencyKey.Update().
		Where(idempotencykey.TenantID(k.tenant), idempotencykey.Key(k.key)).
		SetResponse(raw).
		Save(allow(ctx))
	return err
}

// replay answers with the stored response of the same request, or refuses another request
// under the same key.
func (k *idempotent) replay(row *ent.IdempotencyKey) (*graphql.Response, error) {
	if row.RequestHash != k.hash {
		return nil, &errs.Error{Kind: errs.Conflict, Field: IdempotencyHeader,
			Message: "this key was used with a different request in the last 24 hours"}
	}
	var resp graphql.Response
	if err := json.Unmarshal(row.Response, &resp); err != nil {
		return nil, errs.Wrap(err, "reading the stored response")
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["idempotentReplay"] = true
	return &resp, nil
}
